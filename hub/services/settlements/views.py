"""What each party sees of a settlement. The debt counsellor sees its whole dossier; a creditor sees only
its own place in it (never another creditor's identity or claim); each sees the messages sent to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.domain import settlement_math as math
from hub.domain import settlement_states as states
from hub.domain.convenants import Convenant
from hub.services.settlements.common import blob_view


def claim_total(row: Any) -> int:
    return int((row.principal_cents or 0) + (row.interest_cents or 0) + (row.costs_cents or 0))


def _claim(row: Any) -> dict[str, Any]:
    known = row.principal_cents is not None
    return {
        "state": row.claim_state,
        "principal_cents": row.principal_cents,
        "interest_cents": row.interest_cents,
        "costs_cents": row.costs_cents,
        "total_cents": claim_total(row) if known else None,
        "preferential": row.preferential,
        "agreed_in_advance": row.agreed_in_advance,
        "recorded_by": row.claim_recorded_by,
        "refusal_reason": row.refusal_reason,
    }


def _answer(row: Any) -> dict[str, Any] | None:
    if row.answer is None:
        return None
    return {
        "answer": row.answer,
        "reason": row.answer_reason,
        "under_convenant": row.answered_under,
        "recorded_by": row.answer_recorded_by,
        "answered_at": row.answered_at,
    }


def _deadline(row: Any | None, now: dt.datetime) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "request": row.request,
        "due_at": row.due_at,
        "remind_at": row.remind_at,
        "reminder_sent_at": row.reminder_sent_at,
        "escalated_at": row.escalated_at,
        "overdue": row.due_at <= now,
    }


def _convenant(convenant: Convenant | None) -> dict[str, Any] | None:
    return None if convenant is None else dict(convenant.__dict__)


def proposal_view(proposal: Any, shares: Mapping[str, Any]) -> dict[str, Any]:
    view = {
        c: getattr(proposal, c)
        for c in (
            "id",
            "kind",
            "monthly_capacity_cents",
            "term_months",
            "lump_sum_cents",
            "preferential_share_bp",
            "amount_offered_cents",
            "total_admitted_cents",
            "created_at",
            "sent_at",
        )
    }
    view["percentage_bp"] = math.share_bp(proposal.amount_offered_cents, proposal.total_admitted_cents)
    view["shares"] = [
        {
            "participant_id": pid,
            "admitted_cents": s.admitted_cents,
            "preferential": s.preferential,
            "share_cents": s.share_cents,
        }
        for pid, s in shares.items()
    ]
    return view


def dossier_view(conn: sa.Connection, dossier: Any, now: dt.datetime) -> dict[str, Any]:
    """Every creditor of the dossier with its claim, share, answer and open deadline, in one response."""
    rows = repo.participants(conn, dossier.id)
    deadlines = messages_repo.open_deadlines_of(conn, [r.id for r in rows])
    notes = messages_repo.blobs(conn, "creditor_note", [r.id for r in rows])
    convenants = {c.id: c for c in repo.list_convenants(conn)}
    proposal = repo.current_proposal(conn, dossier.id)
    shares = repo.shares_of(conn, proposal.id) if proposal is not None else {}
    creditors = []
    for row in rows:
        share = shares.get(row.id)
        creditors.append(
            {
                "participant_id": row.id,
                "creditor_id": row.creditor_id,
                "handled_outside": row.creditor_id is None,
                "sector": row.sector,
                "convenant": _convenant(convenants.get(row.convenant_id or "")),
                "contacted": row.contacted,
                "collection_paused": row.collection_paused,
                "claim": _claim(row),
                "share_cents": share.share_cents if share is not None else None,
                "answer": _answer(row),
                "deadline": _deadline(deadlines.get(row.id), now),
                "sealed_note": blob_view(notes.get(row.id)),
            }
        )
    return {
        **summary(dossier),
        "allowed_states": [s for s in states.STATES if s in states.allowed(dossier.state)],
        "proposal": proposal_view(proposal, shares) if proposal is not None else None,
        "creditors": creditors,
    }


def summary(dossier: Any) -> dict[str, Any]:
    return {
        c: getattr(dossier, c)
        for c in (
            "id",
            "seq",
            "case_id",
            "referral_id",
            "municipality_id",
            "state",
            "first_payment_on",
            "opened_at",
            "updated_at",
        )
    }


def creditor_view(conn: sa.Connection, row: Any, now: dt.datetime) -> dict[str, Any]:
    """A creditor's own place in a dossier: its claim, the offer to it, its answer and deadline; nothing about
    the other creditors."""
    proposal = repo.current_proposal(conn, row.dossier_id)
    share = repo.shares_of(conn, proposal.id).get(row.id) if proposal is not None and proposal.sent_at else None
    convenant = repo.get_convenant(conn, row.convenant_id) if row.convenant_id else None
    offer = None
    if proposal is not None and share is not None:
        offer = {
            "proposal_id": proposal.id,
            "kind": proposal.kind,
            "term_months": proposal.term_months,
            "admitted_cents": share.admitted_cents,
            "share_cents": share.share_cents,
            "share_bp": math.share_bp(share.share_cents, share.admitted_cents),
        }
    deadline = messages_repo.open_deadlines_of(conn, [row.id]).get(row.id)
    return {
        "participant_id": row.id,
        "dossier_id": row.dossier_id,
        "debt_help_id": row.debt_help_id,
        "dossier_state": row.dossier_state,
        "convenant": _convenant(convenant),
        "collection_paused": row.collection_paused,
        "claim": _claim(row),
        "offer": offer,
        "answer": _answer(row),
        "deadline": _deadline(deadline, now),
    }


def message_view(row: Any, blob: Any | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "seq": row.seq,
        "kind": row.kind,
        "dossier_id": row.dossier_id,
        "participant_id": row.participant_id,
        "sender_id": row.sender_id,
        "recipient_id": row.recipient_id,
        "facts": row.facts,
        "created_at": row.created_at,
        "acknowledged_at": row.acknowledged_at,
        "sealed": blob_view(blob),
    }

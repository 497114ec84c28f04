"""Creditor to debt-help: claim statements, proposal answers, refusals, status and status requests; and what
a creditor may see: its own place in each dossier, and (with a legal basis or consent) that the case has
other creditors, never who they are or what they claim."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.domain import settlement_messages as kinds
from hub.domain import settlement_states as states
from hub.domain.evidence import Actor
from hub.errors import Conflict, InvalidParam, NotFound
from hub.services.consent import ConsentService
from hub.services.settlements import common, views
from schemas.v1 import settlement as schemas

_WIRE: Mapping[str, Any] = {
    "claim_statement": schemas.ClaimStatementSchema(),
    "proposal_answer": schemas.ProposalAnswerSchema(),
    "refusal": schemas.RefusalSchema(),
    "creditor_status": schemas.CreditorStatusSchema(),
    "status_request": schemas.StatusRequestSchema(),
}
_CLAIM = ("principal_cents", "interest_cents", "costs_cents", "preferential", "agreed_in_advance")


def _facts(kind: str, wire: Mapping[str, Any]) -> dict[str, Any]:
    facts = {k: v for k, v in wire.items() if k not in ("message_id", "sealed")}
    if kind == "claim_statement":
        facts["total_cents"] = sum(wire[k] for k in ("principal_cents", "interest_cents", "costs_cents"))
    return facts


def _check_sealed(conn: sa.Connection, debt_help_id: str, blob: Mapping[str, Any], now: dt.datetime) -> None:
    problems = common.check_blob(common.encryption_keys(conn, [debt_help_id]), blob, debt_help_id, now, "sealed")
    common.refuse(problems, "The message is not sealed for the debt-help organisation.")


class IncomingService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime], consent: ConsentService) -> None:
        self._engine, self._clock, self._consent = engine, clock, consent

    # --- reading -------------------------------------------------------------------------------------
    def page(self, actor: Actor, *, after: int, limit: int) -> list[dict[str, Any]]:
        """The creditor's places in dossiers, in order of being added."""
        now = self._clock()
        with self._engine.connect() as conn:
            rows = repo.participations(conn, actor.organisation_id, after=after, limit=limit)
            return [views.creditor_view(conn, r, now) | {"seq": r.seq} for r in rows]

    def show(self, actor: Actor, participant_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            row = self._own(conn, actor, participant_id)
            return views.creditor_view(conn, row, self._clock()) | {"seq": row.seq}

    @staticmethod
    def _own(conn: sa.Connection, actor: Actor, participant_id: str) -> Any:
        row = repo.participation(conn, participant_id)
        if row is None or row.creditor_id != actor.organisation_id:
            raise NotFound(f"No settlement {participant_id} of yours.", code="settlement_unknown")
        return row

    # --- messages to the debt counsellor -------------------------------------------------------------
    def receive(
        self, actor: Actor, participant_id: str, kind: str, body: Mapping[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Store one creditor message; ``(result, created)``. A resubmission returns the original."""
        now, wire = self._clock(), _WIRE[kind].dump(body)
        body_digest = common.digest(kind, participant_id, wire)
        with self._engine.begin() as conn:
            participant = self._own(conn, actor, participant_id)
            result = {"message_id": wire["message_id"], "participant_id": participant_id}
            if not common.fresh(conn, actor.organisation_id, [(wire["message_id"], body_digest)], ""):
                return result | {"outcome": "duplicate"}, False
            dossier = common.dossier(conn, participant.dossier_id)
            common.sendable(kind, dossier)
            _check_sealed(conn, dossier.debt_help_id, body["sealed"], now)
            getattr(self, f"_on_{kind}", lambda *_: None)(conn, participant, body, now)
            target = kinds.next_state(kind, dossier.state)
            if target is not None:
                if dossier.state == states.PROPOSAL:  # a claim changed: the draft proposal is stale
                    repo.supersede_proposals(conn, dossier.id, now)
                common.move(conn, dossier, target, now)
            else:
                repo.touch_dossier(conn, dossier.id, now)
            message = common.Message(
                kind,
                dossier.id,
                participant.id,
                actor.organisation_id,
                dossier.debt_help_id,
                _facts(kind, wire),
                id=wire["message_id"],
                blob=body["sealed"],
                digest=body_digest,
            )
            common.store(conn, actor, [message], now)  # evidence (and its lock) last
        return result | {"outcome": "created"}, True

    def _on_claim_statement(
        self, conn: sa.Connection, participant: Any, body: Mapping[str, Any], now: dt.datetime
    ) -> None:
        named = body.get("agreed_in_advance")
        if named is not None and not repo.is_party(conn, named, participant.creditor_id):
            reason = "Name a convenant your organisation is party to."
            common.refuse([InvalidParam("agreed_in_advance", reason)], reason)
        claim = {k: body.get(k) for k in _CLAIM}
        repo.update_participants(
            conn,
            [participant.id],
            now,
            claim_state="stated",
            claim_recorded_by="creditor",
            refusal_reason=None,
            **claim,
        )
        messages_repo.close_deadlines(conn, [participant.id], now, ("claim_request",))

    def _on_proposal_answer(
        self, conn: sa.Connection, participant: Any, body: Mapping[str, Any], now: dt.datetime
    ) -> None:
        proposal = repo.current_proposal(conn, participant.dossier_id)
        if proposal is None or proposal.sent_at is None or participant.id not in repo.shares_of(conn, proposal.id):
            raise Conflict("There is no proposal to you to answer.", code="no_proposal")
        if participant.answer is not None:
            raise Conflict(
                "You answered this proposal already; the debt counsellor may ask you to reconsider.",
                code="already_answered",
            )
        repo.update_participants(
            conn,
            [participant.id],
            now,
            answer=body["answer"],
            answer_reason=body.get("reason"),
            answered_at=now,
            answer_recorded_by="creditor",
        )
        messages_repo.close_deadlines(conn, [participant.id], now, ("proposal", "reconsideration"))

    def _on_refusal(self, conn: sa.Connection, participant: Any, body: Mapping[str, Any], now: dt.datetime) -> None:
        repo.update_participants(conn, [participant.id], now, claim_state="refused", refusal_reason=body["reason"])
        messages_repo.close_deadlines(conn, [participant.id], now)

    # --- the multi-creditor notice -------------------------------------------------------------------
    def other_creditors(self, actor: Actor, participant_id: str) -> dict[str, Any]:
        """Tell a creditor (e.g. one that wants to forgive arrears, Gereedschapskist 3.6) whether the case has
        other creditors, and how many; never who. Only with a legal basis or consent (``multi_creditor_notice``)."""
        with self._engine.connect() as conn:
            case_id = self._own(conn, actor, participant_id).case_id
        common.check_consent(self._consent, actor, "multi_creditor_notice", case_id)
        now = self._clock()
        with self._engine.begin() as conn:
            participant = self._own(conn, actor, participant_id)
            dossier = common.dossier(conn, participant.dossier_id)
            common.sendable("multi_creditor_notice", dossier)
            others = sum(1 for p in repo.participants(conn, dossier.id) if p.id != participant.id)
            facts = {"other_creditors": others > 0, "count": others}
            notice = common.Message(
                "multi_creditor_notice", dossier.id, participant.id, common.HUB_SENDER, actor.organisation_id, facts
            )
            common.store(conn, actor, [notice], now)
        return {"message_id": notice.id, "participant_id": participant_id, **facts}

"""The settlement proposal (betaalvoorstel): checked, sent under each creditor's convenant, agreed.

``draft`` recomputes the shares from the admitted claims (hub/domain/settlement_math.py) and refuses a
proposal whose shares differ, with the correct shares in the problem (``expected_shares``). ``send`` sends
the checked proposal to every creditor in the hub; a creditor whose convenant accepts compliant proposals in
advance is answered "accepted under convenant X" at once, the others get a deadline. ``agreed`` needs every
creditor's acceptance and tells them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import evidence as evidence_repo
from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.domain import convenants as rules
from hub.domain import settlement_math as math
from hub.domain import settlement_states as states
from hub.domain.evidence import Actor
from hub.errors import Conflict, InvalidParam
from hub.services.settlements import arithmetic, common, deadlines, views
from hub.services.settlements.outgoing import Batch, finish, prepare, require_all
from schemas.v1.settlement import ProposalSchema

_WIRE = ProposalSchema()
_DRAFTABLE = frozenset({states.INVENTORY, states.PROPOSAL, states.NEGOTIATION})
_ANSWER_RESET = {
    "answer": None,
    "answer_reason": None,
    "answered_under": None,
    "answered_at": None,
    "answer_recorded_by": None,
}


class ProposalService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    def draft(self, actor: Actor, dossier_id: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Check and keep a proposal (the dossier moves to ``proposal``); ``(view, created)``."""
        now, wire = self._clock(), _WIRE.dump(body)
        body_digest = common.digest("proposal", dossier_id, wire)
        with self._engine.begin() as conn:
            dossier = common.own_dossier(conn, actor, dossier_id)
            old = repo.get_proposal(conn, wire["proposal_id"])
            if old is not None:
                if old.dossier_id != dossier.id or old.body_digest != body_digest:
                    raise Conflict("This proposal id was used for another proposal.", code="proposal_id_reused")
                return self._view(conn, old, dossier), False
            if dossier.state not in _DRAFTABLE:
                raise Conflict(f"A proposal cannot be made while the dossier is {dossier.state}.", code="dossier_state")
            participants = repo.participants(conn, dossier.id)
            offer = arithmetic.offer_of(body)
            claims, expected = arithmetic.expected_shares(offer, participants)
            arithmetic.check_shares(expected, body)
            self._keep(
                conn,
                dossier,
                wire["proposal_id"],
                offer=offer,
                claims=claims,
                expected=expected,
                digest=body_digest,
                now=now,
            )
            if dossier.state == states.NEGOTIATION:  # a revised proposal: the answers to the old one lapse
                repo.update_participants(conn, [p.id for p in participants], now, **_ANSWER_RESET)
                messages_repo.close_deadlines(conn, [p.id for p in participants], now, ("proposal", "reconsideration"))
            common.move(conn, dossier, states.PROPOSAL, now)
            evidence_repo.append(
                conn,
                actor,
                "settlement.proposal_checked",
                object_type="proposal",
                object_id=wire["proposal_id"],
                at=now,
            )
            return self._view(conn, repo.get_proposal(conn, wire["proposal_id"]), dossier), True

    @staticmethod
    def _keep(
        conn: sa.Connection,
        dossier: Any,
        proposal_id: str,
        *,
        offer: math.Offer,
        claims: Sequence[math.Claim],
        expected: Mapping[str, int],
        digest: bytes,
        now: dt.datetime,
    ) -> None:
        repo.supersede_proposals(conn, dossier.id, now)
        total = sum(c.admitted_cents for c in claims)
        row = {
            "id": proposal_id,
            "dossier_id": dossier.id,
            **offer.__dict__,
            "amount_offered_cents": sum(expected.values()),
            "total_admitted_cents": total,
            "body_digest": digest,
            "created_at": now,
        }
        shares = [
            {
                "participant_id": c.key,
                "admitted_cents": c.admitted_cents,
                "preferential": c.preferential,
                "share_cents": expected[c.key],
            }
            for c in claims
        ]
        repo.insert_proposal(conn, row, shares)

    def _view(self, conn: sa.Connection, proposal: Any, dossier: Any) -> dict[str, Any]:
        shares = repo.shares_of(conn, proposal.id)
        participants = {p.id: p for p in repo.participants(conn, dossier.id)}
        claims = [math.Claim(pid, s.admitted_cents, s.preferential) for pid, s in shares.items()]
        convenants = {c.id: c for c in repo.list_convenants(conn)}
        checks = arithmetic.convenant_checks(
            arithmetic.offer_of(proposal),
            claims,
            {k: s.share_cents for k, s in shares.items()},
            participants,
            convenants,
        )
        return views.proposal_view(proposal, shares) | {"convenant_checks": checks}

    def send(self, actor: Actor, dossier_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Send the checked proposal to every creditor in the hub, applying acceptance in advance."""
        with self._engine.begin() as conn:
            batch = prepare(conn, actor, dossier_id, "proposal", items, now=self._clock())
            if not batch.items:
                return batch.results
            proposal, shares = self._shares(batch)
            require_all(batch, [pid for pid in shares if batch.participants[pid].creditor_id], "the proposal")
            automatic = []
            for item in batch.items:
                participant = batch.participants[item["participant_id"]]
                facts = _offer_facts(batch, proposal, shares[participant.id], participant)
                if facts["accepted_under_convenant"] is None:
                    convenant = batch.convenant_of(participant)
                    due = deadlines.start(
                        conn, participant, "proposal", item["message_id"], convenant=convenant, now=batch.now
                    )
                    facts["respond_by"] = due.due_at.isoformat()
                else:
                    automatic.append((participant, facts["accepted_under_convenant"]))
                batch.add(item, facts)
            repo.mark_proposal_sent(conn, proposal.id, batch.now)
            for participant, convenant_id in automatic:
                repo.update_participants(
                    conn,
                    [participant.id],
                    batch.now,
                    answer="accept",
                    answered_under=convenant_id,
                    answered_at=batch.now,
                    answer_recorded_by="convenant",
                )
            results = finish(batch)  # stores the proposals: evidence (and its lock) comes last
            common.store(conn, common.CONVENANT_ACTOR, _answers(batch, proposal, automatic), batch.now)
            return results

    @staticmethod
    def _shares(batch: Batch) -> tuple[Any, dict[str, Any]]:
        proposal = repo.current_proposal(batch.conn, batch.dossier.id)
        if proposal is None:
            raise Conflict("There is no checked proposal to send.", code="no_proposal")
        shares = repo.shares_of(batch.conn, proposal.id)
        strangers = [
            InvalidParam(f"messages.{i}.participant_id", "This creditor has no share in the proposal.")
            for i, item in enumerate(batch.items)
            if item["participant_id"] not in shares
        ]
        common.refuse(strangers, "Send the proposal only to creditors with a share in it.")
        return proposal, shares

    def agreed(self, actor: Actor, dossier_id: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Schuldregeling akkoord: every creditor with a share accepted; each in the hub is told."""
        with self._engine.begin() as conn:
            batch = prepare(conn, actor, dossier_id, "agreed", body["messages"], now=self._clock())
            if not batch.items and batch.dossier.state == states.AGREED:
                return batch.results
            proposal, shares = self._shares(batch)
            waiting = [pid for pid in shares if batch.participants[pid].answer != "accept"]
            if waiting:
                raise Conflict(
                    f"Not every creditor accepted; waiting for: {', '.join(waiting)}.", code="not_all_accepted"
                )
            require_all(batch, [pid for pid in shares if batch.participants[pid].creditor_id], "the agreement")
            first = body["first_payment_on"]
            for item in batch.items:
                share = shares[item["participant_id"]]
                batch.add(
                    item,
                    {
                        "proposal_id": proposal.id,
                        "kind": proposal.kind,
                        "term_months": proposal.term_months,
                        "share_cents": share.share_cents,
                        "first_payment_on": first.isoformat(),
                    },
                )
            messages_repo.close_deadlines(conn, list(batch.participants), batch.now)
            return finish(batch, states.AGREED, first_payment_on=first)


def _offer_facts(batch: Batch, proposal: Any, share: Any, participant: Any) -> dict[str, Any]:
    """What the hub may read of the proposal to one creditor, with the convenant that accepts it at once."""
    convenant = batch.convenant_of(participant)
    claim = math.Claim(participant.id, share.admitted_cents, share.preferential)
    in_advance = (
        convenant is not None
        and convenant.accepts_compliant_in_advance
        and rules.compliance(convenant, arithmetic.offer_of(proposal), claim, share.share_cents) is None
    )
    return {
        "proposal_id": proposal.id,
        "kind": proposal.kind,
        "term_months": proposal.term_months,
        "admitted_cents": share.admitted_cents,
        "share_cents": share.share_cents,
        "share_bp": math.share_bp(share.share_cents, share.admitted_cents),
        "accepted_under_convenant": convenant.id if in_advance and convenant is not None else None,
        "respond_by": None,
    }


def _answers(batch: Batch, proposal: Any, automatic: Sequence[tuple[Any, str]]) -> list[common.Message]:
    """ "Accepted under convenant X": each creditor's answer, written by the hub at once, to the counsellor."""
    return [
        common.Message(
            "proposal_answer",
            batch.dossier.id,
            participant.id,
            common.HUB_SENDER,
            batch.dossier.debt_help_id,
            {
                "answer": "accept",
                "reason": None,
                "proposal_id": proposal.id,
                "under_convenant": convenant_id,
                "creditor_id": participant.creditor_id,
            },
        )
        for participant, convenant_id in automatic
    ]

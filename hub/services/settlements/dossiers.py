"""The debt counsellor's dossier: list and read it, add its creditors (in the hub, or handled outside it),
record by hand what came in outside the hub, make the moves that need no message, and read the signals of
the case (only with a legal basis or consent: ``settlement_negotiation``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import case_views
from hub.db import directory as directory_repo
from hub.db import evidence as evidence_repo
from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.domain import convenants as rules
from hub.domain import settlement_messages as kinds
from hub.domain import settlement_states as states
from hub.domain.directory import CREDITOR_KINDS
from hub.domain.evidence import Actor
from hub.errors import Conflict, InvalidParam, NotFound
from hub.services.consent import ConsentService
from hub.services.settlements import common, views
from schemas.v1.settlement_payloads import KIND_CREDITOR_NOTE

_ADDABLE = frozenset({states.OPENED, states.INVENTORY})


class DossierService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime], consent: ConsentService) -> None:
        self._engine, self._clock, self._consent = engine, clock, consent

    def page(self, actor: Actor, *, state: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            rows = repo.page_dossiers(conn, actor.organisation_id, state=state, after=after, limit=limit)
        return [views.summary(r) for r in rows]

    def show(self, actor: Actor, dossier_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            return views.dossier_view(conn, common.own_dossier(conn, actor, dossier_id), self._clock())

    def case_signals(self, actor: Actor, dossier_id: str) -> list[dict[str, Any]]:
        """The signals of the dossier's case (creditor, sector, amount, dates): where the inventory starts."""
        with self._engine.connect() as conn:
            dossier = common.own_dossier(conn, actor, dossier_id)
        common.check_consent(self._consent, actor, "settlement_negotiation", dossier.case_id)
        with self._engine.connect() as conn:
            case = case_views.find(conn, dossier.case_id)
            members = case_views.members(conn, case.id) if case is not None else []
        fields = ("id", "creditor_id", "sector", "amount_cents", "arrears_since", "signal_date", "status")
        return [{name: getattr(m, name) for name in fields} for m in members]

    def add_creditor(self, actor: Actor, dossier_id: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Add a creditor in the hub (checked against the consent for ``settlement_negotiation``) or one handled
        outside the hub (its details sealed by the counsellor for itself). ``(dossier view, created)``."""
        participant_id, creditor_id = str(body["participant_id"]), body.get("creditor_id")
        with self._engine.connect() as conn:
            dossier = common.own_dossier(conn, actor, dossier_id)
            old = repo.get_participant(conn, participant_id)
            if old is not None:
                if old.dossier_id != dossier.id or old.creditor_id != creditor_id:
                    raise Conflict("This participant id is used for another creditor.", code="participant_id_reused")
                return views.dossier_view(conn, dossier, self._clock()), False
            kind = self._creditor_kind(conn, creditor_id) if creditor_id else None
        if creditor_id and kind:
            common.check_consent(
                self._consent, common.recipient(creditor_id, kind), "settlement_negotiation", dossier.case_id
            )
        now = self._clock()
        with self._engine.begin() as conn:
            dossier = common.own_dossier(conn, actor, dossier_id)
            if dossier.state not in _ADDABLE:
                raise Conflict(
                    f"Creditors are added while the dossier is opened or in inventory, not {dossier.state}.",
                    code="dossier_state",
                )
            if creditor_id and any(p.creditor_id == creditor_id for p in repo.participants(conn, dossier.id)):
                raise Conflict(f"{creditor_id} is already a creditor in this dossier.", code="creditor_in_dossier")
            with common.conflicts("This creditor was added at the same moment.", "creditor_in_dossier"):
                self._insert(conn, actor, dossier, participant_id, body, now=now)
            repo.touch_dossier(conn, dossier.id, now)
            evidence_repo.append(
                conn, actor, "settlement.add_creditor", object_type="participant", object_id=participant_id, at=now
            )
            return views.dossier_view(conn, common.dossier(conn, dossier.id), now), True

    @staticmethod
    def _creditor_kind(conn: sa.Connection, creditor_id: str) -> str:
        org = directory_repo.get_organisation(conn, creditor_id)
        if org is None or org.disabled or org.kind not in CREDITOR_KINDS:
            reason = "Name a registered, active creditor; add one outside the hub with a sealed note instead."
            common.refuse([InvalidParam("creditor_id", reason)], reason)
        assert org is not None
        return org.kind

    @staticmethod
    def _insert(
        conn: sa.Connection,
        actor: Actor,
        dossier: Any,
        participant_id: str,
        body: Mapping[str, Any],
        *,
        now: dt.datetime,
    ) -> None:
        creditor_id, note = body.get("creditor_id"), body.get("sealed_note")
        convenant = (
            rules.applicable(repo.shared_convenants(conn, creditor_id, dossier.debt_help_id)) if creditor_id else None
        )
        if note is not None:
            keys = common.encryption_keys(conn, [actor.organisation_id])
            problems = common.check_blob(keys, note, actor.organisation_id, now, "sealed_note")
            common.refuse(problems, f"Seal the note for yourself ({KIND_CREDITOR_NOTE}).")
            messages_repo.insert_blobs(conn, [common.blob_row("creditor_note", participant_id, note)])
        repo.insert_participant(
            conn,
            {
                "id": participant_id,
                "dossier_id": dossier.id,
                "creditor_id": creditor_id,
                "sector": body.get("sector"),
                "convenant_id": convenant.id if convenant else None,
                "contacted": False,
                "collection_paused": False,
                "claim_state": "none",
                "created_at": now,
                "updated_at": now,
            },
        )

    def record(self, actor: Actor, dossier_id: str, participant_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """What the counsellor learnt outside the hub: a claim (from any creditor: by letter, by phone, from the
        household's papers), or the answer of a creditor handled outside the hub. Marked as recorded by hand."""
        now = self._clock()
        with self._engine.begin() as conn:
            dossier = common.own_dossier(conn, actor, dossier_id)
            participant = next((p for p in repo.participants(conn, dossier.id) if p.id == participant_id), None)
            if participant is None:
                raise NotFound(f"No creditor {participant_id} in this dossier.", code="participant_unknown")
            claim, answer = body.get("claim"), body.get("answer")
            if claim is not None:
                self._record_claim(conn, dossier, participant, claim, now)
                dossier = common.dossier(conn, dossier.id)
            if answer is not None:
                self._record_answer(conn, dossier, participant, answer, now)
            repo.touch_dossier(conn, dossier.id, now)
            evidence_repo.append(
                conn, actor, "settlement.record_by_hand", object_type="participant", object_id=participant_id, at=now
            )
            return views.dossier_view(conn, common.dossier(conn, dossier.id), now)

    @staticmethod
    def _record_claim(
        conn: sa.Connection, dossier: Any, participant: Any, claim: Mapping[str, Any], now: dt.datetime
    ) -> None:
        common.sendable("claim_statement", dossier)
        # a creditor that refused to cooperate stays refused: its claim is known, its refusal still stands
        state = "refused" if participant.claim_state == "refused" else "stated"
        repo.update_participants(
            conn,
            [participant.id],
            now,
            claim_state=state,
            claim_recorded_by="debt_help",
            agreed_in_advance=None,
            **claim,
        )
        messages_repo.close_deadlines(conn, [participant.id], now, ("claim_request",))
        target = kinds.next_state("claim_statement", dossier.state)
        if target is not None:
            if dossier.state == states.PROPOSAL:  # a claim changed: the draft proposal is stale
                repo.supersede_proposals(conn, dossier.id, now)
            common.move(conn, dossier, target, now)

    @staticmethod
    def _record_answer(
        conn: sa.Connection, dossier: Any, participant: Any, answer: Mapping[str, Any], now: dt.datetime
    ) -> None:
        if participant.creditor_id is not None:
            raise Conflict("A creditor in the hub answers for itself.", code="creditor_in_hub")
        proposal = repo.current_proposal(conn, dossier.id)
        if (
            dossier.state != states.NEGOTIATION
            or proposal is None
            or participant.id not in repo.shares_of(conn, proposal.id)
        ):
            raise Conflict("Answers are recorded while the sent proposal is negotiated.", code="dossier_state")
        repo.update_participants(
            conn,
            [participant.id],
            now,
            answer=answer["answer"],
            answer_reason=answer.get("reason"),
            answered_at=now,
            answer_recorded_by="debt_help",
        )

    def transition(self, actor: Actor, dossier_id: str, target: str) -> dict[str, Any]:
        """The moves that carry no message to creditors: agreed -> running, and proposal -> inventory (the
        draft proposal is dropped). The others travel with their message (agreed, ended)."""
        now = self._clock()
        with self._engine.begin() as conn:
            dossier = common.own_dossier(conn, actor, dossier_id)
            if (dossier.state, target) not in states.PLAIN_MOVES:
                raise Conflict(
                    f"{dossier.state} -> {target} is not a move without a message; send the message instead.",
                    code="transition_refused",
                )
            if dossier.state == states.PROPOSAL:
                repo.supersede_proposals(conn, dossier.id, now)
            common.move(conn, dossier, target, now)
            evidence_repo.append(conn, actor, f"dossier.{target}", object_type="dossier", object_id=dossier.id, at=now)
            return views.dossier_view(conn, common.dossier(conn, dossier.id), now)

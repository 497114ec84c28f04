"""Debt-help to creditor: notices, claim requests, reconsiderations, the agreement, the end, and status.

Each message goes to one creditor of the dossier, sealed for it; the hub checks the seal's recipient and
key, applies the creditor's convenant (the pause instruction with the notice, its response deadline), moves
the dossier as the message table says, and stores message, evidence and outbox event in one transaction. A
batch is all-or-nothing; message ids sent before with the same body come back as ``duplicate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.domain import convenants as rules
from hub.domain import settlement_messages as kinds
from hub.domain import settlement_states as states
from hub.domain.evidence import Actor
from hub.errors import InvalidParam
from hub.services.settlements import common, deadlines
from schemas.v1.settlement import OutgoingSchema, StatusOutSchema

_WIRE = {"status": StatusOutSchema()}
_DEFAULT_WIRE = OutgoingSchema()


@dataclass
class Batch:
    """A batch being sent: the dossier, its participants and convenants, the fresh items, what to store."""

    conn: sa.Connection
    actor: Actor
    kind: str
    dossier: Any
    now: dt.datetime
    participants: dict[str, Any]
    convenants: dict[str, rules.Convenant]
    items: list[dict[str, Any]]
    results: list[dict[str, Any]]
    messages: list[common.Message] = field(default_factory=list)

    def convenant_of(self, participant: Any) -> rules.Convenant | None:
        return self.convenants.get(participant.convenant_id or "")

    def add(self, item: Mapping[str, Any], facts: Mapping[str, Any]) -> None:
        participant = self.participants[item["participant_id"]]
        self.messages.append(
            common.Message(
                self.kind,
                self.dossier.id,
                participant.id,
                self.actor.organisation_id,
                participant.creditor_id,
                facts,
                id=item["message_id"],
                blob=item["sealed"],
                digest=item["digest"],
            )
        )


def prepare(
    conn: sa.Connection,
    actor: Actor,
    dossier_id: str,
    kind: str,
    items: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime,
) -> Batch:
    """Check a batch of ``kind`` messages to creditors of the caller's dossier; the fresh ones in ``items``."""
    wire_schema = _WIRE.get(kind, _DEFAULT_WIRE)
    wires = [wire_schema.dump(item) for item in items]
    loaded = [
        {**item, **{k: w[k] for k in ("message_id", "participant_id")}, "digest": common.digest(kind, dossier_id, w)}
        for item, w in zip(items, wires, strict=True)
    ]
    dossier = common.own_dossier(conn, actor, dossier_id)
    new = common.fresh(conn, actor.organisation_id, [(i["message_id"], i["digest"]) for i in loaded], "messages.")
    results = [
        {
            "message_id": i["message_id"],
            "participant_id": i["participant_id"],
            "outcome": "created" if i["message_id"] in new else "duplicate",
        }
        for i in loaded
    ]
    todo = [i for i in loaded if i["message_id"] in new]
    participants = {p.id: p for p in repo.participants(conn, dossier.id)}
    batch = Batch(
        conn, actor, kind, dossier, now, participants, {c.id: c for c in repo.list_convenants(conn)}, todo, results
    )
    if todo or not items:
        common.sendable(kind, dossier)
        _check_items(batch, loaded)
    return batch


def _check_items(batch: Batch, loaded: list[dict[str, Any]]) -> None:
    keys = common.encryption_keys(batch.conn, [p.creditor_id for p in batch.participants.values() if p.creditor_id])
    problems: list[InvalidParam] = []
    seen: set[str] = set()
    for index, item in enumerate(loaded):
        at = f"messages.{index}."
        participant = batch.participants.get(item["participant_id"])
        if participant is None:
            problems.append(InvalidParam(at + "participant_id", "No such creditor in this dossier."))
        elif participant.creditor_id is None:
            problems.append(InvalidParam(at + "participant_id", "This creditor is handled outside the hub."))
        elif item["participant_id"] in seen:
            problems.append(InvalidParam(at + "participant_id", "One message per creditor in a batch."))
        else:
            problems += common.check_blob(keys, item["sealed"], participant.creditor_id, batch.now, at + "sealed")
        seen.add(item["participant_id"])
    common.refuse(problems, f"{len(problems)} invalid message(s); nothing was sent.")


def require_all(batch: Batch, who: Sequence[str], what: str) -> None:
    """Every participant in ``who`` must get a message in this batch."""
    covered = {i["participant_id"] for i in batch.items} | {
        r["participant_id"] for r in batch.results if r["outcome"] == "duplicate"
    }
    missing = [pid for pid in who if pid not in covered]
    if missing:
        reason = f"Send {what} to every creditor concerned; missing: {', '.join(missing)}."
        common.refuse([InvalidParam("messages", reason)], reason, code="creditors_missing")


def finish(batch: Batch, target: str | None = None, **values: Any) -> list[dict[str, Any]]:
    """Store the messages and move the dossier (to ``target``, or as the message table says)."""
    if target is None and batch.messages:
        target = kinds.next_state(batch.kind, batch.dossier.state)
    if target is not None:
        common.move(batch.conn, batch.dossier, target, batch.now, **values)
    else:
        repo.touch_dossier(batch.conn, batch.dossier.id, batch.now)
    ids = [m.participant_id for m in batch.messages]
    repo.update_participants(batch.conn, ids, batch.now, contacted=True)
    common.store(batch.conn, batch.actor, batch.messages, batch.now)
    return batch.results


class OutgoingService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    def notices(self, actor: Actor, dossier_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Kennisgeving: a debt-help case started. Under a convenant with a pause button, the creditor is told
        to pause collection (and the dossier shows collection paused)."""
        with self._engine.begin() as conn:
            batch = prepare(conn, actor, dossier_id, "notice", items, now=self._clock())
            paused = []
            for item in batch.items:
                convenant = batch.convenant_of(batch.participants[item["participant_id"]])
                pause = rules.pauses_collection(convenant)
                batch.add(item, {"pause_collection": pause, "convenant_id": convenant.id if convenant else None})
                paused += [item["participant_id"]] if pause else []
            repo.update_participants(conn, paused, batch.now, collection_paused=True)
            return finish(batch)

    def claim_requests(self, actor: Actor, dossier_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Saldoverzoek: each starts a deadline (the creditor's convenant's, or the default)."""
        with self._engine.begin() as conn:
            batch = prepare(conn, actor, dossier_id, "claim_request", items, now=self._clock())
            for item in batch.items:
                participant = batch.participants[item["participant_id"]]
                due = deadlines.start(
                    conn,
                    participant,
                    "claim_request",
                    item["message_id"],
                    convenant=batch.convenant_of(participant),
                    now=batch.now,
                )
                batch.add(item, {"respond_by": due.due_at.isoformat()})
            return finish(batch)

    def reconsiderations(
        self, actor: Actor, dossier_id: str, items: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Heroverweging: asks a creditor that rejected the proposal to reconsider; its answer is open again."""
        with self._engine.begin() as conn:
            batch = prepare(conn, actor, dossier_id, "reconsideration", items, now=self._clock())
            proposal = repo.current_proposal(conn, batch.dossier.id)
            for index, item in enumerate(batch.items):
                participant = batch.participants[item["participant_id"]]
                if participant.answer != "reject":
                    reason = "Only a creditor that rejected the proposal is asked to reconsider."
                    common.refuse([InvalidParam(f"messages.{index}.participant_id", reason)], reason)
                due = deadlines.start(
                    conn,
                    participant,
                    "reconsideration",
                    item["message_id"],
                    convenant=batch.convenant_of(participant),
                    now=batch.now,
                )
                batch.add(
                    item, {"proposal_id": proposal.id if proposal else None, "respond_by": due.due_at.isoformat()}
                )
            ids = [i["participant_id"] for i in batch.items]
            repo.update_participants(
                conn, ids, batch.now, answer=None, answer_reason=None, answered_at=None, answer_recorded_by=None
            )
            return finish(batch)

    def statuses(self, actor: Actor, dossier_id: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        with self._engine.begin() as conn:
            batch = prepare(conn, actor, dossier_id, "status", items, now=self._clock())
            for item in batch.items:
                batch.add(item, {"status": item["status"]})
            return finish(batch)

    def ended(self, actor: Actor, dossier_id: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Schuldregeling beëindigd: every creditor that heard of the dossier is told how it ended."""
        with self._engine.begin() as conn:
            batch = prepare(conn, actor, dossier_id, "ended", body["messages"], now=self._clock())
            target = states.OUTCOMES[body["outcome"]]
            if not batch.items and batch.dossier.state == target:
                return batch.results  # a retry of the same end
            contacted = [p.id for p in batch.participants.values() if p.creditor_id and p.contacted]
            require_all(batch, contacted, "the end of the settlement")
            for item in batch.items:
                batch.add(item, {"outcome": body["outcome"], "reason": body["reason"]})
            messages_repo.close_deadlines(conn, list(batch.participants), batch.now)
            return finish(batch, target)

"""What every settlement use case shares: sealed-blob checks, idempotent message ids, storing a message
with its evidence and outbox event in the caller's transaction, the consent gate, and dossier moves."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hub import crypto
from hub.db import directory as directory_repo
from hub.db import evidence as evidence_repo
from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.db.signals import add_events
from hub.domain import settlement_messages as kinds
from hub.domain import settlement_states as states
from hub.domain.directory import OrganisationKey
from hub.domain.evidence import Actor
from hub.errors import Conflict, InvalidParam, NotFound, ValidationFailed
from hub.services.consent import ConsentService

HUB_SENDER = "hub"
#: Who acts when the hub writes a message itself: applying a convenant, or chasing a deadline.
CONVENANT_ACTOR = Actor(organisation_id="hub:convenant", kind="hub_admin")
SCHEDULER_ACTOR = Actor(organisation_id="hub:scheduler", kind="hub_admin")


@dataclass(frozen=True)
class Message:
    """A settlement message to store: hub-visible ``facts``, and the blob sealed for the recipient."""

    kind: str
    dossier_id: str
    participant_id: str
    sender_id: str
    recipient_id: str
    facts: Mapping[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    blob: Mapping[str, Any] | None = None
    digest: bytes | None = None


@contextmanager
def conflicts(detail: str, code: str) -> Iterator[None]:
    """A unique constraint hit by a concurrent request is a 409, not a 500 (the transaction rolls back)."""
    try:
        yield
    except sa.exc.IntegrityError as exc:
        raise Conflict(detail, code=code) from exc


def check_consent(consent: ConsentService, recipient: Actor, purpose: str, case_id: str) -> None:
    """The one gate before a case's data reaches an organisation: 403 ``no_legal_basis`` on deny.

    It logs the decision in a transaction of its own, so call it before opening a write transaction.
    """
    consent.check(recipient, purpose, case_id)


def recipient(organisation_id: str, kind: str) -> Actor:
    """The organisation that would receive data, as the consent policy names it."""
    return Actor(organisation_id=organisation_id, kind=kind)


def digest(kind: str, context: str, wire: Mapping[str, Any]) -> bytes:
    """What makes a resubmission identical: the kind, its context (dossier or participant) and the body."""
    return crypto.digest(json.dumps([kind, context, wire], sort_keys=True, separators=(",", ":")).encode())


def fresh(conn: sa.Connection, sender_id: str, items: Sequence[tuple[str, bytes]], prefix: str) -> set[str]:
    """The message ids not seen before. An id seen with another body or sender is a 409 for the request."""
    existing = messages_repo.find(conn, [message_id for message_id, _ in items])
    for index, (message_id, body_digest) in enumerate(items):
        old = existing.get(message_id)
        if old is not None and (
            old.sender_id != sender_id or old.body_digest is None or not crypto.equal(old.body_digest, body_digest)
        ):
            raise Conflict(
                f"Message id {message_id} was already used for a different message ({prefix}{index}).",
                code="message_id_reused",
            )
    return {message_id for message_id, _ in items if message_id not in existing}


def encryption_keys(conn: sa.Connection, org_ids: Sequence[str]) -> dict[str, OrganisationKey]:
    return {k.key_id: k for k in directory_repo.keys_of(conn, sorted(set(org_ids)), use="encryption")}


def check_blob(
    keys: Mapping[str, OrganisationKey], blob: Mapping[str, Any], expected: str, now: dt.datetime, name: str
) -> list[InvalidParam]:
    """Problems with a sealed blob that must be sealed for ``expected`` under a currently valid key."""
    if blob["recipient"] != expected:
        return [InvalidParam(f"{name}.recipient", f"It must be sealed for {expected}.")]
    key = keys.get(blob["key_id"])
    if key is None or key.organisation_id != expected:
        return [InvalidParam(f"{name}.key_id", f"Not an encryption key of {expected}; refresh the directory.")]
    if key.state_at(now) != "valid":
        return [InvalidParam(f"{name}.key_id", f"The key is {key.state_at(now)}; refresh the directory, seal again.")]
    if key.suite != blob["suite"]:
        return [InvalidParam(f"{name}.suite", f"The key is a {key.suite} key.")]
    return []


def blob_row(object_type: str, object_id: str, blob: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "object_type": object_type,
        "object_id": object_id,
        "recipient_id": blob["recipient"],
        "key_id": blob["key_id"],
        "suite": blob["suite"],
        "ciphertext": blob["ciphertext"],
    }


def blob_view(row: Any | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"recipient": row.recipient_id, "key_id": row.key_id, "suite": row.suite, "ciphertext": row.ciphertext}


def store(conn: sa.Connection, actor: Actor, items: Sequence[Message], now: dt.datetime) -> None:
    """Messages, their sealed parts, an outbox event for each recipient and the evidence, in one go."""
    if not items:
        return
    with conflicts("A message id of this request was used at the same moment.", "message_id_reused"):
        _insert_messages(conn, items, now)
    messages_repo.insert_blobs(conn, [blob_row("message", m.id, m.blob) for m in items if m.blob is not None])
    add_events(
        conn,
        [
            {
                "recipient_id": m.recipient_id,
                "event_type": f"settlement.{m.kind}",
                "object_type": "settlement_message",
                "object_id": m.id,
                "created_at": now,
            }
            for m in items
        ],
    )
    for kind in dict.fromkeys(m.kind for m in items):
        ids = [m.id for m in items if m.kind == kind]
        evidence_repo.append_many(
            conn, actor, f"settlement.{kind}", object_type="settlement_message", object_ids=ids, at=now
        )


def _insert_messages(conn: sa.Connection, items: Sequence[Message], now: dt.datetime) -> None:
    messages_repo.insert(
        conn,
        [
            {
                "id": m.id,
                "dossier_id": m.dossier_id,
                "participant_id": m.participant_id,
                "kind": m.kind,
                "sender_id": m.sender_id,
                "recipient_id": m.recipient_id,
                "facts": dict(m.facts),
                "body_digest": m.digest,
                "created_at": now,
            }
            for m in items
        ],
    )


def own_dossier(conn: sa.Connection, actor: Actor, dossier_id: str) -> sa.Row[Any]:
    """The caller's dossier; another organisation's is indistinguishable from a missing one."""
    row = repo.get_dossier(conn, dossier_id)
    if row is None or row.debt_help_id != actor.organisation_id:
        raise NotFound(f"No dossier {dossier_id} of yours.", code="dossier_unknown")
    return row


def dossier(conn: sa.Connection, dossier_id: str) -> sa.Row[Any]:
    """A dossier known to exist (read again inside the transaction that found it)."""
    row = repo.get_dossier(conn, dossier_id)
    if row is None:
        raise NotFound(f"No dossier {dossier_id}.", code="dossier_unknown")
    return row


def sendable(kind: str, dossier: Any) -> None:
    """409 ``dossier_state`` when a ``kind`` message does not fit the dossier's state."""
    try:
        kinds.check_sendable(kind, dossier.state)
    except kinds.MessageRefused as exc:
        raise Conflict(exc.reason, code=exc.code) from exc


def move(conn: sa.Connection, dossier: Any, target: str, now: dt.datetime, **values: Any) -> None:
    """Move the dossier (checked against the state table); 409 when it is not allowed or raced."""
    if target == dossier.state:
        return
    try:
        states.check(dossier.state, target)
    except states.TransitionRefused as exc:
        raise Conflict(str(exc), code="transition_refused") from exc
    if not repo.move_dossier(conn, dossier.id, dossier.state, target, now, **values):
        raise Conflict("The dossier changed meanwhile; read it again.", code="dossier_changed")


def refuse(problems: list[InvalidParam], detail: str, code: str | None = None) -> None:
    if problems:
        raise ValidationFailed(detail, invalid_params=problems, code=code)

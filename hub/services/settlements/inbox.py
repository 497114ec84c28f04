"""Pull listing of settlement messages: each organisation reads the messages sent to it, with the part
sealed for it, and acknowledges each once stored; the hub then deletes the sealed part (data leaves once
delivered). The webhook notification (``settlement.<kind>``) only says that a message is waiting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from hub.db import evidence as evidence_repo
from hub.db import settlement_messages as repo
from hub.domain.evidence import Actor
from hub.errors import NotFound
from hub.services.settlements.views import message_view


class InboxService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    def page(self, actor: Actor, *, after: int, limit: int, unacknowledged: bool) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            rows = repo.page(conn, actor.organisation_id, after=after, limit=limit, unacknowledged=unacknowledged)
            blobs = repo.blobs(conn, "message", [r.id for r in rows])
        return [message_view(r, blobs.get(r.id)) for r in rows]

    def one(self, actor: Actor, message_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            row = repo.find(conn, [message_id]).get(message_id)
            if row is None or row.recipient_id != actor.organisation_id:
                raise NotFound(f"No message {message_id} to you.", code="message_unknown")
            blob = repo.blobs(conn, "message", [message_id]).get(message_id)
        return message_view(row, blob)

    def acknowledge(self, actor: Actor, message_id: str) -> dict[str, Any]:
        """The recipient stored the message: delete the sealed part. Idempotent."""
        now = self._clock()
        with self._engine.begin() as conn:
            row = repo.find(conn, [message_id]).get(message_id)
            if row is None or row.recipient_id != actor.organisation_id:
                raise NotFound(f"No message {message_id} to you.", code="message_unknown")
            if row.acknowledged_at is None:
                repo.acknowledge(conn, message_id, now)
                repo.delete_blob(conn, "message", message_id)
                evidence_repo.append(
                    conn,
                    actor,
                    "settlement.acknowledge",
                    object_type="settlement_message",
                    object_id=message_id,
                    at=now,
                )
        return self.one(actor, message_id)

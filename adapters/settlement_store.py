"""The local store of the settlement exchange, at the partner's side: what came in, opened, and what goes out.

A SQLite file in the organisation's data directory, created with mode 0600 (it holds opened personal data:
the identity in a notice, a creditor's reference, free-text notes). Two tables every party uses:

- ``messages``: each message the hub delivered to us, with its hub-visible facts and the payload opened
  with our private key (``payload``: JSON, or NULL for a message without a sealed part, e.g. a reminder).
  A message is stored here *before* it is acknowledged at the hub (which then deletes its sealed copy).
- ``outbox``: each message we send, committed with its exact body (sealed blobs and facts only, never
  plaintext) *before* it is posted. A send that was interrupted resumes by posting the same bodies again;
  the hub answers ``duplicate`` for those it stored, so nothing goes twice.

``adapters.dossiers.DossierStore`` adds the debt-help organisation's dossiers and creditors to this.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, dossier_id TEXT NOT NULL,
    participant_id TEXT NOT NULL, sender_id TEXT NOT NULL, facts TEXT NOT NULL, payload TEXT,
    created_at TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_participant ON messages (participant_id, seq);
CREATE TABLE IF NOT EXISTS outbox (
    message_id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, kind TEXT NOT NULL, dossier_id TEXT NOT NULL,
    participant_id TEXT NOT NULL, body TEXT NOT NULL, planned_at TEXT NOT NULL, sent_at TEXT, outcome TEXT);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (endpoint, sent_at);
"""
_FILE_MODE = 0o600


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ReceivedMessage:
    """A message the hub delivered to us. ``payload`` is the opened sealed part (None when it had none)."""

    id: str
    seq: int
    kind: str
    dossier_id: str
    participant_id: str
    sender_id: str
    facts: dict[str, Any]
    payload: dict[str, Any] | None
    created_at: str
    received_at: str


@dataclass(frozen=True)
class Outgoing:
    """A message we send: the endpoint (path at the hub) and the exact body item to post."""

    message_id: str
    endpoint: str
    kind: str
    dossier_id: str
    participant_id: str
    body: dict[str, Any]
    sent_at: str | None = None
    outcome: str | None = None


class SettlementStore:
    """The store file; every method is one transaction. ``readonly`` opens an existing file without writing."""

    schema = _SCHEMA

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path, self.readonly = path, readonly
        if readonly:
            if not path.exists():
                raise FileNotFoundError(f"no settlement store at {path}")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # create it private before SQLite writes a byte into it
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, _FILE_MODE))
        path.chmod(_FILE_MODE)
        with self.connect() as conn:
            conn.executescript(self.schema)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        target = f"file:{self.path}?mode=ro" if self.readonly else str(self.path)
        with closing(sqlite3.connect(target, timeout=30, uri=self.readonly)) as conn, conn:
            conn.execute("PRAGMA foreign_keys = ON")
            yield conn

    # --- what came in -------------------------------------------------------------------------------

    def record_received(self, view: Mapping[str, Any], payload: Mapping[str, Any] | None) -> None:
        """Store a message the hub listed (``MessageOut``) with its opened payload; a repeat is ignored."""
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO messages (id, seq, kind, dossier_id, participant_id, sender_id, facts, payload, "
                "created_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (
                    view["id"],
                    view["seq"],
                    view["kind"],
                    view["dossier_id"],
                    view["participant_id"],
                    view["sender_id"],
                    json.dumps(view.get("facts") or {}),
                    None if payload is None else json.dumps(payload),
                    view["created_at"],
                    now(),
                ),
            )

    def received(
        self, *, dossier_id: str | None = None, participant_id: str | None = None, kind: str | None = None
    ) -> list[ReceivedMessage]:
        """Messages received, oldest first, optionally of one dossier, one participant or one kind."""
        where, args = [], []
        for column, value in (("dossier_id", dossier_id), ("participant_id", participant_id), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.select(
            "SELECT id, seq, kind, dossier_id, participant_id, sender_id, facts, payload, created_at, "  # noqa: S608 - fixed columns
            f"received_at FROM messages{clause} ORDER BY seq",
            args,
        )
        return [
            ReceivedMessage(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), _json_or_none(r[7]), r[8], r[9])
            for r in rows
        ]

    def has_received(self, message_id: str) -> bool:
        with self.connect() as conn:
            return conn.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone() is not None

    # --- what goes out ------------------------------------------------------------------------------

    def plan(self, items: Iterable[Outgoing]) -> None:
        """Commit messages before they are posted."""
        with self.connect() as conn:
            conn.executemany(
                "INSERT INTO outbox (message_id, endpoint, kind, dossier_id, participant_id, body, planned_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (o.message_id, o.endpoint, o.kind, o.dossier_id, o.participant_id, json.dumps(o.body), now())
                    for o in items
                ],
            )

    def pending(self, endpoint: str) -> list[Outgoing]:
        """Messages to ``endpoint`` committed but not confirmed by the hub, in the order they were planned."""
        return self._outgoing("endpoint = ? AND sent_at IS NULL", (endpoint,))

    def outgoing(self, message_id: str) -> Outgoing | None:
        """One message we committed (sent or not), or None."""
        found = self._outgoing("message_id = ?", (message_id,))
        return found[0] if found else None

    def sent(self, dossier_id: str) -> list[Outgoing]:
        """Every message of the dossier the hub confirmed, in the order they were planned."""
        return self._outgoing("dossier_id = ? AND sent_at IS NOT NULL", (dossier_id,))

    def confirm(self, outcomes: Iterable[tuple[str, str]]) -> None:
        """The hub stored these messages (message id, ``created`` or ``duplicate``)."""
        with self.connect() as conn:
            conn.executemany(
                "UPDATE outbox SET sent_at = ?, outcome = ? WHERE message_id = ?",
                [(now(), outcome, message_id) for message_id, outcome in outcomes],
            )

    def drop(self, message_ids: Iterable[str]) -> None:
        """The hub refused these messages: forget them (nothing was stored there)."""
        with self.connect() as conn:
            conn.executemany("DELETE FROM outbox WHERE message_id = ? AND sent_at IS NULL", [(m,) for m in message_ids])

    def select(self, sql: str, args: Sequence[Any]) -> list[Any]:
        """The rows of one query, in its own transaction."""
        with self.connect() as conn:
            return conn.execute(sql, args).fetchall()

    def _outgoing(self, condition: str, args: tuple[Any, ...]) -> list[Outgoing]:
        rows = self.select(
            "SELECT message_id, endpoint, kind, dossier_id, participant_id, body, sent_at, outcome "  # noqa: S608 - fixed conditions
            f"FROM outbox WHERE {condition} ORDER BY planned_at, rowid",
            args,
        )
        return [Outgoing(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]


def _json_or_none(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))

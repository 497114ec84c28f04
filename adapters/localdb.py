"""The SQLite file of the municipality's local store (``adapters.localstore``): created with mode 0600, its
tables, and the small bookkeeping every part needs: the inbox cursor, webhook ids seen, settings learnt
from the hub. Every method is one transaction."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Final

_MODE: Final = 0o600
WEBHOOK_IDS_KEPT: Final = dt.timedelta(days=14)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    case_id TEXT PRIMARY KEY, version INTEGER NOT NULL, change_seq INTEGER NOT NULL, state TEXT NOT NULL,
    signal_count INTEGER NOT NULL, amount_cents INTEGER NOT NULL, sectors TEXT NOT NULL, crisis_date TEXT,
    warm_handover INTEGER NOT NULL, result TEXT, result_on TEXT, updated_at TEXT NOT NULL,
    pulled_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_versions (
    case_id TEXT NOT NULL, version INTEGER NOT NULL, report TEXT NOT NULL, pulled_at TEXT NOT NULL,
    PRIMARY KEY (case_id, version));
CREATE TABLE IF NOT EXISTS identities (
    signal_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, sector TEXT NOT NULL, creditor_id TEXT NOT NULL,
    identity TEXT NOT NULL, opened_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS identities_by_case ON identities (case_id);
CREATE TABLE IF NOT EXISTS outcomes (
    id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('contact', 'result')),
    body TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'rejected')), detail TEXT);
CREATE TABLE IF NOT EXISTS webhooks (webhook_id TEXT PRIMARY KEY, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS referrals (
    referral_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, debt_help_id TEXT NOT NULL, purpose TEXT NOT NULL,
    state TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT);
"""


class StoreError(Exception):
    """The store cannot do what was asked (unknown report, invalid outcome); the message says why."""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class StoreFile:
    """The store file at ``path`` (created, mode 0600, when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, _MODE))
        path.chmod(_MODE)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # readers (the portal) never block the writer
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn, conn:
            conn.row_factory = sqlite3.Row
            yield conn

    # -- the inbox cursor and webhook deduplication ------------------------------------------------------

    def cursor(self) -> int:
        """The last ``change_seq`` whose report version is stored: pass it as ``after`` to the inbox."""
        with self._connect() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return int(row["value"]) if row else 0

    def advance_cursor(self, change_seq: int) -> None:
        """Move the cursor forward to ``change_seq`` (never back)."""
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = "
                "CAST(MAX(CAST(meta.value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
                (str(change_seq),),
            )

    def first_delivery(self, webhook_id: str) -> bool:
        """Record a webhook delivery; ``False`` when ``webhook_id`` was seen before (a redelivery).

        Ids are kept ``WEBHOOK_IDS_KEPT``: far longer than the hub retries one notification (a day)."""
        forget_before = (dt.datetime.now(dt.UTC) - WEBHOOK_IDS_KEPT).isoformat(timespec="seconds")
        with self._connect() as conn:
            conn.execute("DELETE FROM webhooks WHERE received_at < ?", (forget_before,))
            inserted = conn.execute(
                "INSERT INTO webhooks (webhook_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (webhook_id, now()),
            )
        return inserted.rowcount == 1

    def knows(self, case_id: str) -> bool:
        """Whether report ``case_id`` was ever pulled into this store."""
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM reports WHERE case_id = ?", (case_id,)).fetchone() is not None

    # -- settings learnt from the hub --------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        """A value remembered with ``remember`` (e.g. ``municipality_code``, ``organisation_name``)."""
        with self._connect() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"setting:{key}",)).fetchone()
        return None if row is None else str(row["value"])

    def remember(self, key: str, value: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (f"setting:{key}", value),
            )

"""The local state of pushes: which rows of which export were planned, sent and confirmed.

A SQLite file (``data/state.sqlite3``; stdlib ``sqlite3``, so a crash mid-write leaves the last committed
state). Before a batch is posted, its envelopes are committed here as ``planned``; when the hub answers,
they become ``sent`` and the envelope is dropped. A push that was interrupted therefore resumes by
re-posting exactly the planned envelopes (same signal ids, same bytes), which the hub answers with
``duplicate`` when it had stored them, and never sends a row twice. Envelopes hold only what the hub
sees (sealed blobs, tokens, facts); no plaintext personal data is stored here.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    digest TEXT PRIMARY KEY, name TEXT NOT NULL, layout TEXT NOT NULL, rows INTEGER NOT NULL,
    rejected INTEGER NOT NULL DEFAULT 0, started_at TEXT NOT NULL, completed_at TEXT);
CREATE TABLE IF NOT EXISTS signals (
    signal_id TEXT PRIMARY KEY, file_digest TEXT NOT NULL REFERENCES files(digest), line INTEGER NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('planned', 'sent', 'rejected')), outcome TEXT, envelope TEXT,
    updated_at TEXT NOT NULL, hub_state TEXT, hub_state_reason TEXT);
CREATE INDEX IF NOT EXISTS signals_by_file ON signals (file_digest, phase);
"""


@dataclass(frozen=True)
class Planned:
    """A signal committed before sending: its row's line and the exact envelope to post."""

    signal_id: str
    line: int
    envelope: dict[str, Any]


@dataclass(frozen=True)
class FileSummary:
    digest: str
    name: str
    rows: int
    rejected: int
    sent: int
    planned: int
    started_at: str
    completed_at: str | None
    hub_states: dict[str, int]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class PushState:
    """The state file; every method is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn, conn:
            conn.execute("PRAGMA foreign_keys = ON")
            yield conn

    def begin_file(self, digest: str, name: str, layout: str, rows: int, rejected: int) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO files (digest, name, layout, rows, rejected, started_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (digest) DO UPDATE SET name = excluded.name, rejected = excluded.rejected",
                (digest, name, layout, rows, rejected, _now()),
            )

    def complete_file(self, digest: str, rejected: int) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE files SET completed_at = ?, rejected = ? WHERE digest = ?", (_now(), rejected, digest))

    def planned(self, digest: str) -> list[Planned]:
        """Signals of the file committed but not confirmed: to be posted again, as they are."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT signal_id, line, envelope FROM signals WHERE file_digest = ? AND phase = 'planned' "
                "ORDER BY line",
                (digest,),
            ).fetchall()
        return [Planned(signal_id, line, json.loads(envelope)) for signal_id, line, envelope in rows]

    def done_lines(self, digest: str) -> set[int]:
        """Lines of the file whose signal the hub confirmed, or that are planned already."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT line FROM signals WHERE file_digest = ? AND phase IN ('sent', 'planned')", (digest,)
            ).fetchall()
        return {line for (line,) in rows}

    def plan(self, digest: str, items: Iterable[Planned]) -> None:
        """Commit envelopes before they are posted (replacing an earlier plan of the same signal)."""
        with self._connect() as conn:
            conn.executemany(
                "INSERT INTO signals (signal_id, file_digest, line, phase, envelope, updated_at) "
                "VALUES (?, ?, ?, 'planned', ?, ?) ON CONFLICT (signal_id) DO UPDATE SET "
                "phase = 'planned', envelope = excluded.envelope, updated_at = excluded.updated_at",
                [(p.signal_id, digest, p.line, json.dumps(p.envelope), _now()) for p in items],
            )

    def confirm(self, outcomes: Iterable[tuple[str, str]]) -> None:
        """The hub stored these signals (``created``, ``duplicate`` or ``already_stored``)."""
        with self._connect() as conn:
            conn.executemany(
                "UPDATE signals SET phase = 'sent', outcome = ?, envelope = NULL, updated_at = ? WHERE signal_id = ?",
                [(outcome, _now(), signal_id) for signal_id, outcome in outcomes],
            )

    def reject(self, signal_ids: Iterable[str]) -> None:
        """The hub refused these signals; they are not sent again unless the file is pushed again."""
        with self._connect() as conn:
            conn.executemany(
                "UPDATE signals SET phase = 'rejected', envelope = NULL, updated_at = ? WHERE signal_id = ?",
                [(_now(), signal_id) for signal_id in signal_ids],
            )

    def record_hub_states(self, states: Iterable[tuple[str, str, str | None]]) -> int:
        """Store the hub's state of our signals (id, state, reason); returns how many are ours."""
        with self._connect() as conn:
            cursor = conn.executemany(
                "UPDATE signals SET hub_state = ?, hub_state_reason = ? WHERE signal_id = ?",
                [(state, reason, signal_id) for signal_id, state, reason in states],
            )
            return cursor.rowcount

    def summaries(self) -> list[FileSummary]:
        """Every file pushed from here, oldest first, with counts by phase and by the hub's state."""
        with self._connect() as conn:
            files = conn.execute(
                "SELECT digest, name, rows, rejected, started_at, completed_at FROM files ORDER BY started_at, name"
            ).fetchall()
            counts = conn.execute(
                "SELECT file_digest, phase, hub_state, hub_state_reason, count(*) FROM signals "
                "GROUP BY file_digest, phase, hub_state, hub_state_reason"
            ).fetchall()
        return [_summary(row, [c for c in counts if c[0] == row[0]]) for row in files]


def _summary(file: tuple[Any, ...], counts: list[tuple[Any, ...]]) -> FileSummary:
    by_phase: dict[str, int] = {}
    states: dict[str, int] = {}
    for _, phase, state, reason, count in counts:
        by_phase[phase] = by_phase.get(phase, 0) + count
        if phase == "sent":
            label = "unknown" if state is None else f"{state} ({reason})" if reason else state
            states[label] = states.get(label, 0) + count
    digest, name, rows, rejected, started, completed = file
    return FileSummary(
        digest=digest,
        name=name,
        rows=rows,
        rejected=rejected,
        sent=by_phase.get("sent", 0),
        planned=by_phase.get("planned", 0),
        started_at=started,
        completed_at=completed,
        hub_states=states,
    )

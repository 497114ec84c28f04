"""The one way a report changes: its version rises and its municipality hears of it, in the caller's
transaction. Called when signals join or leave cases (submission, split, merge)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from hub.db import reports as repo
from hub.db import signals as signals_repo


def record_changes(conn: sa.Connection, signal_ids: Collection[str], reason: str, now: dt.datetime) -> None:
    """Raise the version of the reports of the cases now holding ``signal_ids`` (creating new reports),
    mark reports of cases merged into them, and tell each municipality, in the caller's transaction."""
    found, merged_cases = repo.cases_of_signals(conn, signal_ids)
    touched = {case_id: municipality_id for case_id, (municipality_id, _) in found.items()}
    events = []
    for merged in merged_cases:
        if merged.merged_into not in touched:  # merged after the first read (each read has its own snapshot)
            continue
        version, _ = repo.bump(conn, merged.id, touched[merged.merged_into], "merged", now, state="merged")
        events.append(_event(touched[merged.merged_into], merged.id, version, now))
    signals_repo.add_events(conn, events)
    repo.bump_many(
        conn,
        sorted(touched.items()),
        reason,
        now,
        current={case_id: version for case_id, (_, version) in found.items() if version is not None},
        event=lambda case_id, municipality_id, version: _event(municipality_id, case_id, version, now),
    )


def _event(municipality_id: str, case_id: str, version: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "recipient_id": municipality_id,
        "event_type": "report.updated",
        "object_type": "report",
        "object_id": case_id,
        "object_version": version,
        "created_at": now,
    }

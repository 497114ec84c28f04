"""The one way a report changes: its version rises and its municipality hears of it, in the caller's
transaction. Called when signals join or leave cases (submission, split, merge): ``record_changes`` reads
which cases hold the signals; ``record_linked`` takes it from the matcher that just put them there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from hub.db import reports as repo
from hub.db import signals as signals_repo


def record_changes(conn: sa.Connection, signal_ids: Collection[str], reason: str, now: dt.datetime) -> None:
    """Raise the version of the reports of the cases now holding ``signal_ids`` (creating new reports),
    mark reports of cases merged into them, and tell each municipality, in the caller's transaction."""
    found, merged_cases = repo.cases_of_signals(conn, signal_ids)
    touched = {case_id: municipality_id for case_id, (municipality_id, _) in found.items()}
    _record(
        conn,
        reason,
        touched,
        current={case_id: version for case_id, (_, version) in found.items() if version is not None},
        # a case merged after the first read is left out (each read has its own snapshot)
        merged=[(merged.id, merged.merged_into) for merged in merged_cases if merged.merged_into in touched],
        now=now,
    )


def record_linked(
    conn: sa.Connection,
    changes: Sequence[tuple[str, Collection[str]]],
    absorbed: Mapping[str, str],
    now: dt.datetime,
) -> None:
    """``record_changes`` for each (reason, ids of the cases now holding its signals) of ``changes`` in
    turn, for a batch the matcher has just linked: it knows those cases, and the cases it merged away
    (``absorbed``: case id -> the case holding their signals now), so one read by primary key replaces the
    two of ``cases_of_signals``. A case merged away before this batch already has a report that says so."""
    known = repo.of_cases(conn, {case_id for _, holding in changes for case_id in holding} | set(absorbed))
    versions = {case_id: version for case_id, (_, version, _) in known.items() if version is not None}
    to_mark = {case_id for case_id in absorbed if case_id in versions and known[case_id][2] != "merged"}
    for reason, holding in changes:
        touched = {case_id: known[case_id][0] for case_id in holding}
        merged = sorted((case_id, absorbed[case_id]) for case_id in to_mark if absorbed[case_id] in touched)
        to_mark -= {case_id for case_id, _ in merged}
        current = {case_id: versions[case_id] for case_id in touched if case_id in versions}
        versions |= _record(conn, reason, touched, current=current, merged=merged, now=now)


def _record(
    conn: sa.Connection,
    reason: str,
    touched: Mapping[str, str],
    *,
    current: Mapping[str, int],
    merged: Sequence[tuple[str, str]],
    now: dt.datetime,
) -> dict[str, int]:
    """Mark the reports of ``merged`` (case id, the case of ``touched`` it lives on in) merged, then raise
    those of ``touched`` (case id -> municipality id; ``current`` their versions); returns the new ones."""
    events = []
    for case_id, into in merged:
        version, _ = repo.bump(conn, case_id, touched[into], "merged", now, state="merged")
        events.append(_event(touched[into], case_id, version, now))
    signals_repo.add_events(conn, events)
    return repo.bump_many(
        conn,
        sorted(touched.items()),
        reason,
        now,
        current=current,
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

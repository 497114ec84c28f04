"""Repository for reports: one per household case, versioned, with the municipality's contact attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa

from hub.db import bulk
from hub.db.tables import case_signals, cases, outbox, report_changes, report_contacts, reports


def get(conn: sa.Connection, case_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(reports).where(reports.c.case_id == case_id)).first()


def bump(
    conn: sa.Connection, case_id: str, municipality_id: str, reason: str, now: dt.datetime, *, state: str | None = None
) -> tuple[int, int]:
    """Create the case's report at version 1 or raise its version by one; returns (version, change seq)."""
    current = get(conn, case_id)
    version = 1 if current is None else current.version + 1
    seq = int(
        conn.execute(
            report_changes.insert()
            .values(case_id=case_id, version=version, reason=reason, changed_at=now)
            .returning(report_changes.c.seq)
        ).scalar_one()
    )
    if current is None:
        conn.execute(
            reports.insert().values(
                case_id=case_id,
                municipality_id=municipality_id,
                version=version,
                change_seq=seq,
                state=state or "new",
                acknowledged_version=0,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        values: dict[str, Any] = {
            "version": version,
            "change_seq": seq,
            "updated_at": now,
            "municipality_id": municipality_id,
        }
        if state is not None:
            values["state"] = state
        conn.execute(reports.update().where(reports.c.case_id == case_id).values(**values))
    return version, seq


def bump_many(
    conn: sa.Connection,
    changed: Sequence[tuple[str, str]],
    reason: str,
    now: dt.datetime,
    *,
    current: Mapping[str, int],
    event: Callable[[str, str, int], dict[str, Any]],
) -> dict[str, int]:
    """``bump`` for each of ``changed`` (case id, municipality id; each case once), in that order, with
    ``current`` the versions of those that have a report; writes ``event(case id, municipality id, version)``
    to the outbox for each, with the reports. Returns case id -> its new version."""
    if not changed:
        return {}
    ids = [case_id for case_id, _ in changed]
    versions = {case_id: current.get(case_id, 0) + 1 for case_id in ids}
    changes = [{"case_id": c, "version": versions[c], "reason": reason, "changed_at": now} for c in ids]
    if conn.dialect.name == "postgresql":  # numbers first, then the rows by COPY with the reports and events
        numbers = _next_change_seqs(conn, len(changes))
        changes = [{**change, "seq": seq} for change, seq in zip(changes, numbers, strict=True)]
        written = [(report_changes, changes)]
    else:
        inserted = conn.execute(
            report_changes.insert().returning(report_changes.c.seq, sort_by_parameter_order=True), changes
        )
        numbers, written = list(inserted.scalars().all()), []
    seqs = dict(zip(ids, numbers, strict=True))
    new = [
        {
            "case_id": case_id,
            "municipality_id": municipality_id,
            "version": 1,
            "change_seq": seqs[case_id],
            "state": "new",
            "acknowledged_version": 0,
            "created_at": now,
            "updated_at": now,
        }
        for case_id, municipality_id in changed
        if case_id not in current
    ]
    events = [event(case_id, municipality_id, versions[case_id]) for case_id, municipality_id in changed]
    bulk.insert_groups(conn, [*written, (reports, new), (outbox, events)])
    raised = [
        {"b_case_id": case_id, "version": versions[case_id], "change_seq": seqs[case_id], "municipality_id": m}
        for case_id, m in changed
        if case_id in current
    ]
    if raised:
        conn.execute(
            reports.update().where(reports.c.case_id == sa.bindparam("b_case_id")).values(updated_at=now), raised
        )
    return versions


#: ``n`` numbers of the change sequence, in the order they were drawn (PostgreSQL): one round trip, where an
#: ``INSERT ... RETURNING`` that must answer in the order of its rows cost 31 ms for 1,000 (a COPY 12 ms).
_NEXT_CHANGE_SEQS = sa.text(
    "SELECT nextval(pg_get_serial_sequence('report_changes', 'seq')) AS seq FROM generate_series(1, :n) ORDER BY 1"
)


def _next_change_seqs(conn: sa.Connection, n: int) -> list[int]:
    return [int(seq) for seq in conn.execute(_NEXT_CHANGE_SEQS, {"n": n}).scalars()]


def update(conn: sa.Connection, case_id: str, **values: Any) -> None:
    conn.execute(reports.update().where(reports.c.case_id == case_id).values(**values))


def page(
    conn: sa.Connection, municipality_id: str, *, after: int, limit: int, unacknowledged: bool = False
) -> list[sa.Row[Any]]:
    query = (
        sa.select(reports)
        .where(reports.c.municipality_id == municipality_id, reports.c.change_seq > after)
        .order_by(reports.c.change_seq)
        .limit(limit)
    )
    if unacknowledged:
        query = query.where(reports.c.acknowledged_version < reports.c.version)
    return cast(list[sa.Row[Any]], conn.execute(query).all())


#: The cases now holding the signals ``:ids``: id, municipality_id, and the version of their report (None
#: for a case without one yet).
_HOLDING = (
    sa.select(cases.c.id, cases.c.municipality_id, reports.c.version)
    .join(case_signals, case_signals.c.case_id == cases.c.id)
    .outerjoin(reports, reports.c.case_id == cases.c.id)
    .where(case_signals.c.signal_id.in_(sa.bindparam("ids", expanding=True)))
    .distinct()
)
#: Cases merged into those cases whose report does not say so yet: id, merged_into.
_MERGED_INTO_HOLDING = (
    sa.select(cases.c.id, cases.c.merged_into)
    .join(reports, reports.c.case_id == cases.c.id)
    .where(
        cases.c.merged_into.in_(
            sa.select(case_signals.c.case_id).where(case_signals.c.signal_id.in_(sa.bindparam("ids", expanding=True)))
        ),
        reports.c.state != "merged",
    )
)


def cases_of_signals(
    conn: sa.Connection, signal_ids: Collection[str]
) -> tuple[dict[str, tuple[str, int | None]], list[Any]]:
    """The cases now holding ``signal_ids`` (case id -> (municipality id, its report's version or None)),
    and the cases merged into them whose report does not say so yet (rows of ``id``, ``merged_into``).
    One round trip on PostgreSQL, but two reads: the callers hold the evidence chain's lock, which every
    writer of case membership and merges takes too, so nothing commits between them."""
    if not signal_ids:
        return {}, []
    ids = {"ids": list(signal_ids)}
    holding, merged = bulk.read_many(conn, [(_HOLDING, ids), (_MERGED_INTO_HOLDING, ids)])
    return {row.id: (row.municipality_id, row.version) for row in holding}, merged


#: The cases ``:ids`` with their municipality and their report's version and state (None for a case without one).
_CASES_AND_REPORTS = (
    sa.select(cases.c.id, cases.c.municipality_id, reports.c.version, reports.c.state)
    .outerjoin(reports, reports.c.case_id == cases.c.id)
    .where(cases.c.id.in_(sa.bindparam("ids", expanding=True)))
)


def of_cases(conn: sa.Connection, case_ids: Collection[str]) -> dict[str, tuple[str, int | None, str | None]]:
    """Case id -> (its municipality id, its report's version and state, or None and None without one), by
    primary key: for callers that already know which cases changed."""
    if not case_ids:
        return {}
    rows = conn.execute(_CASES_AND_REPORTS, {"ids": sorted(case_ids)})
    return {row.id: (row.municipality_id, row.version, row.state) for row in rows}


def add_contact(conn: sa.Connection, values: dict[str, Any]) -> None:
    conn.execute(report_contacts.insert().values(**values))


def contacts(conn: sa.Connection, case_id: str) -> list[sa.Row[Any]]:
    query = (
        sa.select(report_contacts)
        .where(report_contacts.c.case_id == case_id)
        .order_by(report_contacts.c.contacted_on, report_contacts.c.id)
    )
    return cast(list[sa.Row[Any]], conn.execute(query).all())

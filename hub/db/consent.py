"""Repository for consent records, their lifecycle events and the decisions taken on them.

Append-only: nothing here updates or deletes a row (and the migration's triggers refuse an UPDATE).
The caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from consent.records import ConsentEvent, ConsentRecord
from hub.db.tables import consent_decisions, consent_events, consent_recipients, consent_records


def insert_record(conn: sa.Connection, row: dict[str, Any], recipients: Sequence[str]) -> None:
    conn.execute(consent_records.insert(), row)
    conn.execute(
        consent_recipients.insert(),
        [{"consent_id": row["id"], "organisation_id": org, "position": i} for i, org in enumerate(recipients)],
    )


def add_event(conn: sa.Connection, consent_id: str, event: ConsentEvent) -> None:
    conn.execute(
        consent_events.insert(),
        {
            "consent_id": consent_id,
            "event": event.event,
            "occurred_at": event.occurred_at,
            "recorded_at": event.recorded_at,
            "recorded_by": event.recorded_by,
            "method": event.method,
            "expires_at": event.expires_at,
        },
    )


def lock(conn: sa.Connection, consent_id: str) -> ConsentRecord | None:
    """The record, locked against a concurrent renewal or withdrawal until the transaction ends
    (``FOR UPDATE`` on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)."""
    query = sa.select(consent_records.c.id).where(consent_records.c.id == consent_id).with_for_update()
    if conn.execute(query).first() is None:
        return None
    return get(conn, consent_id)


def get(conn: sa.Connection, consent_id: str) -> ConsentRecord | None:
    found = _load(conn, consent_records.c.id == consent_id)
    return found[0] if found else None


def for_case(conn: sa.Connection, case_id: str, *, purpose: str | None = None) -> list[ConsentRecord]:
    """Every record of the case (for ``purpose`` only, when given), oldest first."""
    condition = consent_records.c.case_id == case_id
    if purpose is not None:
        condition = sa.and_(condition, consent_records.c.purpose == purpose)
    return _load(conn, condition)


def _load(conn: sa.Connection, condition: sa.ColumnElement[bool]) -> list[ConsentRecord]:
    rows = conn.execute(
        sa.select(consent_records).where(condition).order_by(consent_records.c.recorded_at, consent_records.c.id)
    ).all()
    ids = [r.id for r in rows]
    if not ids:
        return []
    recipients: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute(
        sa.select(consent_recipients)
        .where(consent_recipients.c.consent_id.in_(ids))
        .order_by(consent_recipients.c.consent_id, consent_recipients.c.position)
    ):
        recipients[r.consent_id].append(r.organisation_id)
    events: dict[str, list[ConsentEvent]] = defaultdict(list)
    for e in conn.execute(
        sa.select(consent_events).where(consent_events.c.consent_id.in_(ids)).order_by(consent_events.c.id)
    ):
        events[e.consent_id].append(
            ConsentEvent(e.event, e.occurred_at, e.recorded_at, e.recorded_by, e.method, e.expires_at)
        )
    return [
        ConsentRecord(
            id=r.id,
            case_id=r.case_id,
            purpose=r.purpose,
            recorder_id=r.recorder_id,
            recipients=tuple(recipients[r.id]),
            method=r.method,
            given_at=r.given_at,
            expires_at=r.expires_at,
            recorded_at=r.recorded_at,
            events=tuple(events[r.id]),
        )
        for r in rows
    ]


def insert_decision(conn: sa.Connection, row: dict[str, Any]) -> int:
    result = conn.execute(consent_decisions.insert().returning(consent_decisions.c.id), row)
    return int(result.scalar_one())


def decisions(
    conn: sa.Connection, case_id: str, organisation_id: str, purposes: Sequence[str], *, after: int, limit: int
) -> list[sa.Row[Any]]:
    """Decisions on the case about ``organisation_id``, or on any of ``purposes`` (those it recorded
    consent for), in order."""
    about = consent_decisions.c.organisation_id == organisation_id
    if purposes:
        about = sa.or_(about, consent_decisions.c.purpose.in_(list(purposes)))
    query = (
        sa.select(consent_decisions)
        .where(consent_decisions.c.case_id == case_id, consent_decisions.c.id > after, about)
        .order_by(consent_decisions.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).all())

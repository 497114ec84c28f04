"""Repository for settlement messages, the sealed blobs of the settlement exchange, and the deadlines the
scheduler chases. The caller owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from hub.db.tables import settlement_blobs, settlement_deadlines, settlement_messages

# --- messages -------------------------------------------------------------------------------------


def find(conn: sa.Connection, message_ids: Collection[str]) -> dict[str, sa.Row[Any]]:
    if not message_ids:
        return {}
    query = sa.select(settlement_messages).where(settlement_messages.c.id.in_(list(message_ids)))
    return {row.id: row for row in conn.execute(query)}


def insert(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(settlement_messages.insert(), list(rows))


def page(conn: sa.Connection, recipient_id: str, *, after: int, limit: int, unacknowledged: bool) -> list[sa.Row[Any]]:
    query = sa.select(settlement_messages).where(
        settlement_messages.c.recipient_id == recipient_id, settlement_messages.c.seq > after
    )
    if unacknowledged:
        query = query.where(settlement_messages.c.acknowledged_at.is_(None))
    return list(conn.execute(query.order_by(settlement_messages.c.seq).limit(limit)))


def acknowledge(conn: sa.Connection, message_id: str, at: dt.datetime) -> None:
    conn.execute(
        settlement_messages.update()
        .where(settlement_messages.c.id == message_id, settlement_messages.c.acknowledged_at.is_(None))
        .values(acknowledged_at=at)
    )


# --- sealed blobs ---------------------------------------------------------------------------------


def insert_blobs(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(settlement_blobs.insert(), list(rows))


def blobs(conn: sa.Connection, object_type: str, object_ids: Collection[str]) -> dict[str, sa.Row[Any]]:
    if not object_ids:
        return {}
    query = sa.select(settlement_blobs).where(
        settlement_blobs.c.object_type == object_type, settlement_blobs.c.object_id.in_(list(object_ids))
    )
    return {row.object_id: row for row in conn.execute(query)}


def delete_blob(conn: sa.Connection, object_type: str, object_id: str) -> None:
    conn.execute(
        settlement_blobs.delete().where(
            settlement_blobs.c.object_type == object_type, settlement_blobs.c.object_id == object_id
        )
    )


# --- deadlines ------------------------------------------------------------------------------------


def open_deadline(conn: sa.Connection, row: dict[str, Any]) -> None:
    conn.execute(settlement_deadlines.insert().values(**row))


def close_deadlines(
    conn: sa.Connection, participant_ids: Collection[str], at: dt.datetime, requests: Collection[str] | None = None
) -> None:
    """Close the open deadlines of these participants (of ``requests`` only, when given)."""
    if not participant_ids:
        return
    query = settlement_deadlines.update().where(
        settlement_deadlines.c.participant_id.in_(list(participant_ids)), settlement_deadlines.c.closed_at.is_(None)
    )
    if requests is not None:
        query = query.where(settlement_deadlines.c.request.in_(list(requests)))
    conn.execute(query.values(closed_at=at))


def open_deadlines_of(conn: sa.Connection, participant_ids: Collection[str]) -> dict[str, sa.Row[Any]]:
    """The latest open deadline of each participant."""
    if not participant_ids:
        return {}
    query = (
        sa.select(settlement_deadlines)
        .where(
            settlement_deadlines.c.participant_id.in_(list(participant_ids)),
            settlement_deadlines.c.closed_at.is_(None),
        )
        .order_by(settlement_deadlines.c.id)
    )
    return {row.participant_id: row for row in conn.execute(query)}


def due_reminders(conn: sa.Connection, now: dt.datetime, limit: int) -> list[sa.Row[Any]]:
    """Open deadlines whose reminder is due (and not yet sent) while the deadline itself has not passed."""
    d = settlement_deadlines.c
    query = sa.select(settlement_deadlines).where(
        d.closed_at.is_(None), d.reminder_sent_at.is_(None), d.remind_at <= now, d.due_at > now
    )
    return list(conn.execute(query.order_by(d.id).limit(limit)))


def due_escalations(conn: sa.Connection, now: dt.datetime, limit: int) -> list[sa.Row[Any]]:
    d = settlement_deadlines.c
    query = sa.select(settlement_deadlines).where(d.closed_at.is_(None), d.escalated_at.is_(None), d.due_at <= now)
    return list(conn.execute(query.order_by(d.id).limit(limit)))


def claim_reminder(conn: sa.Connection, deadline_id: int, now: dt.datetime) -> bool:
    """Mark the reminder sent, if nobody did: the conditional UPDATE is what makes it happen once."""
    d = settlement_deadlines.c
    result = conn.execute(
        settlement_deadlines.update()
        .where(d.id == deadline_id, d.reminder_sent_at.is_(None), d.closed_at.is_(None))
        .values(reminder_sent_at=now)
    )
    return bool(result.rowcount)


def claim_escalation(conn: sa.Connection, deadline_id: int, now: dt.datetime) -> bool:
    d = settlement_deadlines.c
    result = conn.execute(
        settlement_deadlines.update()
        .where(d.id == deadline_id, d.escalated_at.is_(None), d.closed_at.is_(None))
        .values(escalated_at=now)
    )
    return bool(result.rowcount)

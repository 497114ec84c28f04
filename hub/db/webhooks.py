"""Repository for webhook endpoints, their deliveries, and the outbox they are fed from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa

from hub.db.tables import outbox, webhook_deliveries, webhook_endpoints


def insert_endpoint(conn: sa.Connection, values: dict[str, Any]) -> None:
    conn.execute(webhook_endpoints.insert().values(**values))


def endpoint(conn: sa.Connection, endpoint_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)).first()


def endpoints(conn: sa.Connection, organisation_id: str | None = None) -> list[sa.Row[Any]]:
    query = sa.select(webhook_endpoints).order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)
    if organisation_id is not None:
        query = query.where(webhook_endpoints.c.organisation_id == organisation_id)
    return list(conn.execute(query).all())


def update_endpoint(conn: sa.Connection, endpoint_id: str, **values: Any) -> None:
    conn.execute(webhook_endpoints.update().where(webhook_endpoints.c.id == endpoint_id).values(**values))


def delete_endpoint(conn: sa.Connection, endpoint_id: str) -> None:
    conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.endpoint_id == endpoint_id))
    conn.execute(webhook_endpoints.delete().where(webhook_endpoints.c.id == endpoint_id))


def undispatched(conn: sa.Connection, limit: int) -> list[sa.Row[Any]]:
    """Outbox events not yet fanned out, oldest first; on PostgreSQL locked so that two dispatchers
    never take the same rows."""
    query = sa.select(outbox).where(outbox.c.delivered_at.is_(None)).order_by(outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(conn.execute(query).all())


def mark_dispatched(conn: sa.Connection, outbox_ids: list[int], at: dt.datetime) -> None:
    conn.execute(outbox.update().where(outbox.c.id.in_(outbox_ids)).values(delivered_at=at))


def insert_deliveries(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(webhook_deliveries.insert(), rows)


def due(conn: sa.Connection, now: dt.datetime, limit: int) -> list[sa.Row[Any]]:
    """Pending deliveries whose time has come, with their event and endpoint."""
    query = (
        sa.select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.attempts,
            webhook_deliveries.c.created_at,
            webhook_deliveries.c.endpoint_id,
            outbox.c.id.label("outbox_id"),
            outbox.c.event_type,
            outbox.c.object_type,
            outbox.c.object_id,
            outbox.c.object_version,
            outbox.c.created_at.label("event_at"),
            webhook_endpoints.c.url,
            webhook_endpoints.c.secret_version,
            webhook_endpoints.c.organisation_id,
        )
        .join(outbox, outbox.c.id == webhook_deliveries.c.outbox_id)
        .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
        .where(
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.next_attempt_at <= now,
            webhook_endpoints.c.active.is_(True),
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit)
    )
    return cast(list[sa.Row[Any]], conn.execute(query).all())


def update_delivery(conn: sa.Connection, delivery_id: int, **values: Any) -> None:
    conn.execute(webhook_deliveries.update().where(webhook_deliveries.c.id == delivery_id).values(**values))


def mark_delivered(conn: sa.Connection, answered: Sequence[tuple[int, int, int]], at: dt.datetime) -> None:
    """Deliveries the receiver accepted: (delivery id, attempts so far, HTTP status) each, one statement."""
    conn.execute(
        webhook_deliveries.update()
        .where(webhook_deliveries.c.id == sa.bindparam("b_id"))
        .values(
            status="delivered",
            attempts=sa.bindparam("b_attempts"),
            last_status=sa.bindparam("b_status"),
            last_error=None,
            delivered_at=at,
        ),
        [{"b_id": i, "b_attempts": attempts, "b_status": status} for i, attempts, status in answered],
    )


def drop_pending(conn: sa.Connection, endpoint_id: str) -> None:
    conn.execute(
        webhook_deliveries.update()
        .where(webhook_deliveries.c.endpoint_id == endpoint_id, webhook_deliveries.c.status == "pending")
        .values(status="dropped")
    )


def counts(conn: sa.Connection, endpoint_id: str) -> dict[str, int]:
    rows = conn.execute(
        sa.select(webhook_deliveries.c.status, sa.func.count())
        .where(webhook_deliveries.c.endpoint_id == endpoint_id)
        .group_by(webhook_deliveries.c.status)
    ).all()
    return {str(status): int(n) for status, n in rows}


def events_for(conn: sa.Connection, organisation_id: str, after: int, limit: int) -> list[sa.Row[Any]]:
    query = (
        sa.select(outbox)
        .where(outbox.c.recipient_id == organisation_id, outbox.c.id > after)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return cast(list[sa.Row[Any]], conn.execute(query).all())


def pending_depth(conn: sa.Connection, now: dt.datetime) -> tuple[int, float | None]:
    """How many deliveries are pending and how old (seconds) the oldest is."""
    count, oldest = conn.execute(
        sa.select(sa.func.count(), sa.func.min(webhook_deliveries.c.created_at)).where(
            webhook_deliveries.c.status == "pending"
        )
    ).one()
    if oldest is not None and getattr(oldest, "tzinfo", None) is None and isinstance(oldest, dt.datetime):
        oldest = oldest.replace(tzinfo=dt.UTC)
    return int(count), (now - oldest).total_seconds() if oldest is not None else None

"""Repository for signals, their sealed blobs and their tokens. The caller owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from hub.db import bulk, directory
from hub.db.tables import outbox, signal_blobs, signal_tokens, signals

#: What a resubmission is judged by, for the signals ``:ids``.
_SEEN = sa.select(signals.c.id, signals.c.creditor_id, signals.c.body_digest, signals.c.state).where(
    signals.c.id.in_(sa.bindparam("ids", expanding=True))
)


def seen(conn: sa.Connection, signal_ids: Sequence[str]) -> tuple[dict[str, Any], int]:
    """The signals among ``signal_ids`` stored before, by id (rows of ``id``, ``creditor_id``,
    ``body_digest``, ``state``), and the directory's generation as this transaction sees it: one round
    trip on PostgreSQL."""
    found, generation = bulk.read_many(conn, [(_SEEN, {"ids": list(signal_ids)}), (directory.GENERATION, {})])
    return {row.id: row for row in found}, directory.generation_of(generation)


def find(conn: sa.Connection, signal_ids: Sequence[str]) -> dict[str, sa.Row[Any]]:
    """Existing signals among ``signal_ids``, by id."""
    if not signal_ids:
        return {}
    rows = conn.execute(sa.select(signals).where(signals.c.id.in_(list(signal_ids)))).all()
    return {row.id: row for row in rows}


def get(conn: sa.Connection, signal_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(signals).where(signals.c.id == signal_id)).first()


def insert(
    conn: sa.Connection,
    rows: list[dict[str, Any]],
    blobs: list[dict[str, Any]],
    tokens: list[dict[str, Any]],
    events: list[dict[str, Any]],
    *,
    then: Sequence[tuple[sa.Table, list[dict[str, Any]]]] = (),
) -> None:
    """Insert signals with their blobs, tokens and outbox events, and after them the rows ``then`` (the
    signals' evidence entries), as :func:`hub.db.bulk.insert_groups` does (a batch: one COPY or executemany
    per table; a single signal: one pipeline on PostgreSQL)."""
    groups = [(signals, rows), (signal_blobs, blobs), (signal_tokens, tokens), (outbox, events), *then]
    bulk.insert_groups(conn, groups)


def page(
    conn: sa.Connection,
    *,
    creditor_id: str | None = None,
    municipality_id: str | None = None,
    state: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> list[sa.Row[Any]]:
    query = sa.select(signals).where(signals.c.seq > after).order_by(signals.c.seq).limit(limit)
    if creditor_id is not None:
        query = query.where(signals.c.creditor_id == creditor_id)
    if municipality_id is not None:
        query = query.where(signals.c.municipality_id == municipality_id)
    if state is not None:
        query = query.where(signals.c.state == state)
    return list(conn.execute(query).all())


def blobs_of(conn: sa.Connection, signal_ids: Sequence[str]) -> dict[tuple[str, str], sa.Row[Any]]:
    if not signal_ids:
        return {}
    rows = conn.execute(sa.select(signal_blobs).where(signal_blobs.c.signal_id.in_(list(signal_ids)))).all()
    return {(row.signal_id, row.part): row for row in rows}


def delete_blob(conn: sa.Connection, signal_id: str, part: str) -> int:
    result = conn.execute(
        signal_blobs.delete().where(signal_blobs.c.signal_id == signal_id, signal_blobs.c.part == part)
    )
    return int(result.rowcount)


def set_state(conn: sa.Connection, signal_id: str, state: str, reason: str | None, at: dt.datetime) -> None:
    conn.execute(
        signals.update().where(signals.c.id == signal_id).values(state=state, state_reason=reason, updated_at=at)
    )


def add_events(conn: sa.Connection, events: list[dict[str, Any]]) -> None:
    """Outbox events, in the caller's transaction, for the organisations that must hear of a change."""
    bulk.insert_many(conn, outbox, events)

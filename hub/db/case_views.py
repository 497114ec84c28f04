"""Read side of household cases: what a municipality sees of one case, and its list of cases."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from hub.db.tables import case_signals, cases, signal_links, signal_persons, signals


def find(conn: sa.Connection, case_id: str) -> sa.Row[Any] | None:
    """The live case ``case_id`` names: itself, or the case it was merged into (merges keep one hop)."""
    row = conn.execute(sa.select(cases).where(cases.c.id == case_id)).first()
    if row is not None and row.merged_into is not None:
        row = conn.execute(sa.select(cases).where(cases.c.id == row.merged_into)).first()
    return row


def case_of_signal(conn: sa.Connection, signal_id: str) -> str | None:
    query = sa.select(case_signals.c.case_id).where(case_signals.c.signal_id == signal_id)
    found: str | None = conn.execute(query).scalar_one_or_none()
    return found


def member_ids(conn: sa.Connection, case_id: str) -> list[str]:
    query = sa.select(case_signals.c.signal_id).where(case_signals.c.case_id == case_id)
    return list(conn.execute(query).scalars())


def members(conn: sa.Connection, case_id: str) -> list[sa.Row[Any]]:
    """The case's signals with their facts: crisis first (soonest first), then newest signal first."""
    query = (
        sa.select(signals, case_signals.c.repeat_of, case_signals.c.joined_at)
        .join(case_signals, case_signals.c.signal_id == signals.c.id)
        .where(case_signals.c.case_id == case_id)
        .order_by(
            signals.c.crisis_date.is_(None),
            signals.c.crisis_date,
            signals.c.signal_date.desc(),
            signals.c.seq.desc(),
        )
    )
    return list(conn.execute(query).all())


def persons(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    query = (
        sa.select(signal_persons)
        .where(signal_persons.c.signal_id.in_(list(signal_ids)))
        .order_by(signal_persons.c.person_id, signal_persons.c.signal_id, signal_persons.c.debtor)
    )
    return list(conn.execute(query).all())


def links(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    query = sa.select(signal_links).where(signal_links.c.signal_id.in_(list(signal_ids))).order_by(signal_links.c.id)
    return list(conn.execute(query).all())


def merged_from(conn: sa.Connection, case_id: str) -> list[sa.Row[Any]]:
    query: sa.Select[Any] = sa.select(cases.c.id, cases.c.merged_by, cases.c.updated_at)
    return list(conn.execute(query.where(cases.c.merged_into == case_id).order_by(cases.c.seq)).all())


def page(conn: sa.Connection, municipality_id: str, *, after: int, limit: int) -> list[sa.Row[Any]]:
    """Live cases of a municipality in order of opening."""
    query = (
        sa.select(cases)
        .where(cases.c.municipality_id == municipality_id, cases.c.state == "open", cases.c.seq > after)
        .order_by(cases.c.seq)
        .limit(limit)
    )
    return list(conn.execute(query).all())


def summaries(conn: sa.Connection, case_ids: Collection[str]) -> dict[str, sa.Row[Any]]:
    """Per case: its signal count, the nearest crisis date and the latest signal date."""
    if not case_ids:
        return {}
    query = (
        sa.select(
            case_signals.c.case_id,
            sa.func.count().label("signal_count"),
            sa.func.min(signals.c.crisis_date).label("crisis_date"),
            sa.func.max(case_signals.c.signal_date).label("last_signal_date"),
        )
        .join(signals, signals.c.id == case_signals.c.signal_id)
        .where(case_signals.c.case_id.in_(list(case_ids)))
        .group_by(case_signals.c.case_id)
    )
    return {row.case_id: row for row in conn.execute(query)}

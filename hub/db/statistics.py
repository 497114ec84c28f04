"""Aggregates for a municipality's statistics: counts only, never identifiers."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa

from hub.db.tables import case_signals, report_contacts, reports, signals


def period_rows(conn: sa.Connection, municipality_id: str, first: dt.date, last: dt.date) -> list[sa.Row[Any]]:
    """(case id, creditor, sector, amount, crisis?) of every signal routed to the municipality in the period."""
    query = (
        sa.select(
            case_signals.c.case_id,
            signals.c.creditor_id,
            signals.c.sector,
            signals.c.amount_cents,
            signals.c.crisis_kind,
        )
        .join(case_signals, case_signals.c.signal_id == signals.c.id)
        .where(
            signals.c.municipality_id == municipality_id,
            signals.c.signal_date >= first,
            signals.c.signal_date <= last,
            signals.c.status == "active",
        )
    )
    return cast(list[sa.Row[Any]], conn.execute(query).all())


def reached_cases(conn: sa.Connection, case_ids: list[str]) -> set[str]:
    if not case_ids:
        return set()
    query = (
        sa.select(report_contacts.c.case_id)
        .where(report_contacts.c.case_id.in_(case_ids), report_contacts.c.reached.is_(True))
        .distinct()
    )
    return set(conn.execute(query).scalars())


def results(conn: sa.Connection, case_ids: list[str]) -> dict[str, str]:
    if not case_ids:
        return {}
    query = sa.select(reports.c.case_id, reports.c.result).where(
        reports.c.case_id.in_(case_ids), reports.c.result.is_not(None)
    )
    return {row.case_id: row.result for row in conn.execute(query)}

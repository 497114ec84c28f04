"""Deleting what the hub no longer may keep. Counts come back; nothing purged is listed anywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any, cast

import sqlalchemy as sa

from hub.db import tables as t


def expired_cases(
    conn: sa.Connection, municipality_id: str, before: dt.date, help_results: Collection[str]
) -> list[str]:
    """Open cases whose newest signal is older than ``before``, with no help accepted: no result meaning help,
    no referral and no settlement dossier."""
    newest = (
        sa.select(t.case_signals.c.case_id, sa.func.max(t.case_signals.c.signal_date).label("newest"))
        .group_by(t.case_signals.c.case_id)
        .subquery()
    )
    query = (
        sa.select(t.cases.c.id)
        .join(newest, newest.c.case_id == t.cases.c.id)
        .outerjoin(t.reports, t.reports.c.case_id == t.cases.c.id)
        .where(
            t.cases.c.municipality_id == municipality_id,
            t.cases.c.state == "open",
            newest.c.newest < before,
            sa.or_(t.reports.c.result.is_(None), t.reports.c.result.not_in(list(help_results))),
            ~sa.exists().where(t.referrals.c.case_id == t.cases.c.id),
            ~sa.exists().where(t.dossiers.c.case_id == t.cases.c.id),
        )
    )
    return list(conn.execute(query).scalars())


def purge_cases(conn: sa.Connection, case_ids: list[str]) -> dict[str, int]:
    """Delete the cases (and those merged into them), their reports, signals, tokens, blobs and links."""
    if not case_ids:
        return {"cases": 0, "signals": 0, "tokens": 0}
    absorbed = list(conn.execute(sa.select(t.cases.c.id).where(t.cases.c.merged_into.in_(case_ids))).scalars())
    every_case = case_ids + absorbed
    signal_ids = list(
        conn.execute(sa.select(t.case_signals.c.signal_id).where(t.case_signals.c.case_id.in_(every_case))).scalars()
    )
    tokens = _delete_signals(conn, signal_ids)
    for table in (t.report_contacts, t.reports):
        conn.execute(table.delete().where(table.c.case_id.in_(every_case)))
    conn.execute(t.report_changes.delete().where(t.report_changes.c.case_id.in_(every_case)))
    conn.execute(t.cases.delete().where(t.cases.c.id.in_(absorbed)))
    conn.execute(t.cases.delete().where(t.cases.c.id.in_(case_ids)))
    return {"cases": len(every_case), "signals": len(signal_ids), "tokens": tokens}


def _delete_signals(conn: sa.Connection, ids: list[str]) -> int:
    if not ids:
        return 0
    conn.execute(t.signals.update().where(t.signals.c.supersedes.in_(ids)).values(supersedes=None))
    conn.execute(t.case_signals.update().where(t.case_signals.c.repeat_of.in_(ids)).values(repeat_of=None))
    conn.execute(
        t.signal_links.delete().where(
            sa.or_(t.signal_links.c.signal_id.in_(ids), t.signal_links.c.target_signal_id.in_(ids))
        )
    )
    conn.execute(
        t.link_blocks.delete().where(
            sa.or_(t.link_blocks.c.signal_id.in_(ids), t.link_blocks.c.other_signal_id.in_(ids))
        )
    )
    for table in (t.signal_persons, t.case_signals, t.signal_blobs):
        conn.execute(table.delete().where(table.c.signal_id.in_(ids)))
    tokens = conn.execute(t.signal_tokens.delete().where(t.signal_tokens.c.signal_id.in_(ids))).rowcount
    conn.execute(t.signals.delete().where(t.signals.c.id.in_(ids)))
    return int(tokens)


def old_identities(conn: sa.Connection, received_before: dt.datetime) -> list[sa.Row[Any]]:
    """Sealed identities never acknowledged, of signals received before the moment, with their case."""
    query = (
        sa.select(t.signal_blobs.c.signal_id, t.case_signals.c.case_id, t.signals.c.municipality_id)
        .join(t.signals, t.signals.c.id == t.signal_blobs.c.signal_id)
        .outerjoin(t.case_signals, t.case_signals.c.signal_id == t.signal_blobs.c.signal_id)
        .where(t.signal_blobs.c.part == "identity", t.signals.c.received_at < received_before)
    )
    return cast(list[sa.Row[Any]], conn.execute(query).all())


def delete_identities(conn: sa.Connection, signal_ids: list[str]) -> int:
    if not signal_ids:
        return 0
    result = conn.execute(
        t.signal_blobs.delete().where(t.signal_blobs.c.signal_id.in_(signal_ids), t.signal_blobs.c.part == "identity")
    )
    return int(result.rowcount)


def record_run(conn: sa.Connection, at: dt.datetime, counts: dict[str, int]) -> None:
    conn.execute(t.retention_runs.insert().values(ran_at=at, **counts))

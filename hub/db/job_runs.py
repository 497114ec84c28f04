"""Counts of what the scheduler did: job runs by outcome, rows purged by kind. Only the process holding the
scheduler lock writes them; ``/metrics`` in every web process reads them (``hub.metrics.StoreCollector``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from hub.db.tables import job_runs, purged_rows


def record(conn: sa.Connection, job_id: str, outcome: str, at: dt.datetime, purged: Mapping[str, int]) -> None:
    """Count one run of ``job_id`` and the rows it purged (kinds with none are counted too, as 0)."""
    runs = conn.execute(
        job_runs.update()
        .where(job_runs.c.job_id == job_id, job_runs.c.outcome == outcome)
        .values(runs=job_runs.c.runs + 1, last_run_at=at)
    )
    if runs.rowcount == 0:
        conn.execute(job_runs.insert().values(job_id=job_id, outcome=outcome, runs=1, last_run_at=at))
    for kind, count in sorted(purged.items()):
        added = conn.execute(
            purged_rows.update()
            .where(purged_rows.c.kind == kind)
            .values(rows=purged_rows.c.rows + count, last_purge_at=at)
        )
        if added.rowcount == 0:
            conn.execute(purged_rows.insert().values(kind=kind, rows=count, last_purge_at=at))


def runs(conn: sa.Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(job_runs).order_by(job_runs.c.job_id, job_runs.c.outcome)).all())


def purged(conn: sa.Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(purged_rows).order_by(purged_rows.c.kind)).all())

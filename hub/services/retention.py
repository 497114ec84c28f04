"""Retention (run by the scheduler): data leaves the hub when it may no longer be kept.

- Cases without accepted help: their signals, tokens, sealed blobs, links, case and report are deleted once
  the newest signal is older than the municipality's retention term (``retention_days`` on the organisation,
  else ``HUB_RETENTION_DAYS``, default 183 days: DOMAIN.md's six months).
- Sealed identities a municipality never acknowledged are deleted after ``HUB_SEALED_MAX_DAYS`` (30); the
  municipality gets a ``report.identities_expiring`` event ``HUB_SEALED_WARN_DAYS`` (7) before.

What was purged is counted in ``retention_runs`` (and logged as counts); nothing is listed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import directory as directory_repo
from hub.db import reports as reports_repo
from hub.db import retention as repo
from hub.db import signals as signals_repo
from hub.domain.reports import HELP_RESULTS
from hub.settings import Settings

log = logging.getLogger(__name__)


class RetentionService:
    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._settings, self._clock = engine, settings, clock

    def run(self) -> dict[str, int]:
        now = self._clock()
        counts = {"cases": 0, "signals": 0, "tokens": 0, "identities": 0}
        with self._engine.begin() as conn:
            for municipality in directory_repo.list_organisations(conn, kind="municipality"):
                days = municipality.retention_days or self._settings.retention_days
                expired = repo.expired_cases(
                    conn, municipality.id, (now - dt.timedelta(days=days)).date(), HELP_RESULTS
                )
                for key, value in repo.purge_cases(conn, expired).items():
                    counts[key] += value
            counts["identities"] = self._expire_identities(conn, now)
            repo.record_run(conn, now, counts)
        if any(counts.values()):
            log.info(
                "retention purged %(cases)d cases, %(signals)d signals, %(tokens)d tokens, "
                "%(identities)d unacknowledged identities",
                counts,
            )
        return counts

    def _expire_identities(self, conn: sa.Connection, now: dt.datetime) -> int:
        maximum = dt.timedelta(days=self._settings.sealed_max_days)
        warn = maximum - dt.timedelta(days=self._settings.sealed_warn_days)
        expired = repo.old_identities(conn, now - maximum)
        gone = repo.delete_identities(conn, [r.signal_id for r in expired])
        events, warned = [], set()
        for row in repo.old_identities(conn, now - warn):
            report = reports_repo.get(conn, row.case_id) if row.case_id else None
            if report is None or report.identities_warned_at is not None or row.case_id in warned:
                continue
            warned.add(row.case_id)
            reports_repo.update(conn, row.case_id, identities_warned_at=now)
            events.append(
                {
                    "recipient_id": row.municipality_id,
                    "event_type": "report.identities_expiring",
                    "object_type": "report",
                    "object_id": row.case_id,
                    "object_version": report.version,
                    "created_at": now,
                }
            )
        signals_repo.add_events(conn, events)
        return gone

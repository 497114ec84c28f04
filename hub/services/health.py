"""Readiness: is the store reachable and migrated?"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import migrate
from hub.errors import ServiceUnavailable
from hub.jobs.lock import last_heartbeat

log = logging.getLogger(__name__)


class HealthService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def readiness(self) -> dict[str, str | None]:
        """Report the store's state, or raise :class:`ServiceUnavailable` saying what is wrong."""
        try:
            with self._engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            current = migrate.current_revision(self._engine)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("readiness: database unreachable (%s)", type(exc).__name__)
            raise ServiceUnavailable("The database is unreachable.", code="database_unreachable") from exc
        head = migrate.head_revision()
        if current != head:
            raise ServiceUnavailable(
                f"The database schema is at {current or 'nothing'}, the code expects {head}; run `hub db upgrade`.",
                code="migrations_pending",
            )
        heartbeat = last_heartbeat(self._engine)
        return {
            "status": "ready",
            "database": "ok",
            "migration": current,
            "scheduler_heartbeat": heartbeat.isoformat() if heartbeat else None,
        }

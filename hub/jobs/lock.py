"""One scheduler at a time: a database lock that a second scheduler process waits for.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the scheduler's life (it is
released by the server if the process dies). SQLite: a lock row with a heartbeat; a holder whose heartbeat
is older than ``stale_after`` is taken to be dead. Either way the heartbeat row tells ``/readyz`` when the
scheduler last ran.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from hub.db.tables import scheduler_lock

LOCK_NAME = "scheduler"
_ADVISORY_KEY = 0x5349474E414C5343


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SchedulerLock:
    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], dt.datetime],
        *,
        holder: str | None = None,
        stale_after: dt.timedelta = dt.timedelta(seconds=60),
    ) -> None:
        self._engine, self._clock, self._stale_after = engine, clock, stale_after
        self.holder = holder or holder_name()
        self._pg: sa.Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free (or its holder is dead); True when this process now holds it."""
        if self._engine.dialect.name == "postgresql":
            if self._pg is None:
                self._pg = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if not self._pg.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _ADVISORY_KEY}).scalar_one():
                return False
            self.heartbeat()
            return True
        now = self._clock()
        with self._engine.begin() as conn:
            row = conn.execute(sa.select(scheduler_lock).where(scheduler_lock.c.name == LOCK_NAME)).first()
            if row is not None and row.holder != self.holder and now - row.heartbeat_at < self._stale_after:
                return False
            self._write(conn, now)
        return True

    def heartbeat(self) -> None:
        """Record that the holder is alive (and, on SQLite, keep the lock)."""
        with self._engine.begin() as conn:
            self._write(conn, self._clock())

    def release(self) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                scheduler_lock.delete().where(
                    scheduler_lock.c.name == LOCK_NAME, scheduler_lock.c.holder == self.holder
                )
            )
        if self._pg is not None:
            self._pg.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
            self._pg.close()
            self._pg = None

    def _write(self, conn: sa.Connection, now: dt.datetime) -> None:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            insert(scheduler_lock)
            .values(name=LOCK_NAME, holder=self.holder, heartbeat_at=now)
            .on_conflict_do_update(
                index_elements=[scheduler_lock.c.name], set_={"holder": self.holder, "heartbeat_at": now}
            )
        )


def last_heartbeat(engine: Engine) -> dt.datetime | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(scheduler_lock.c.heartbeat_at).where(scheduler_lock.c.name == LOCK_NAME)).first()
    return row.heartbeat_at if row else None

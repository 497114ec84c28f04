"""Engine construction: one place that knows the difference between SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def make_engine(database_url: str) -> Engine:
    """Build the engine for ``database_url``.

    SQLite runs in WAL mode with foreign keys on and a busy timeout, so that several gunicorn workers
    and the scheduler process can share one file; its write-ahead log is truncated once it has grown past
    ``WAL_TRUNCATE_BYTES`` (``_wal_truncation``). PostgreSQL uses psycopg 3, and a connection idle in the
    pool for over a second is pinged before use.
    """
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if url.database and url.database != ":memory:":
            sa.event.listen(engine, "checkin", _wal_truncation(Path(f"{url.database}-wal")))
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so that SELECTs take
        # part in the transaction (SQLAlchemy's documented recipe).
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    _ping_when_idle(engine)
    return engine


#: A pooled connection back in the pool for less than this is used without a ping first.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling as ``pool_pre_ping`` does it (SQLAlchemy's checkout-event recipe:
    a failed ping raises DisconnectionError and the pool takes a new connection), but only for connections
    that sat in the pool for over a second: under load a connection is reused within milliseconds, and a
    ping before each of a request's two transactions was a round trip each. A server restart within that
    second reaches one request as a 503 ``database_unavailable``, and the pool is renewed at once."""

    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(str(error)) from error

    def idle(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    sa.event.listen(engine, "checkout", ping)
    sa.event.listen(engine, "checkin", idle)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    # 64 MiB of page cache per connection (the default is 2 MiB): the token and case indexes that
    # linking reads stay in memory as the store grows (docs/benchmarks.md, "Throughput")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


#: How long an SQLite connection waits for a lock another holds (the busy timeout), and a truncation for
#: another connection's checkpoint.
SQLITE_BUSY_SECONDS = 30
#: A write-ahead log grown past this is checkpointed in full and truncated (see ``_wal_truncation``).
WAL_TRUNCATE_BYTES = 64 * 1024 * 1024


def _wal_truncation(wal: Path) -> Any:
    """A pool ``checkin`` listener that keeps SQLite's write-ahead log from growing without end.

    SQLite's automatic checkpoint, after a commit that leaves the log over 1,000 pages, copies the log into the
    database (after the commit, while the other worker writes) but can start the log from its beginning again only
    when no transaction reads from it. The hub's gunicorn workers take turns at the write lock, and under steady
    load one of them always has a transaction open: the log then never restarts and grows by every page written (2.8
    GB at 40,000 signals stored in bench/ingest.py, until the disk was full at several hundred thousand and every
    write failed). So when a connection goes back to the pool (its transaction over) and the log has grown past
    ``WAL_TRUNCATE_BYTES``, it runs ``PRAGMA wal_checkpoint(TRUNCATE)``: new writers wait (the busy timeout) while
    it waits for the open transactions to end, copies the log into the database and truncates it (most of the
    copying is done by then). When another connection is checkpointing at that moment (SQLite answers at once,
    with -1 pages), this one waits until that checkpoint has ended or the log is small again, before the
    connection can be used to write more: otherwise a worker whose next write begins at once would take the
    write lock again and again while the checkpointer sleeps in its busy handler, and the log would grow as
    before. When it cannot finish within the busy timeout, that is logged. The request that returned the
    connection has committed either way."""

    def checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is None:  # invalidated: nothing to run it on
            return
        deadline = time.monotonic() + SQLITE_BUSY_SECONDS
        while _larger_than_limit(wal) and _another_checkpoints(dbapi_connection):
            if time.monotonic() > deadline:
                log.warning("write-ahead log not truncated: another checkpoint still running")
                return
            time.sleep(0.001)  # wait for the other connection's checkpoint, then look at the log again

    return checkin


def _larger_than_limit(wal: Path) -> bool:
    try:
        return wal.stat().st_size > WAL_TRUNCATE_BYTES
    except FileNotFoundError:
        return False


def _another_checkpoints(dbapi_connection: Any) -> bool:
    """Checkpoint the log in full and truncate it; True when another connection is checkpointing, so that
    this one could not start (SQLite answers that at once, with -1 pages)."""
    try:
        busy, pages, copied = dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as error:
        log.warning("write-ahead log not truncated (%s)", type(error).__name__)
        return False
    if busy and pages >= 0:
        log.warning("write-ahead log not truncated: still in use (%s of %s pages copied)", copied, pages)
    return bool(busy) and pages < 0


def _sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")

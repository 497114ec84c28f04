"""SQLite's write-ahead log does not grow without end (hub/db/engine.py, ``_wal_truncation``).

Under steady load one gunicorn worker or another always has a transaction open, so SQLite never starts
the log from its beginning again: it grew to 2.8 GB at 40,000 signals stored, and on to a full disk. When
a connection goes back to the pool and the log is past its limit, the hub checkpoints it in full and
truncates it, waiting for the transactions still reading it. SQLite only: PostgreSQL has no such file.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.db import engine as engine_module
from hub.db.engine import make_engine

_ROWS = sa.text("INSERT INTO filler (payload) VALUES (:payload)")
_PAYLOAD = [{"payload": bytes([n % 251]) * 2000} for n in range(200)]  # about 400 KB of pages


def _database(tmp_path: Path) -> tuple[sa.Engine, Path]:
    path = tmp_path / "hub.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE filler (id INTEGER PRIMARY KEY, payload BLOB)")
    return engine, Path(f"{path}-wal")


def test_a_log_past_its_limit_is_truncated_when_the_connection_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, wal = _database(tmp_path)
    try:
        with engine.begin() as conn:  # under the limit: the log keeps its pages, as SQLite leaves it
            conn.execute(_ROWS, _PAYLOAD)
        kept = wal.stat().st_size
        assert kept > 100_000

        monkeypatch.setattr(engine_module, "WAL_TRUNCATE_BYTES", 100_000)
        with engine.begin() as conn:
            conn.execute(_ROWS, _PAYLOAD)
        assert wal.stat().st_size == 0
        with engine.connect() as conn:  # nothing lost: every row is in the database file
            assert conn.execute(sa.text("SELECT count(*) FROM filler")).scalar_one() == 2 * len(_PAYLOAD)
    finally:
        engine.dispose()


def test_the_truncation_waits_for_a_transaction_still_reading_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's open transaction keeps the log from restarting; the connection going back waits
    for it (the busy timeout), instead of leaving the log to grow."""
    engine, wal = _database(tmp_path)
    monkeypatch.setattr(engine_module, "WAL_TRUNCATE_BYTES", 100_000)
    reader = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM filler").fetchone()  # a snapshot from before the write
        ended = threading.Timer(0.5, lambda: reader.execute("COMMIT"))
        ended.start()
        with engine.begin() as conn:
            conn.execute(_ROWS, _PAYLOAD)
        ended.join()
        assert wal.stat().st_size == 0
    finally:
        reader.close()
        engine.dispose()


def test_two_writers_taking_turns_keep_the_log_within_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gunicorn workers' pattern: two connections take turns at the write lock, one beginning as soon
    as the other commits, so one of them always has a transaction open. Without the hub's checkpoints the
    log would hold every page written (about 8 MB here)."""
    engine, wal = _database(tmp_path)
    monkeypatch.setattr(engine_module, "WAL_TRUNCATE_BYTES", 500_000)
    largest: list[int] = []
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                with engine.begin() as conn:
                    conn.execute(_ROWS, _PAYLOAD)
                largest.append(wal.stat().st_size)
        except BaseException as error:  # reported below: a thread's exception would otherwise be lost
            failures.append(error)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert max(largest) < 500_000 + 2 * 450_000  # the limit, and at most the two transactions after it
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM filler")).scalar_one() == 20 * len(_PAYLOAD)
    finally:
        engine.dispose()

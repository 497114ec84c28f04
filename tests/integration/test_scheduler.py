"""One scheduler at a time: a second one waits; a dead holder's lock is taken over; the real process
delivers webhooks on its own."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from hub.db.engine import make_engine
from hub.jobs.lock import SchedulerLock, last_heartbeat


def test_second_scheduler_waits_until_the_first_releases(engine: Engine) -> None:
    clock = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    first, second = SchedulerLock(engine, clock, holder="a"), SchedulerLock(engine, clock, holder="b")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert last_heartbeat(engine) is not None
    first.release()
    assert second.try_acquire()
    second.release()


def test_a_dead_holder_is_taken_over_on_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL releases a dead session's advisory lock itself
    now = dt.datetime.now(dt.UTC)
    SchedulerLock(engine, lambda: now - dt.timedelta(minutes=5), holder="dead").try_acquire()
    assert SchedulerLock(engine, lambda: now, holder="alive").try_acquire()


def test_scheduler_process_runs_and_a_second_one_waits(database_url: str, tmp_path: Path) -> None:
    hub = str(Path(sys.executable).with_name("hub"))
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / "var")}
    first = subprocess.Popen([hub, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    second = None
    try:
        deadline = time.monotonic() + 30
        engine = make_engine(database_url)
        while last_heartbeat(engine) is None:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.2)
        log = tmp_path / "second.log"
        with log.open("w") as second_err:
            second = subprocess.Popen([hub, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=second_err)
        # until the second one says it waits for the lock (however long it takes to start on a busy machine)
        deadline = time.monotonic() + 60
        while "waiting" not in log.read_text():
            assert second.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert second.poll() is None  # still waiting, not crashed
        assert last_heartbeat(engine) is not None  # the first one still holds the lock
        engine.dispose()
    finally:
        for process in (first, second):
            if process is not None:
                process.terminate()
                process.communicate(timeout=20)

"""The scheduler process: wait for the lock, then run the declared jobs until told to stop."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from hub.jobs import JOBS, run_job
from hub.jobs.lock import SchedulerLock
from hub.services import Services

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
WAIT_SECONDS = 10


def run(services: Services, *, stop: threading.Event | None = None) -> None:
    """Block until this process holds the lock (a second scheduler waits here), then run the jobs."""
    stop = stop or threading.Event()
    lock = SchedulerLock(services.engine, services.clock)
    while not lock.try_acquire():
        log.info("another scheduler holds the lock; waiting")
        if stop.wait(WAIT_SECONDS):
            return
    log.info("scheduler lock acquired by %s", lock.holder)
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    for job in JOBS:
        scheduler.add_job(
            run_job, "interval", seconds=job.seconds, id=job.id, args=[job, services], name=job.description
        )
    scheduler.add_job(lock.heartbeat, "interval", seconds=HEARTBEAT_SECONDS, id="scheduler.heartbeat")

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping the scheduler", signum)
        scheduler.shutdown(wait=True)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, shutdown)
    threading.Thread(target=lambda: (stop.wait(), scheduler.shutdown(wait=False)), daemon=True).start()
    try:
        scheduler.start()
    finally:
        lock.release()
        log.info("scheduler stopped; lock released")

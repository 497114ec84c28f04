"""``signaal watch DIR``: push every export that lands in a drop folder, on a schedule (APScheduler 3).

Each pass takes the files directly in DIR (``.csv``, ``.txt``, ``.jsonl``, ``.json``; not hidden, not
``.tmp``/``.part``, and unchanged for ``min_age`` seconds so a file still being written is left alone),
oldest first, and pushes each. After a complete push the file moves to ``archive/`` (with its
rejected-rows report next to it when rows were rejected). A file that cannot be pushed as it is (it
cannot be read, or the hub refuses it as a whole) moves to ``failed/`` with the report and the reason.
When the hub is unreachable or the set-up is wrong the file stays where it is and the next pass tries
again; the state file makes that safe. Ctrl-C or SIGTERM stops after the batch in flight.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from adapters.answers import HubUnavailable, PushError, PushInterrupted, SetupProblem
from adapters.config import Config, ConfigError
from adapters.exports import ExportFileError, RowProblem
from adapters.push import Push, PushCounts, default_report, file_digest
from adapters.report import write_report

log = logging.getLogger(__name__)

SUFFIXES: Final = frozenset({".csv", ".txt", ".jsonl", ".json"})
JOB_ID: Final = "signaal-watch"
STOP_JOB_ID: Final = "signaal-watch-stop"
#: How often the watcher looks whether Ctrl-C or SIGTERM asked it to stop.
STOP_POLL_SECONDS: Final = 0.5


class LogProgress:
    """Progress of a push as log lines (the watcher runs without a terminal)."""

    def __init__(self, name: str) -> None:
        self.name, self.total, self.done, self.started = name, 0, 0, time.monotonic()

    def start(self, total: int) -> None:
        self.total, self.started = total, time.monotonic()

    def advance(self, done: int, counts: PushCounts) -> None:
        self.done += done
        rate = counts.sent / max(time.monotonic() - self.started, 1e-6)
        log.info("%s: %d/%d sent (%.0f rows/s)", self.name, self.done, self.total, rate)


class Watcher:
    """Pushes the files of one drop folder for one configured organisation."""

    def __init__(self, config: Config, drop: Path, *, min_age: float = 10.0) -> None:
        self.config, self.drop, self.min_age = config, drop, min_age
        self.stop = threading.Event()
        self.asked_to_stop = False
        self._busy = threading.Lock()  # held while a pass runs, so stopping can wait for it
        self.scheduler: BlockingScheduler | None = None

    def ready_files(self) -> list[Path]:
        """Export files in the drop folder that are complete (unchanged for ``min_age`` seconds)."""
        now = time.time()
        found = [
            path
            for path in self.drop.iterdir()
            if path.is_file()
            and path.suffix.lower() in SUFFIXES
            and not path.name.startswith(".")
            and now - path.stat().st_mtime >= self.min_age
        ]
        return sorted(found, key=lambda path: (path.stat().st_mtime, path.name))

    def scan(self) -> None:
        """One pass over the drop folder; the scheduled job."""
        with self._busy:
            for path in self.ready_files():
                if self.stop.is_set() or not self._push(path):
                    return

    def _push(self, path: Path) -> bool:
        """Push one file and file it away; False when the pass should stop (hub down, set-up, stop)."""
        try:
            result = Push(self.config, progress=LogProgress(path.name), stop=self.stop).run(path)
        except (PushInterrupted, HubUnavailable, SetupProblem, ConfigError) as error:
            log.error("%s stays in %s: %s", path.name, self.drop, error)
            return False
        except (ExportFileError, PushError) as error:
            self._fail(path, str(error))
            return True
        self._archive(path, result.report if result.counts.rejected else None)
        counts = result.counts
        log.info(
            "%s: %d rows, %d sent (%d new), %d rejected; archived", path.name, counts.rows, counts.sent,
            counts.created, counts.rejected,
        )  # fmt: skip
        return True

    def _target(self, folder: str, path: Path) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        (self.drop / folder).mkdir(exist_ok=True)
        return self.drop / folder / f"{stamp}-{path.name}"

    def _archive(self, path: Path, report: Path | None) -> None:
        target = self._target("archive", path)
        os.replace(path, target)
        if report is not None:
            shutil.copyfile(report, target.with_name(target.name + ".rejected.csv"))

    def _fail(self, path: Path, reason: str) -> None:
        target = self._target("failed", path)
        try:
            report: Path | None = default_report(self.config, path, file_digest(path))
        except ExportFileError:
            report = None
        if report is not None and report.exists():
            shutil.copyfile(report, target.with_name(target.name + ".rejected.csv"))
        else:
            write_report(target.with_name(target.name + ".rejected.csv"), [RowProblem(0, "file", "", reason)])
        target.with_name(target.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
        os.replace(path, target)
        log.error("%s moved to failed/: %s", path.name, reason)

    def run(self, interval: float, *, started: Callable[[], None] | None = None) -> None:
        """Scan now and then every ``interval`` seconds until Ctrl-C, SIGTERM or ``request_stop``;
        ``started`` is called once stopping works."""
        scheduler = BlockingScheduler(timezone=dt.UTC)
        self.scheduler = scheduler
        now = dt.datetime.now(dt.UTC)
        options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "next_run_time": now}
        scheduler.add_job(self.scan, "interval", seconds=interval, id=JOB_ID, **options)
        scheduler.add_job(self._stop_if_asked, "interval", seconds=STOP_POLL_SECONDS, id=STOP_JOB_ID, **options)
        handlers = {}
        if threading.current_thread() is threading.main_thread():
            handlers = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if started is not None:
                started()
            scheduler.start()
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            self.request_stop()
            with self._busy:  # the pass in flight ends after its current batch
                pass

    def _on_signal(self, *_: Any) -> None:
        # Only a flag: a handler runs between any two bytecodes of the main thread, possibly while it
        # holds one of the scheduler's locks, so it must not call into the scheduler (nor raise there).
        self.asked_to_stop = True

    def _stop_if_asked(self) -> None:
        if self.asked_to_stop:
            log.info("stopping: finishing the batch in flight")
            self.request_stop()

    def request_stop(self) -> None:
        """Stop scanning: the push in flight stops after its batch. Safe from any thread but a signal handler."""
        self.stop.set()
        with contextlib.suppress(SchedulerNotRunningError):
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=False)

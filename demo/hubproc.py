"""The hub as its operator runs it: the ``hub`` command in-process, and ``hub serve`` as a subprocess.

Operator commands (``hub db upgrade``, ``hub routing import``, ``hub org add``, ``hub key add``) run the
real click command in this process, with the environment pointing at the demo's data directory: the same
code an operator's shell runs, without starting Python twenty times. ``hub serve`` (gunicorn) and
``hub scheduler`` run as child processes in their own sessions, so Ctrl-C reaches the demo, which then stops
them cleanly. Their logs (JSON lines, no personal data) go to files.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import click
import requests

from demo import ROOT
from demo.say import DemoError, Say

HOST = "127.0.0.1"


def use_data_dir(data_dir: Path) -> None:
    """Point every ``hub`` command of this process (and its children) at the demo's SQLite store."""
    os.environ["HUB_DATA_DIR"] = str(data_dir)
    os.environ["HUB_ENV"] = "development"
    os.environ.pop("HUB_DATABASE_URL", None)  # the demo runs on SQLite, whatever the shell has configured


def check_port(port: int) -> None:
    """Raise ``DemoError`` when ``port`` on loopback is taken, before anything is started."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as gunicorn binds: connections of an earlier run in TIME_WAIT do not make the port busy
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise DemoError(
                    f"port {port} on {HOST} is in use (is another hub or demo running?); stop it, or pass "
                    "--port with a free port"
                ) from None
            raise DemoError(f"cannot listen on {HOST}:{port}: {error.strerror}") from None


def operator(say: Say, args: Sequence[str], *, show: bool = True) -> str:
    """Run ``hub ARGS`` as the operator would, in this process; return what it printed."""
    from hub.cli import cli  # noqa: PLC0415 - the hub's command, only once the environment is set

    if show:
        say.command(["hub", *args])
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main(args=list(args), prog_name="hub", standalone_mode=False)
    except click.ClickException as error:
        raise DemoError(f"`hub {' '.join(args)}` failed: {error.format_message()}") from None
    except SystemExit as exit_:  # a command that ends with sys.exit(status), e.g. a broken evidence chain
        if exit_.code not in (None, 0):
            said = (err.getvalue() or out.getvalue()).strip()
            raise DemoError(f"`hub {' '.join(args)}` failed (exit status {exit_.code}): {said}") from None
    return out.getvalue().strip()


class HubProcess:
    """``hub serve`` on loopback, with its log in a file."""

    def __init__(self, port: int, log_path: Path, workers: int = 2) -> None:
        self.port, self.log_path, self.workers = port, log_path, workers
        self.url = f"http://{HOST}:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def argv(self) -> list[str]:
        """The command line; the ``hub`` script beside this Python, else the same entry point via ``-c``."""
        args = ["serve", "--host", HOST, "--port", str(self.port), "--workers", str(self.workers)]
        script = Path(sys.executable).with_name("hub")
        if script.exists():
            return [str(script), *args]
        return [sys.executable, "-c", "from hub.cli import main; main()", *args]

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv(),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to the demo, which stops the hub itself
        )

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until ``/readyz`` answers 200; ``DemoError`` with the log's tail when the hub dies."""
        started = time.monotonic()
        while True:
            if self.process is None or self.process.poll() is not None:
                raise DemoError(f"the hub stopped while starting; the end of its log ({self.log_path}):\n{self.tail()}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            if time.monotonic() - started > timeout:
                raise DemoError(f"the hub did not become ready within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait(self) -> int:
        """Block until the hub exits by itself; its exit status."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """Stop gunicorn gracefully (SIGTERM), forcibly after 20 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 12) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join("  " + line for line in text.splitlines()[-lines:])


class SchedulerProcess(HubProcess):
    """``hub scheduler`` beside the served hub, as in production: webhook delivery, settlement deadlines and
    purges, one process holding the database lock. Its log (JSON lines) goes to its own file."""

    def argv(self) -> list[str]:
        script = Path(sys.executable).with_name("hub")
        if script.exists():
            return [str(script), "scheduler"]
        return [sys.executable, "-c", "from hub.cli import main; main()", "scheduler"]

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until the hub's ``/readyz`` shows the scheduler's heartbeat (it holds the lock)."""
        started = time.monotonic()
        while True:
            if self.process is None or self.process.poll() is not None:
                raise DemoError(
                    f"the scheduler stopped while starting; the end of its log ({self.log_path}):\n{self.tail()}"
                )
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).json().get("scheduler_heartbeat"):
                    return time.monotonic() - started
            except (requests.RequestException, ValueError):
                pass
            if time.monotonic() - started > timeout:
                raise DemoError(f"the scheduler did not start within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.2)

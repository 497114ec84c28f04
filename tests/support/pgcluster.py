"""A private PostgreSQL cluster for fault tests: its own data directory and loopback port, so a test can stop
and start it (or load it hard) without touching the machine's shared server that other tests use.

Built with the server's own tools (``initdb``, ``pg_ctl``). PostgreSQL refuses to run as root, so when the
tests run as root the tools run as the ``postgres`` system user (``runuser``). Without the binaries the test
skips with that reason, except under ``CI=true`` where that is a failure.

``fsync=off``: these tests kill processes, never the machine, so a commit that reached the kernel survives
every fault they inject; syncing to disk would only make them slower on a shared machine.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.hubproc import HOST, free_port

SEARCH = ("/usr/lib/postgresql/15/bin", *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True))


def _binaries() -> Path | None:
    found = next((Path(d) for d in SEARCH if (Path(d) / "initdb").is_file() and (Path(d) / "pg_ctl").is_file()), None)
    if found is None and shutil.which("initdb") and shutil.which("pg_ctl"):
        found = Path(str(shutil.which("pg_ctl"))).parent
    return found


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but a private PostgreSQL cluster cannot be started: {reason}", pytrace=False)
    pytest.skip(f"private PostgreSQL cluster unavailable: {reason}")


class Cluster:
    """One cluster: ``start``, ``stop``, ``url``. Started by the test, stopped by its own data directory."""

    def __init__(self, bindir: Path, root: Path, user: str | None) -> None:
        self.bindir, self.root, self.user = bindir, root, user
        self.data, self.log = root / "data", root / "postgres.log"
        self.port = free_port()
        self.starts = 0

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    def init(self) -> None:
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off -c max_connections=60"
        )
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr or done.stdout}\n{self.tail()}")
        self.starts += 1

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``fast`` ends every session (clients see 'terminating connection')."""
        done = self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        if done.returncode != 0 and "not running" not in (done.stderr + done.stdout).lower():
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr or done.stdout}")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return self.url(name)

    def tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A started cluster in a fresh directory; stopped and removed afterwards."""
    bindir = _binaries()
    if bindir is None:
        unavailable("initdb/pg_ctl not found (install postgresql, e.g. the postgresql-15 package)")
    assert bindir is not None
    user = None
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres system user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no postgres system user to run the server as")
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="signaalhub-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(bindir, root, user)
    try:
        cluster.init()
        cluster.start()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(root, ignore_errors=True)
        unavailable(str(exc))
    try:
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def wait_until(predicate: object, timeout: float, what: str) -> float:
    """Poll ``predicate()`` until true; seconds it took. AssertionError naming ``what`` after ``timeout``."""
    assert callable(predicate)
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - started

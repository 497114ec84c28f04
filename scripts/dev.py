#!/usr/bin/env python3
"""The newcomer's entry point: one command to run the hub, one to run the tests.

Needs only Python 3.11+. Creates ``.venv`` beside the project, installs the project with its
development extras into it (again only when ``pyproject.toml`` changed), then runs the command.

    python3 scripts/dev.py serve      # hub on SQLite at http://127.0.0.1:8080
    python3 scripts/dev.py demo       # the whole chain, export to agreed settlement (--exit, --fresh, --port)
    python3 scripts/dev.py test       # linters, then the whole suite (SQLite; PostgreSQL too if it answers)
    python3 scripts/dev.py lint       # ruff + mypy
    python3 scripts/dev.py openapi    # regenerate schemas/openapi.json
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".signaalhub-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _say(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project into it unless it is already current."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older python3
        sys.exit(f"Signaalhub needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        _say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        STAMP.unlink(missing_ok=True)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    _say("installing signaalhub and its development tools into .venv (first run only)")
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(_fingerprint())


def _run(argv: list[str]) -> int:
    return subprocess.call(argv, cwd=ROOT)


#: Where the test suite looks for PostgreSQL when HUB_TEST_DATABASE_URL is not set.
LOCAL_TEST_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _local_postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        return False
    return True


def _start_local_postgres() -> None:
    """Under CI=true, where a missing PostgreSQL fails the suite: start this machine's cluster if it is a
    Debian one that is down (``pg_ctlcluster``), and wait up to 30 s for it to answer."""
    clusters = Path("/etc/postgresql")
    if not shutil.which("pg_ctlcluster") or not clusters.is_dir() or not any(clusters.iterdir()):
        return
    version = sorted(path.name for path in clusters.iterdir())[0]
    _say(f"PostgreSQL is down; starting the local cluster {version}/main")
    subprocess.call(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
    for _ in range(30):
        if _local_postgres_answers():
            return
        time.sleep(1)


def _test_database() -> None:
    """Point the suite's PostgreSQL variants at the local server when nothing else is set and it answers
    (under CI=true, started first if it is down); otherwise leave them to skip (or, under CI=true, to fail)
    with the reason the suite gives."""
    if os.environ.get("HUB_TEST_DATABASE_URL"):
        return
    if not _local_postgres_answers() and os.environ.get("CI") == "true":
        _start_local_postgres()
    if not _local_postgres_answers():
        _say("no PostgreSQL at 127.0.0.1:5432: its test variants skip (set HUB_TEST_DATABASE_URL to use another)")
        return
    os.environ["HUB_TEST_DATABASE_URL"] = LOCAL_TEST_DATABASE
    _say(f"PostgreSQL variants run against {LOCAL_TEST_DATABASE}")


def _lint() -> int:
    status = _run([str(BIN / "ruff"), "check", "."])
    status |= _run([str(BIN / "ruff"), "format", "--check", "."])
    return status | _run([str(BIN / "mypy")])


def main(argv: list[str]) -> int:
    commands = ("serve", "demo", "test", "lint", "openapi", "install")
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "install":
        return 0
    if command == "lint":
        return _lint()
    if command == "test":
        _test_database()
        status = _lint()
        return status | _run([str(BIN / "python"), "-m", "pytest", *rest])
    runs = {
        "serve": [str(BIN / "hub"), "serve", *rest],
        "demo": [str(BIN / "python"), "-m", "demo.run", *rest],  # repo-local tool, run from the checkout
        "openapi": [str(BIN / "hub"), "openapi", "--output", str(ROOT / "schemas" / "openapi.json")],
    }
    return _run(runs[command])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The `hub` command as an operator uses it: help texts, db upgrade, and a real served hub."""

import gc
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from alembic import command as alembic_command
from click.testing import CliRunner
from flask import Flask

from hub import cli as hub_cli
from hub.cli import cli
from hub.db import migrate
from hub.db.engine import make_engine
from hub.services import EXTENSION_KEY


@pytest.mark.parametrize("args", [[], ["serve"], ["db"], ["db", "upgrade"], ["db", "current"], ["openapi"]])
def test_every_command_has_help(args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3


def test_db_upgrade_migrates_the_configured_database(database_url: str) -> None:
    engine = make_engine(database_url)
    alembic_command.downgrade(migrate.alembic_config(engine), "base")
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"HUB_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert migrate.is_at_head(engine)
    result = CliRunner().invoke(cli, ["db", "current"], env={"HUB_DATABASE_URL": database_url})
    assert result.exit_code == 0
    engine.dispose()


def test_production_without_keys_refuses_with_the_reason() -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"HUB_ENV": "production"})
    assert result.exit_code != 0
    assert "HUB_TOKEN_KEY_FILE" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_creates_and_migrates_sqlite_then_answers(tmp_path: Path) -> None:
    """`hub serve` on a fresh data directory: gunicorn starts, the database is created, /readyz is 200."""
    port = _free_port()
    hub = Path(sys.executable).with_name("hub")
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "var")}
    env.pop("HUB_DATABASE_URL", None)
    process = subprocess.Popen(
        [str(hub), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode() if process.stderr else "") from None
                time.sleep(0.2)
        assert response.status_code == 200
        assert (tmp_path / "var" / "hub.sqlite3").exists()
        spec = requests.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5)
        assert spec.json()["openapi"].startswith("3.1")
        exposed = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        # regression: under gunicorn the request counters were missing (multiprocess mode chosen too late)
        assert 'signaalhub_http_requests_total{method="GET",route="/readyz",status="200"}' in exposed
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stderr:
            process.stderr.close()


def test_serve_moves_the_built_app_out_of_the_collectors_generations_before_the_workers_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app is built before gunicorn forks; a worker's full collections must not walk it again and again
    (docs/benchmarks.md: 9 to 11% of a batch's CPU). A frozen object is one the collector no longer lists."""
    seen: dict[str, bool] = {}

    class Gunicorn:
        def __init__(self, app: Flask, options: dict[str, object]) -> None:
            self.app, self.workers = app, options["workers"]

        def run(self) -> None:
            seen["app listed by the collector"] = any(found is self.app for found in gc.get_objects())
            seen["one worker"] = self.workers == 1
            self.app.extensions[EXTENSION_KEY].engine.dispose()

    monkeypatch.setattr(hub_cli, "_Gunicorn", Gunicorn)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # leave this process's metrics as they are
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    gc.unfreeze()
    try:
        result = CliRunner().invoke(cli, ["serve", "--workers", "1"])
    finally:
        gc.unfreeze()  # the rest of the test session collects as before
        root.handlers[:] = handlers  # serve configured logging for the process
        root.setLevel(level)  # (setLevel, not .level: it clears the loggers' cached answers)
    assert result.exit_code == 0, result.output
    assert seen == {"app listed by the collector": False, "one worker": True}


def test_the_wsgi_entry_point_freezes_the_app_it_builds(tmp_path: Path) -> None:
    """`gunicorn hub.wsgi:app` (deploy/gunicorn.conf.py, no preload): each worker builds the app on import."""
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "var"), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("HUB_DATABASE_URL", None)
    probe = "import gc, hub.wsgi as w; print(any(o is w.app for o in gc.get_objects()), gc.get_freeze_count() > 0)"
    done = subprocess.run(
        [sys.executable, "-c", probe], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["False", "True"]  # the app is frozen, not merely unreachable

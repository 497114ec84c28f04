"""``signaal watch DIR``: exports dropped in a folder are pushed on a schedule and filed away: archived
after a complete push, moved to failed/ with the reason when they cannot be pushed, left in place while
the hub is unreachable. Ctrl-C stops the watcher cleanly."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from adapters.config import load_config
from adapters.report import read_report
from adapters.watch import Watcher
from tests.support.chain import Chain
from tests.support.servers import serve
from tests.support.signaal import register_municipalities, run, sample, set_up_partner, stored_signals


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    register_municipalities(chain, dt.date.today())
    return chain


def _drop(tmp_path: Path, *kinds: str) -> Path:
    drop = tmp_path / "drop"
    drop.mkdir()
    for kind in kinds:
        shutil.copyfile(sample(kind), drop / sample(kind).name)
    return drop


def test_one_pass_archives_pushed_files_and_fails_unreadable_ones(
    app: Flask, database_url: str, tmp_path: Path, chain: Chain
) -> None:
    drop = _drop(tmp_path, "housing", "energy")  # the energy export does not fit a housing layout
    (drop / "notes.md").write_text("not an export")
    (drop / ".partial.csv").write_text("still being written")
    with serve(app) as url:
        partner = set_up_partner(tmp_path, database_url, url, "woonstad", "housing")
        result = run("watch", "--dir", str(partner.home), str(drop), "--once", "--min-age", "0")
    assert result.exit_code == 0, result.output
    assert stored_signals(app, "woonstad") == 25
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == [".partial.csv", "notes.md"]
    archived = sorted(p.name for p in (drop / "archive").iterdir())
    assert [name.split("-", 1)[1] for name in archived] == [
        "housing-corporation.csv",
        "housing-corporation.csv.rejected.csv",
    ]
    failed = sorted(p.name.split("-", 1)[1] for p in (drop / "failed").iterdir())
    assert failed == ["energy-supplier.csv", "energy-supplier.csv.error.txt", "energy-supplier.csv.rejected.csv"]
    error = next((drop / "failed").glob("*.error.txt")).read_text()
    assert "the header lacks the column(s)" in error
    [report_row] = read_report(next((drop / "failed").glob("*.rejected.csv")))
    assert report_row["field"] == "file"


def test_files_stay_while_the_hub_is_unreachable(tmp_path: Path) -> None:
    home = tmp_path / "signaal"
    init = ["init", "--dir", str(home), "--org", "woonstad", "--kind", "housing", "--hub", "http://127.0.0.1:9"]
    assert run(*init, "--new-linkage-key").exit_code == 0
    config = home / "config.toml"
    config.write_text(config.read_text().replace("retry_attempts = 5", "retry_attempts = 1"))
    drop = _drop(tmp_path, "housing")
    result = run("watch", "--dir", str(home), str(drop), "--once", "--min-age", "0")
    assert result.exit_code == 0
    assert (drop / "housing-corporation.csv").exists() and not (drop / "failed").exists()


def test_the_scheduler_picks_up_a_file_dropped_later_and_stops_on_request(
    app: Flask, database_url: str, tmp_path: Path, chain: Chain
) -> None:
    drop = _drop(tmp_path)
    with serve(app) as url:
        partner = set_up_partner(tmp_path, database_url, url, "vitens", "water")
        watcher = Watcher(load_config(partner.home), drop, min_age=0)
        thread = threading.Thread(target=watcher.run, args=(0.2,))
        thread.start()
        try:
            time.sleep(0.3)
            shutil.copyfile(sample("water"), drop / "water.csv")
            deadline = time.monotonic() + 20
            while (drop / "water.csv").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            watcher.request_stop()
            thread.join(timeout=10)
    assert not thread.is_alive()
    assert [p.name.split("-", 1)[1] for p in (drop / "archive").glob("*water.csv")] == ["water.csv"]
    assert stored_signals(app, "vitens") == 72


def test_ctrl_c_stops_the_watcher_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "signaal"
    init = ["init", "--dir", str(home), "--org", "woonstad", "--kind", "housing", "--hub", "http://127.0.0.1:9"]
    assert run(*init, "--new-linkage-key").exit_code == 0
    drop = _drop(tmp_path)
    command = [sys.executable, "-m", "adapters.cli", "watch", "--dir", str(home), str(drop), "--interval", "1"]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:
        assert process.stderr is not None
        try:
            assert "watching" in process.stderr.readline()
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
        assert "stopped" in process.stderr.read()

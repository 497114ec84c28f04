"""The demo of issue 10 as a newcomer runs it: ``python -m demo.run`` brings up a real hub (gunicorn on
loopback), walks the chain from the sample exports to an agreed settlement and stops. Its output and the
hub's log are scanned for the sample people's surnames and streets: the demo prints counts, never people."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.exports import LAYOUTS, read_export

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "samples"  # byte-for-byte copies of ../shared/samples
SAMPLE_FILES = {
    "housing": "housing-corporation.csv",
    "energy": "energy-supplier.csv",
    "water": "water-company.csv",
    "health_insurer": "health-insurer.csv",
    "municipal_taxes": "municipality-taxes.jsonl",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _demo(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    return subprocess.run(
        [sys.executable, "-m", "demo.run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _surnames_and_streets() -> set[str]:
    """Every surname (also birth surnames) and street in the sample exports, as the adapter reads them."""
    values: set[str] = set()
    for kind, name in SAMPLE_FILES.items():
        for row in read_export(SAMPLES / name, LAYOUTS[kind]).rows:
            for debtor in row.identity["debtors"]:
                values |= {debtor[k] for k in ("surname", "birth_surname") if debtor.get(k)}
            values.add(row.identity["address"]["street"])
    return {value for value in values if len(value) >= 4}


def _found(needles: set[str], text: str) -> list[str]:
    return sorted(n for n in needles if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text))


def test_the_demo_walks_the_chain_to_an_agreed_settlement_without_naming_anyone(tmp_path: Path) -> None:
    port, data_dir = _free_port(), tmp_path / "demo"
    run = _demo("--exit", "--fresh", "--port", str(port), "--data-dir", str(data_dir), "--samples", str(SAMPLES))
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "AGREED SETTLEMENT (schuldregeling akkoord): dossier is 'agreed'" in out
    assert "household reports from" in out and "accepted at once by the hub under convenant" in out
    assert "shares_incorrect" in out and "evidence chain intact" in out
    assert f"http://127.0.0.1:{port}/docs" in out and "/readyz" in out and "/metrics" in out
    # the scheduler runs beside the hub, as in production, and every municipality a sample address routes
    # to is registered: no row is held back
    assert "$ hub scheduler" in out and "holds the scheduler lock" in out and "scheduler heartbeat 20" in out
    assert "other municipalities the sample addresses route to" in out and "outside this demo" not in out

    hub_log = (data_dir / "hub.log").read_text(encoding="utf-8")
    scheduler_log = (data_dir / "scheduler.log").read_text(encoding="utf-8")
    assert '"route": "/v1/signals/batch"' in hub_log, "the scan reads the hub's real request log"
    assert "scheduler lock acquired" in scheduler_log
    needles = _surnames_and_streets()
    assert len(needles) > 100
    assert _found(needles, out + run.stderr) == []
    assert _found(needles, hub_log) == []
    assert _found(needles, scheduler_log) == []
    assert _found({"Haarlem", "Signaalhub"}, out) == ["Haarlem", "Signaalhub"]  # the scan does find what is there

    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))  # --exit stopped the hub it started (and its scheduler)


def test_a_port_in_use_is_named_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = _demo("--exit", "--port", str(port), "--data-dir", str(tmp_path / "demo"), timeout=60)
    assert run.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in run.stderr
    assert not (tmp_path / "demo").exists()

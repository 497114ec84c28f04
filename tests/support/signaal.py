"""Partners on a live hub for the ``signaal`` tests: the sample exports, the municipalities they route to,
and creditors set up the way a partner does it (``signaal init``, then the operator runs the printed
``hub org add`` / ``hub key add`` commands)."""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask import Flask

from adapters.cli import cli as signaal_cli
from adapters.exports import LAYOUTS, ExportReading, read_export
from hub.cli import cli as hub_cli
from hub.db.tables import signals
from hub.domain.routing_files import parse
from schemas.v1.routing import RoutingTable
from tests.support.chain import LINKAGE_KEY, SAMPLE_ROUTING, Chain

#: Copies of ../shared/samples (synthetic people), byte for byte.
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SAMPLE_FILES = {
    "housing": "housing-corporation.csv",
    "energy": "energy-supplier.csv",
    "water": "water-company.csv",
    "health_insurer": "health-insurer.csv",
    "municipal_taxes": "municipality-taxes.jsonl",
}
#: The defective lines the samples' README lists, per layout.
DEFECTIVE_LINES = {
    "housing": [17],
    "energy": [61, 92, 116],
    "water": [66],
    "health_insurer": [31, 58, 121],
    "municipal_taxes": [12, 17, 39, 66],
}


def sample(kind: str) -> Path:
    return SAMPLES / SAMPLE_FILES[kind]


def reading_of(kind: str) -> ExportReading:
    """What the adapter reads from a sample file today (the hub checks dates against today too)."""
    return read_export(sample(kind), LAYOUTS[kind])


def municipality_codes(on: dt.date) -> set[str]:
    """Every municipality the shipped sample routing table routes to on ``on``."""
    return RoutingTable("sample", parse(SAMPLE_ROUTING.read_text())).codes_on(on)


def run(*args: str) -> Result:
    """``signaal ARGS`` in-process."""
    return CliRunner().invoke(signaal_cli, list(args), catch_exceptions=False)


@dataclass
class Partner:
    """A creditor set up with ``signaal init`` in ``home`` and registered at the hub."""

    org_id: str
    kind: str
    home: Path

    def push(self, path: Path, *extra: str) -> Result:
        return run("signals", "push", "--dir", str(self.home), "--no-progress", *extra, str(path))


def set_up_partner(tmp_path: Path, database_url: str, hub_url: str, org_id: str, kind: str) -> Partner:
    """``signaal init`` for ``org_id``, then the operator's printed commands against the hub's database."""
    key_file = tmp_path / "shared-linkage.key"
    key_file.write_bytes(LINKAGE_KEY)
    home = tmp_path / org_id
    args = ["init", "--dir", str(home), "--org", org_id, "--kind", kind, "--hub", hub_url]
    result = run(*args, "--linkage-key", str(key_file), "--name", f"Test {org_id}")
    register_initialised(result, database_url, tmp_path, home)
    return Partner(org_id, kind, home)


def register_initialised(init: Result, database_url: str, tmp_path: Path, home: Path) -> None:
    """After ``signaal init``: the operator runs the printed commands; retries are cut to two tries."""
    assert init.exit_code == 0, init.output
    for command in operator_commands(init.output):
        done = hub(database_url, tmp_path, *command)
        assert done.exit_code == 0, done.output
    config = home / "config.toml"
    # retries back off for seconds: two tries keep a test of a failing hub quick
    config.write_text(config.read_text().replace("retry_attempts = 5", "retry_attempts = 2"))


def operator_commands(init_output: str) -> list[list[str]]:
    """The ``hub ...`` commands ``signaal init`` printed, as argument lists (without ``hub``)."""
    return [shlex.split(line)[1:] for line in init_output.splitlines() if line.startswith("  hub ")]


def hub(database_url: str, tmp_path: Path, *args: str) -> Result:
    """The operator's ``hub`` command against the test database."""
    env = {"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / "hub-cli")}
    return CliRunner().invoke(hub_cli, list(args), env=env)


def register_municipalities(chain: Chain, on: dt.date) -> None:
    for code in sorted(municipality_codes(on)):
        chain.add(f"gm{code}", "municipality", code)


def stored_signals(app: Flask, creditor: str) -> int:
    with app.extensions["signaalhub"].engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(signals).where(signals.c.creditor_id == creditor)
        return int(conn.execute(query).scalar_one())

"""Weesp merges into Amsterdam: Weesp's open reports move to Amsterdam, which hears of each; Weesp is
disabled and its closed reports stay where they were."""

import datetime as dt
from pathlib import Path

from click.testing import CliRunner
from flask import Flask

from adapters.signals import Attestations
from hub.cli import cli
from tests.support.chain import Chain, identity


def test_open_reports_move_to_the_successor(app: Flask, database_url: str, tmp_path: Path) -> None:
    chain = Chain(app)
    amsterdam, weesp = chain.add("gm0363", "municipality", "0363"), chain.add("gm0457", "municipality", "0457")
    woonstad = chain.add("woonstad", "housing")
    day = dt.date(2022, 3, 1)
    facts = {"signal_date": day, "arrears_since": dt.date(2022, 1, 1), "attestations": Attestations(day, day, day, day)}
    for surname, postcode in (("Bakker", "1381 AA"), ("Smit", "1382 BB")):
        signal = chain.signal(woonstad, weesp, identity(surname=surname, postcode=postcode, reference=surname), **facts)
        assert woonstad.client.post("/v1/signals", signal).status_code == 201
    first, second = weesp.client.get("/v1/municipality/reports").json
    weesp.client.post(
        f"/v1/municipality/reports/{second['id']}/result",
        {"result": "Definitief geen contact kunnen krijgen", "date": "2022-03-20"},
    )

    settings = app.extensions["signaalhub"].settings
    result = CliRunner().invoke(
        cli,
        ["org", "succeed", "gm0457", "gm0363"],
        env={"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(settings.data_dir)},
    )
    assert result.exit_code == 0, result.output
    assert "1 open report(s) moved" in result.output
    moved = amsterdam.client.get("/v1/municipality/reports").json
    assert [r["id"] for r in moved] == [first["id"]] and moved[0]["version"] == 2
    assert weesp.client.get("/v1/whoami").status_code == 401  # disabled
    events = [e["type"] for e in amsterdam.client.get("/v1/events").json]
    assert events == ["report.updated"]

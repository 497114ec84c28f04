"""End to end on loopback, the municipality's side of the chain: a housing corporation, an energy supplier
and a health insurer push their sample exports (messy rows included) to a live hub; Haarlem's
``signaal reports serve`` hears of each report by webhook and pulls it, opening one report per household;
its case system's outcomes go back with ``signaal outcomes push`` (messy rows rejected by line and field);
and ``signaal ddas export`` writes a delivery that validates against the official DDAS v0.9 JSON Schema."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from flask import Flask

from adapters.config import load_config
from adapters.localstore import LocalStore
from adapters.report import read_report
from tests.support.chain import Chain
from tests.support.municipality import (
    SentRow,
    deliver_webhooks,
    hub_reports,
    personal_values,
    register_other_municipalities,
    rows_routed_to,
    set_up_municipality,
)
from tests.support.servers import serve
from tests.support.signaal import run, sample, set_up_partner

CREDITORS = {"housing": "woonstad", "energy": "eneco", "health_insurer": "zk-vgz"}
CODE = "0392"
MONTH = "2026-10"
DDAS_SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "ddas" / "json_schema_Uitwisselmodel.json"
#: How long the receiver may take to pull what it was told about; a bound on waiting, not a timing check.
PATIENCE_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live(app: Flask) -> Iterator[tuple[str, Chain]]:
    chain = Chain(app)
    register_other_municipalities(chain, CODE, dt.date.today())
    with serve(app) as url:
        yield url, chain


@pytest.fixture
def receiver(tmp_path: Path, live: tuple[str, Chain], database_url: str) -> Iterator[tuple[Path, str, Path]]:
    """Haarlem set up with `signaal init`, subscribed, and `signaal reports serve` running as a process."""
    home = set_up_municipality(tmp_path, database_url, live[0], CODE)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hub-notifications"
    subscribed = run("reports", "subscribe", "--dir", str(home), "--url", url)
    assert subscribed.exit_code == 0, subscribed.output
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "adapters.cli", "reports", "serve", "--dir", str(home), "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--interval", "3600"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        _wait_for(lambda: "listening on" in log.read_text(), process, log)
        yield home, url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(condition: object, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():  # type: ignore[operator]
        assert process.poll() is None, f"signaal reports serve ended:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"the receiver did not get there:\n{log.read_text()}"
        time.sleep(0.1)


def _outcome_rows(households: list[str], own: list[SentRow]) -> list[list[str]]:
    first, second, third = households[:3]
    return [
        ["case_id", "date", "contact_kind", "reached", "part_of_day", "result"],
        [first, "2026-11-02", "Telefoon", "ja", "Ochtend", ""],
        [first, "03-11-2026", "", "", "", "(Budget)advies en/of quick fix"],
        [second, "2026-11-04", "Brief", "nee", "", ""],
        [third, "2026-11-05", "", "", "", "Niet opgepakt: herhaalde melding"],
        ["00000000-0000-4000-8000-000000000000", "2026-11-05", "Telefoon", "ja", "", ""],  # 6: not ours
        [second, "2026-11-05", "Fax", "ja", "", ""],  # 7: not a DDAS contact kind
        [second, "31-02-2026", "Huisbezoek", "ja", "", ""],  # 8: no such date
        [second, "2026-11-06", "Huisbezoek", "", "", ""],  # 9: reached missing
        [second, "2026-11-06", "", "", "", ""],  # 10: neither attempt nor result
    ]


def test_municipality_receives_opens_records_and_delivers(
    app: Flask, database_url: str, tmp_path: Path, live: tuple[str, Chain], receiver: tuple[Path, str, Path]
) -> None:
    hub_url, _ = live
    home, _, log = receiver
    outputs = []
    for kind, org in CREDITORS.items():
        pushed = set_up_partner(tmp_path, database_url, hub_url, org, kind).push(sample(kind))
        assert pushed.exit_code == 0, pushed.output
        outputs.append(pushed.output)
    assert deliver_webhooks(app) > 0

    # every report of Haarlem arrives by webhook: pulled, opened, stored and acknowledged
    store = LocalStore(home / "data" / "reports.sqlite3")
    headers = hub_reports(home)
    process_done = lambda: all(store.has_version(h["id"], h["version"]) for h in headers)  # noqa: E731
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not process_done():
        assert time.monotonic() < deadline, f"not every report was pulled:\n{log.read_text()}"
        time.sleep(0.1)
    deadline = time.monotonic() + PATIENCE_SECONDS
    while any(h["acknowledged_version"] < h["version"] for h in hub_reports(home)):
        assert time.monotonic() < deadline, f"not every report was acknowledged:\n{log.read_text()}"
        time.sleep(0.1)
    assert (home / "data" / "reports.sqlite3").stat().st_mode & 0o777 == 0o600

    own = rows_routed_to(CODE, CREDITORS)
    live_reports = [h for h in hub_reports(home) if h["state"] != "merged"]
    households = [store.household(h["id"]) for h in live_reports]
    placed = [signal.signal_id for household in households for signal in household.signals]
    assert sorted(placed) == sorted(row.signal_id for row in own)  # each signal in exactly one household
    opened = {s.signal_id: s.identity for h in households for s in h.signals}
    assert opened == {row.signal_id: row.identity for row in own}
    assert any(len({s.creditor_id for s in h.signals}) > 1 for h in households)
    for household in households:  # a household's signals were linked, with the reason why
        assert len(household.links) >= len(household.signals) - 1
    listed = store.list_reports(limit=1000)
    assert {r.case_id for r in listed} == {h["id"] for h in live_reports}
    crisis = [r.crisis_date for r in listed if r.crisis_date]
    assert crisis == sorted(crisis) and listed[: len(crisis)] == [r for r in listed if r.crisis_date]
    case_files = sorted((home / "data" / "case-system").glob("reports-*.csv"))
    assert case_files and all(p.stat().st_mode & 0o777 == 0o600 for p in case_files)
    in_files = set()
    for path in case_files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            in_files |= {row["signal_id"] for row in csv.DictReader(handle)}
    assert in_files == {row.signal_id for row in own}

    # the case system's outcomes: households with an October signal first
    in_month = {row.signal_id for row in own if row.signal_date.strftime("%Y-%m") == MONTH}
    ranked = sorted(households, key=lambda h: (not {s.signal_id for s in h.signals} & in_month, -len(h.signals)))
    chosen = [h.summary.case_id for h in ranked]
    outcomes = tmp_path / "uitkomsten.csv"
    with outcomes.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(_outcome_rows(chosen, own))
    pushed = run("outcomes", "push", "--dir", str(home), str(outcomes))
    outputs.append(pushed.output)
    assert pushed.exit_code == 0, pushed.output
    assert "uitkomsten.csv: 9 rows, 4 valid, 5 rejected" in pushed.output
    assert "sent 4 outcome(s) to the hub; 0 refused" in pushed.output
    report = home / "data" / "reports" / "uitkomsten.outcomes-rejected.csv"
    assert [(r["line"], r["field"]) for r in read_report(report)] == [
        ("6", "case_id"),
        ("7", "contact_kind"),
        ("8", "date"),
        ("9", "reached"),
        ("10", "row"),
    ]
    client = load_config(home).client()
    first = client.get(f"/v1/municipality/reports/{chosen[0]}").json()
    assert first["state"] == "closed" and first["result"] == "(Budget)advies en/of quick fix"
    assert first["contacts"] == [{"kind": "Telefoon", "reached": True, "date": "2026-11-02", "part_of_day": "Ochtend"}]
    second = client.get(f"/v1/municipality/reports/{chosen[1]}").json()
    assert second["state"] != "closed" and [c["kind"] for c in second["contacts"]] == ["Brief"]
    again = run("outcomes", "push", "--dir", str(home), str(outcomes))
    assert "sent 0 outcome(s) to the hub" in again.output  # recorded once, sent once

    # the DDAS delivery of October; the pull after the outcomes brings the hub's view of them home
    assert run("reports", "pull", "--dir", str(home)).exit_code == 0
    target = tmp_path / "ddas.json"
    exported = run("ddas", "export", "--dir", str(home), "--month", MONTH, "--out", str(target))
    outputs.append(exported.output)
    assert exported.exit_code == 0, exported.output
    document = json.loads(target.read_text(encoding="utf-8"))
    if DDAS_SCHEMA.exists():
        schema = json.loads(DDAS_SCHEMA.read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        assert not [error.message for error in validator.iter_errors(document)]
    delivery = document["leveringen"][0]
    assert delivery["gemeentecode"] == CODE
    assert (document["startdatumLevering"], document["einddatumLevering"]) == ("2026-10-01", "2026-10-31")
    by_id = {row.signal_id: row for row in own}
    assert {s["ID"] for s in delivery["vroegsignalen"]} == in_month
    for item in delivery["vroegsignalen"]:
        assert item["bedrag"] == (by_id[item["ID"]].amount_cents + 50) // 100
        assert item["client"]["Achternaam"] == by_id[item["ID"]].identity["debtors"][0]["surname"]
    first_case = next(
        z for z in delivery["vroegsignaalzaken"] if z.get("resultaat") == "(Budget)advies en/of quick fix"
    )
    assert first_case["datum_opgepakt"] == "2026-11-02" and first_case["contactpogingen"][0]["soort"] == "Telefoon"
    assert len(delivery["vroegsignaalzaken"]) == len(
        {h.summary.case_id for h in households if {s.signal_id for s in h.signals} & in_month}
    )

    # nothing personal on any console or in the receiver's log
    shown = "".join(outputs) + log.read_text()
    assert not {value for value in personal_values(own) if value in shown}

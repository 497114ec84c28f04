"""End to end on loopback: creditors set up with ``signaal init`` push the sample exports to a live hub;
each municipality opens the identities sealed for it and gets back exactly the rows' data. The defective
rows are reported by line and field, and nothing personal reaches the console, the logs or the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from adapters.push import file_digest, signal_id_for
from adapters.report import read_report
from adapters.signals import open_signal_identity
from schemas.v1.identity import dump_identity
from tests.support.chain import Chain
from tests.support.servers import serve
from tests.support.signaal import (
    Partner,
    reading_of,
    register_municipalities,
    run,
    sample,
    set_up_partner,
    stored_signals,
)

CREDITORS = {"housing": "woonstad", "energy": "eneco", "water": "vitens", "health_insurer": "zk-vgz"}


@pytest.fixture
def live(app: Flask) -> Iterator[tuple[str, Chain]]:
    """The hub served on loopback, with the sample routing table and every municipality it routes to."""
    chain = Chain(app)
    register_municipalities(chain, dt.date.today())
    with serve(app) as url:
        yield url, chain


def _opened_identities(chain: Chain) -> dict[str, dict[str, object]]:
    """Every signal each municipality received, opened with its own private key: id -> identity (wire)."""
    opened = {}
    for party in chain.parties.values():
        page = party.client.get("/v1/municipality/signals?limit=1000")
        assert page.status_code == 200, page.data
        for view in page.json["signals"]:
            sealed = {k: view["sealed"][k] for k in ("recipient", "key_id", "suite", "ciphertext")}
            envelope = {"signal_id": view["id"], "sector": view["sector"], "sealed_identity": sealed}
            opened[view["id"]] = dump_identity(open_signal_identity(envelope, party.encryption_key, party.org_id))
    return opened


def _personal_values(kind: str) -> set[str]:
    values: set[str] = set()
    for row in reading_of(kind).rows:
        debtor, address = row.identity["debtors"][0], row.identity["address"]
        values |= {debtor["surname"], address["street"], address["postcode"], row.identity["creditor_reference"]}
        values |= {debtor[k] for k in ("email", "phone", "bsn") if k in debtor}
    return {value for value in values if len(value) > 4}


def test_creditors_push_the_samples_and_municipalities_open_exactly_their_rows(
    app: Flask, database_url: str, tmp_path: Path, live: tuple[str, Chain], caplog: pytest.LogCaptureFixture
) -> None:
    url, chain = live
    expected: dict[str, dict[str, object]] = {}
    for kind, org in CREDITORS.items():
        partner = set_up_partner(tmp_path, database_url, url, org, kind)
        reading = reading_of(kind)
        result = partner.push(sample(kind))
        assert result.exit_code == 0, result.output
        valid, rejected = len(reading.rows), len(reading.rejected_lines)
        assert f"{reading.total} rows, {valid} valid, {rejected} rejected" in result.output
        assert f"sent {valid} ({valid} new, 0 already at the hub)" in result.output
        assert stored_signals(app, org) == valid
        report = next((partner.home / "data" / "reports").iterdir())
        assert sorted({int(r["line"]) for r in read_report(report)}) == reading.rejected_lines
        shown = result.output + report.read_text(encoding="utf-8-sig") + caplog.text
        assert not {value for value in _personal_values(kind) if value in shown}
        digest = file_digest(sample(kind))
        for row in reading.rows:
            expected[str(signal_id_for(org, digest, row.line))] = dump_identity(row.identity)
    assert _opened_identities(chain) == expected


def test_pushing_the_same_file_again_sends_nothing(
    app: Flask, database_url: str, tmp_path: Path, live: tuple[str, Chain]
) -> None:
    partner = set_up_partner(tmp_path, database_url, live[0], "woonstad", "housing")
    assert partner.push(sample("housing")).exit_code == 0
    again = partner.push(sample("housing"))
    assert again.exit_code == 0, again.output
    assert "nothing to send: all 25 signals of this file were sent earlier" in again.output
    assert stored_signals(app, "woonstad") == 25


def test_dry_run_validates_routes_and_reports_but_sends_nothing(
    app: Flask, database_url: str, tmp_path: Path, live: tuple[str, Chain]
) -> None:
    partner = set_up_partner(tmp_path, database_url, live[0], "zk-vgz", "health_insurer")
    report = tmp_path / "report.csv"
    result = partner.push(sample("health_insurer"), "--dry-run", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "123 rows, 120 valid, 3 rejected" in result.output and "dry run: nothing was sent" in result.output
    assert [(r["line"], r["field"]) for r in read_report(report)] == [
        ("31", "attestations.written_reminder_sent"),
        ("58", "attestations.written_reminder_sent"),
        ("121", "amount_cents"),
    ]
    assert stored_signals(app, "zk-vgz") == 0


def test_status_shows_what_became_of_each_signal(
    app: Flask, database_url: str, tmp_path: Path, live: tuple[str, Chain]
) -> None:
    url, chain = live
    partner: Partner = set_up_partner(tmp_path, database_url, url, "woonstad", "housing")
    assert partner.push(sample("housing")).exit_code == 0
    views = [
        (party, view)
        for party in chain.parties.values()
        for view in party.client.get("/v1/municipality/signals").json["signals"]
    ]
    (gm1, first), (gm2, second), (gm3, third) = views[:3]
    assert gm1.client.post(f"/v1/municipality/signals/{first['id']}/ack").status_code == 200
    assert (
        gm2.client.post(f"/v1/municipality/signals/{second['id']}/outcome", {"status": "Opgepakt"}).status_code == 200
    )
    repeat = {"status": "Niet opgepakt: herhaalde melding"}
    assert gm3.client.post(f"/v1/municipality/signals/{third['id']}/outcome", repeat).status_code == 200
    local = run("signals", "status", "--dir", str(partner.home), "--local")
    assert "rows 26, rejected 1, sent 25, waiting 0" in local.output and "at the hub: unknown 25" in local.output
    result = run("signals", "status", "--dir", str(partner.home))
    assert result.exit_code == 0, result.output
    assert "housing-corporation.csv" in result.output and "complete" in result.output
    assert "at the hub: delivered 1, not_picked_up (repeat_report) 1, picked_up 1, received 22" in result.output


def test_a_municipal_tax_office_pushes_its_json_lines_export(
    app: Flask, database_url: str, tmp_path: Path, live: tuple[str, Chain]
) -> None:
    partner = set_up_partner(tmp_path, database_url, live[0], "gm0363-belastingen", "municipal_taxes")
    result = partner.push(sample("municipal_taxes"))
    assert result.exit_code == 0, result.output
    assert stored_signals(app, "gm0363-belastingen") == len(reading_of("municipal_taxes").rows)

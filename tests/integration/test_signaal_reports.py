"""``signaal reports pull`` and ``signaal refer`` against a live hub on loopback: idempotent pulls that store
before they acknowledge, files for the case system, errors a person can act on (a wrong key file, an
unreachable hub), and a referral whose identity only the debt-help organisation can open."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from adapters import crypto, keyfiles
from adapters.casefiles import CSV_COLUMNS
from adapters.localstore import LocalStore
from adapters.settlements import open_part
from tests.support.chain import Chain
from tests.support.municipality import hub_reports, register_other_municipalities, rows_routed_to, set_up_municipality
from tests.support.servers import serve
from tests.support.signaal import run, sample, set_up_partner

CODE = "0392"


@pytest.fixture
def haarlem(app: Flask, database_url: str, tmp_path: Path) -> Iterator[tuple[Path, Chain]]:
    """Haarlem set up with `signaal init` on a live hub, after the housing corporation pushed its export."""
    chain = Chain(app)
    register_other_municipalities(chain, CODE, dt.date.today())
    with serve(app) as url:
        home = set_up_municipality(tmp_path, database_url, url, CODE)
        pushed = set_up_partner(tmp_path, database_url, url, "woonstad", "housing").push(sample("housing"))
        assert pushed.exit_code == 0, pushed.output
        yield home, chain


def _pull(home: Path, *extra: str) -> tuple[int, str]:
    result = run("reports", "pull", "--dir", str(home), *extra)
    return result.exit_code, result.output


def test_pull_stores_opens_acknowledges_and_writes_case_files_once(haarlem: tuple[Path, Chain]) -> None:
    home, _ = haarlem
    own = rows_routed_to(CODE, {"housing": "woonstad"})
    status, output = _pull(home)
    assert status == 0, output
    reports = hub_reports(home)
    assert f"stored {len(reports)} report version(s) with {len(own)} identities opened" in output
    assert all(h["acknowledged_version"] == h["version"] for h in reports)
    files = sorted((home / "data" / "case-system").iterdir())
    assert [p.suffix for p in files] == [".csv", ".json"]
    with files[0].open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        rows = list(reader)
    by_signal = {row.signal_id: row for row in own}
    assert {r["signal_id"] for r in rows} == set(by_signal)
    for row in rows:
        sent = by_signal[row["signal_id"]]
        debtor = sent.identity["debtors"][int(row["debtor"]) - 1]
        assert (row["surname"], row["postcode"]) == (debtor["surname"], sent.identity["address"]["postcode"])
        assert row["amount_euros"] == f"{sent.amount_cents / 100:.2f}" and row["sector"] == "Huur"
    document = json.loads(files[1].read_text(encoding="utf-8"))
    assert {s["signal_id"] for r in document["reports"] for s in r["signals"]} == set(by_signal)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)

    status, output = _pull(home)
    assert (status, output.strip()) == (0, "nothing new at the hub")
    assert len(list((home / "data" / "case-system").iterdir())) == 2
    store = LocalStore(home / "data" / "reports.sqlite3")
    assert {s.signal_id: s.identity for c in store.case_ids() for s in store.household(c).signals} == {
        row.signal_id: row.identity for row in own
    }


def test_a_wrong_key_file_stores_and_acknowledges_nothing(haarlem: tuple[Path, Chain]) -> None:
    home, _ = haarlem
    key_file = home / "keys" / "encryption.key"
    original = key_file.read_bytes()
    key_file.write_bytes(b"not a key\n")
    status, output = _pull(home)
    assert status == 1 and "encryption" in output and "key" in output
    other = crypto.generate_encryption_key()  # a valid key, but not the one registered
    keyfiles.write_secret(key_file, crypto.encryption_key_to_file(other), overwrite=True)
    status, output = _pull(home)
    assert status == 1, output
    assert "cannot be opened with this key" in output and "signaal whoami" in output
    assert all(h["acknowledged_version"] == 0 for h in hub_reports(home))  # the hub keeps every identity
    keyfiles.write_secret(key_file, original, overwrite=True)
    status, output = _pull(home)
    assert status == 0, output
    assert all(h["acknowledged_version"] == h["version"] for h in hub_reports(home))


def test_an_unreachable_hub_says_what_to_check(haarlem: tuple[Path, Chain]) -> None:
    home, _ = haarlem
    config = home / "config.toml"
    text = config.read_text()
    hub_url = next(line.split('"')[1] for line in text.splitlines() if line.startswith("hub_url"))
    config.write_text(text.replace(hub_url, "http://127.0.0.1:9"))
    status, output = _pull(home)
    assert status == 1
    assert "cannot reach the hub at http://127.0.0.1:9" in output and "check hub_url in config.toml" in output


def test_refer_reseals_the_identity_for_the_debt_help_organisation_only(haarlem: tuple[Path, Chain]) -> None:
    home, chain = haarlem
    bank = chain.add("kredietbank", "debt_help")
    assert _pull(home)[0] == 0
    store = LocalStore(home / "data" / "reports.sqlite3")
    case_id = store.list_reports()[0].case_id
    refused = run("refer", case_id, "--dir", str(home), "--to", "kredietbank")
    assert refused.exit_code == 1 and "no consent names kredietbank" in refused.output
    done = run(
        "refer", case_id, "--dir", str(home), "--to", "kredietbank", "--consent", "in_person", "--reference", "VS-1"
    )
    assert done.exit_code == 0, done.output
    assert f"referred {case_id} to kredietbank" in done.output and "pending" in done.output
    pending = bank.client.get("/v1/debt-help/referrals?state=pending").json["referrals"]
    assert [r["case_id"] for r in pending] == [case_id]
    opened = open_part(
        pending[0]["sealed_identity"], "referral.identity", pending[0]["id"], bank.encryption_key, "kredietbank"
    )
    identities = list(store.identities(case_id).values())
    assert opened["address"] == identities[0]["address"] and opened["municipality_reference"] == "VS-1"
    assert {d["surname"] for d in opened["debtors"]} <= {d["surname"] for i in identities for d in i["debtors"]}
    assert all("bsn" not in debtor for debtor in opened["debtors"])
    assert [r["state"] for r in store.referrals(case_id)][-1] == "pending"
    again = run("refer", case_id, "--dir", str(home), "--to", "kredietbank")
    assert again.exit_code == 1 and "case_in_debt_help" in again.output

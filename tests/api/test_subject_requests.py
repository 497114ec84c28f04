"""Data-subject requests through the real app and database (SQLite and PostgreSQL): the municipality's access
export lists every kind of item the hub holds for a case with who can open it; erasure deletes the case's data
in one transaction, keeps what the law needs, records itself in the evidence log, tells the organisations that
received the data, and makes every read of the case answer 410."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from adapters.settlements import seal_part
from hub.cli import cli
from hub.db import tables as t
from tests.support.chain import Chain, Party, identity
from tests.support.receiver import Receiver
from tests.support.servers import serve
from tests.support.settlement import Desk, build_case, new_id, record_consent

ALL_KINDS = {
    "case",
    "signal",
    "person_record",
    "sealed_envelope",
    "tokens",
    "link",
    "report",
    "report_version",
    "report_contact",
    "consent_record",
    "consent_event",
    "consent_decision",
    "referral",
    "dossier",
    "dossier_creditor",
    "settlement_message",
    "outbox_event",
    "webhook_delivery",
    "evidence_entry",
}


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363", suite="x25519")
    chain.add("gm0518", "municipality", "0518", suite="x25519")
    chain.add("kredietbank", "debt_help", suite="x25519")
    chain.add("woonstad", "housing", suite="x25519")
    chain.add("vattenfall", "energy", suite="x25519")
    chain.add("evides", "water", suite="x25519")
    return chain


@pytest.fixture
def desk(app: Flask, chain: Chain) -> Desk:
    """A case of three signals, a contact attempt, consent, a referral accepted into a dossier with one
    creditor in the hub and one outside it, a notice sent, and every event delivered to webhooks."""
    gm, parties = chain.parties["gm0363"], chain.parties
    case_id = build_case(chain, gm, [parties["woonstad"], parties["vattenfall"], parties["evides"]])
    contact = {"kind": "Brief", "reached": False, "date": dt.date.today().isoformat()}
    assert gm.client.post(f"/v1/municipality/reports/{case_id}/contacts", contact).status_code == 201
    desk = Desk(chain, gm, parties["kredietbank"], case_id)
    record_consent(gm, case_id, "debt_help_referral", ["kredietbank"])
    desk.open_dossier()
    record_consent(desk.debt_help, case_id, "settlement_negotiation", ["kredietbank", "woonstad", "vattenfall"])
    desk.add(parties["woonstad"])
    desk.add_outside("incasso", "Incassobureau Noord")
    assert desk.post("notices", {"messages": desk.messages("notice", [parties["woonstad"]])}).status_code == 201
    return desk


def _webhook(app: Flask, party: Party, receiver: Receiver, url: str) -> None:
    """Register a webhook for the party and deliver what is pending (the receiver checks its secret)."""
    response = party.client.post("/v1/webhooks", {"url": f"{url}/{party.org_id}"})
    assert response.status_code == 201, response.data
    receiver.secret = response.json["secret"]
    app.extensions["signaalhub"].dispatcher.run_once()


def _export(party: Party, case_id: str) -> Any:
    return party.client.get(f"/v1/municipality/cases/{case_id}/subject-access")


def _erase(party: Party, case_id: str, ground: str = "consent_withdrawn") -> Any:
    return party.client.post(f"/v1/municipality/cases/{case_id}/erasure", {"ground": ground})


def _end_dossier(desk: Desk) -> None:
    woonstad = desk.chain.parties["woonstad"]
    message_id = new_id()
    sealed = seal_part({"note": "ended"}, "settlement.ended", message_id, woonstad.recipient)
    body = {
        "outcome": "withdrawn",
        "reason": "household_withdrew",
        "messages": [{"message_id": message_id, "participant_id": desk.participants["woonstad"], "sealed": sealed}],
    }
    response = desk.post("ended", body)
    assert response.status_code == 201, response.data


def test_access_export_lists_every_kind_with_who_can_open_it(app: Flask, chain: Chain, desk: Desk) -> None:
    gm = chain.parties["gm0363"]
    receiver = Receiver()
    with serve(receiver) as url:
        _webhook(app, gm, receiver, url)
    assert receiver.received and receiver.bad_signatures == 0
    assert (
        chain.parties["kredietbank"]
        .client.post("/v1/consents/check", {"purpose": "debt_help_referral", "case_id": desk.case_id})
        .status_code
        == 200
    )

    response = _export(gm, desk.case_id)
    assert response.status_code == 200, response.data
    export = response.json
    assert export["case_id"] == desk.case_id and export["municipality_id"] == "gm0363"
    kinds = {item["kind"] for item in export["items"]}
    assert kinds >= ALL_KINDS, ALL_KINDS - kinds
    assert export["counts"]["signal"] == 3 and export["counts"]["report_contact"] == 1

    by_id = {(i["kind"], i["id"]): i for i in export["items"]}
    for item in export["items"]:
        assert item["what"] and item["retention"] and item["stored_at"] is not None, item
    # sealed envelopes name the organisation and key that can open them, and never carry ciphertext
    sealed = [i for i in export["items"] if i["kind"] == "sealed_envelope"]
    gm_key = gm.recipient.key_id
    identities = [i for i in sealed if i["id"].endswith(":identity")]
    assert len(identities) == 3
    assert all(i["sealed_for"]["organisation_id"] == "gm0363" for i in identities)
    assert all(i["sealed_for"]["key_id"] == gm_key and i["sealed_for"]["size_bytes"] > 0 for i in identities)
    assert all(i["kept_until"] is not None and i["readable_by"] == ["gm0363"] for i in identities)
    references = {i["sealed_for"]["organisation_id"] for i in sealed if i["id"].endswith(":reference")}
    assert references == {"woonstad", "vattenfall", "evides"}
    notice = next(i for i in sealed if i["facts"]["of"] == "message")
    assert notice["sealed_for"]["organisation_id"] == "woonstad"
    assert notice["sealed_for"]["key_id"] == chain.parties["woonstad"].recipient.key_id
    note = next(i for i in sealed if i["facts"]["of"] == "creditor_note")
    assert note["sealed_for"]["organisation_id"] == "kredietbank"
    assert not any(i["sealed_for"] for i in export["items"] if i["kind"] != "sealed_envelope")
    # tokens are counted per kind, never shown, and nobody can read them
    tokens = [i for i in export["items"] if i["kind"] == "tokens"]
    assert tokens and all(i["readable_by"] == [] and i["facts"]["count"] >= 1 for i in tokens)
    assert not any("token_hash" in i["facts"] for i in tokens)
    # who can read the hub-visible facts
    case_item = by_id[("case", desk.case_id)]
    assert case_item["readable_by"] == ["gm0363"] and case_item["kept_until"] is None  # help follows: no term
    dossier = by_id[("dossier", desk.dossier_id)]
    assert dossier["readable_by"] == ["kredietbank"]
    consent_items = [i for i in export["items"] if i["kind"] == "consent_record"]
    assert {i["facts"]["purpose"] for i in consent_items} == {"debt_help_referral", "settlement_negotiation"}
    assert all(i["kept_until"] is None and "7(1)" in i["retention"] for i in consent_items)
    actions = {i["facts"]["action"] for i in export["items"] if i["kind"] == "evidence_entry"}
    assert {"signal.submit", "referral.create", "consent.record", "case.access_export"} <= actions
    deliveries = [i for i in export["items"] if i["kind"] == "webhook_delivery"]
    assert deliveries and all(i["readable_by"] == ["gm0363"] for i in deliveries)
    # no raw bytes anywhere: no ciphertext, no token hashes
    text = json.dumps(export)
    assert "ciphertext" not in text and "token_hash" not in text


def test_only_the_case_municipality_may_ask(chain: Chain, desk: Desk) -> None:
    other = chain.parties["gm0518"]
    for response in (_export(other, desk.case_id), _erase(other, desk.case_id)):
        assert response.status_code == 404 and response.json["code"] == "case_unknown"
    for org in ("woonstad", "kredietbank"):
        response = _export(chain.parties[org], desk.case_id)
        assert response.status_code == 403 and response.json["code"] == "kind_not_allowed"
    bad = chain.parties["gm0363"].client.post(f"/v1/municipality/cases/{desk.case_id}/erasure", {"ground": "because"})
    assert bad.status_code == 422 and [p["name"] for p in bad.json["invalid_params"]] == ["ground"]


def test_erasure_removes_the_case_keeps_what_the_law_needs_and_tells_the_recipients(
    app: Flask, chain: Chain, desk: Desk
) -> None:
    gm, services = chain.parties["gm0363"], app.extensions["signaalhub"]
    # another household of the same municipality must survive the erasure
    envelope = chain.signal(
        chain.parties["evides"], gm, identity(surname="Jansen", prefix=None, street="Dorpsstraat", house_number=3)
    )
    assert chain.parties["evides"].client.post("/v1/signals", envelope).status_code == 201
    survivor_signal = str(envelope["signal_id"])

    refused = _erase(gm, desk.case_id)
    assert refused.status_code == 409 and refused.json["code"] == "case_in_debt_help"
    _end_dossier(desk)

    export = _export(gm, desk.case_id).json
    signal_ids = [i["id"] for i in export["items"] if i["kind"] == "signal"]
    consent_ids = [i["id"] for i in export["items"] if i["kind"] == "consent_record"]

    receiver = Receiver()
    with serve(receiver) as url:
        _webhook(app, chain.parties["kredietbank"], receiver, url)  # delivers what was pending before erasure
        with services.engine.connect() as conn:
            evidence_before = conn.execute(sa.select(sa.func.count()).select_from(t.evidence)).scalar_one()
        receiver.received.clear()

        erased = _erase(gm, desk.case_id)
        assert erased.status_code == 200, erased.data
        result = erased.json
        assert result["case_id"] == desk.case_id and result["ground"] == "consent_withdrawn"
        assert "17(1)(b)" in result["legal_ground"]
        assert result["deleted"]["signals"] == 3 and result["deleted"]["dossiers"] == 1
        assert result["deleted"]["signal_sealed_envelopes"] == 6 and result["deleted"]["settlement_sealed_parts"] >= 2
        assert set(result["retained"]) == {"evidence_entries", "consent_records", "consent_decisions", "tombstone"}
        # the organisations that received the case's data; not the signal-only creditor, not the asker
        assert result["notified"] == ["kredietbank", "vattenfall", "woonstad"]
        services.dispatcher.run_once()
    [hook] = receiver.received
    assert hook["body"]["type"] == "case.erased"
    assert hook["body"]["data"] == {"object": "case", "id": desk.case_id}
    assert receiver.bad_signatures == 0
    for org in ("vattenfall", "woonstad"):
        events = chain.parties[org].client.get("/v1/events").json
        assert [e["type"] for e in events if e["data"]["id"] == desk.case_id] == ["case.erased"]
    assert not [e for e in chain.parties["evides"].client.get("/v1/events").json if e["type"] == "case.erased"]
    evides_signal = next(
        i["id"] for i in export["items"] if i["kind"] == "signal" and i["facts"]["creditor_id"] == "evides"
    )
    gone = chain.parties["evides"].client.get(f"/v1/signals/{evides_signal}")
    assert gone.status_code == 404  # the source learns nothing of the case, as after the retention purge

    with services.engine.connect() as conn:

        def count(table: sa.Table, condition: Any) -> int:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one())

        assert count(t.signals, t.signals.c.id.in_(signal_ids)) == 0
        assert count(t.signal_blobs, t.signal_blobs.c.signal_id.in_(signal_ids)) == 0
        assert count(t.signal_tokens, t.signal_tokens.c.signal_id.in_(signal_ids)) == 0
        assert count(t.signal_links, t.signal_links.c.signal_id.in_(signal_ids)) == 0
        assert count(t.signal_persons, t.signal_persons.c.signal_id.in_(signal_ids)) == 0
        assert count(t.cases, t.cases.c.id == desk.case_id) == 0
        assert count(t.reports, t.reports.c.case_id == desk.case_id) == 0
        assert count(t.report_changes, t.report_changes.c.case_id == desk.case_id) == 0
        assert count(t.report_contacts, t.report_contacts.c.case_id == desk.case_id) == 0
        assert count(t.referrals, t.referrals.c.case_id == desk.case_id) == 0
        assert count(t.dossiers, t.dossiers.c.case_id == desk.case_id) == 0
        assert count(t.dossier_creditors, sa.true()) == 0
        assert count(t.settlement_messages, sa.true()) == 0
        assert count(t.settlement_blobs, sa.true()) == 0
        assert count(t.outbox, t.outbox.c.object_id.in_(signal_ids)) == 0
        about_case = conn.execute(sa.select(t.outbox.c.event_type).where(t.outbox.c.object_id == desk.case_id))
        assert set(about_case.scalars()) == {"case.erased"}
        # kept: the other household, the consent records, the evidence log (with the erasure), the tombstone
        assert count(t.signals, t.signals.c.id == survivor_signal) == 1
        assert count(t.signal_tokens, t.signal_tokens.c.signal_id == survivor_signal) > 0
        assert count(t.consent_records, t.consent_records.c.id.in_(consent_ids)) == 2
        assert count(t.consent_decisions, t.consent_decisions.c.case_id == desk.case_id) > 0
        assert count(t.evidence, sa.true()) == evidence_before + 1
        entry = conn.execute(sa.select(t.evidence).where(t.evidence.c.action == "case.erase")).one()
        assert entry.organisation_id == "gm0363" and entry.object_id == desk.case_id and entry.signature
        stone = conn.execute(sa.select(t.case_erasures)).one()
        assert stone.case_id == desk.case_id and stone.evidence_seq == entry.seq and stone.ground == "consent_withdrawn"
        assert stone.counts == result["deleted"]
    assert result["evidence_seq"] == entry.seq
    assert services.evidence.verify().first_break is None


def test_reads_of_an_erased_case_answer_410(chain: Chain, desk: Desk) -> None:
    gm = chain.parties["gm0363"]
    _end_dossier(desk)
    assert _erase(gm, desk.case_id, "no_longer_needed").status_code == 200
    case = desk.case_id
    reads = [
        gm.client.get(f"/v1/municipality/cases/{case}"),
        gm.client.get(f"/v1/municipality/reports/{case}"),
        _export(gm, case),
        _erase(gm, case),
        gm.client.post(
            f"/v1/municipality/reports/{case}/contacts", {"kind": "Brief", "reached": True, "date": "2026-01-05"}
        ),
        gm.client.get(f"/v1/consents?case_id={case}"),
        chain.parties["kredietbank"].client.post(
            "/v1/consents/check", {"purpose": "debt_help_referral", "case_id": case}
        ),
    ]
    for response in reads:
        assert response.status_code == 410, (response.request.path, response.data)
        assert response.mimetype == "application/problem+json"
        assert response.json["code"] == "case_erased" and response.json["case_id"] == case
    referral = desk.refer()
    assert referral["status"] == 410 and referral["json"]["code"] == "case_erased"
    other = chain.parties["gm0518"].client.get(f"/v1/municipality/cases/{case}")
    assert other.status_code == 404  # another municipality learns nothing, not even that it was erased


def test_operator_cli_exports_and_erases_for_the_municipality(
    app: Flask, chain: Chain, desk: Desk, database_url: str, tmp_path: Path
) -> None:
    env = {"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(app.extensions["signaalhub"].settings.data_dir)}
    runner = CliRunner()
    target = tmp_path / "export.json"
    wrong = runner.invoke(cli, ["case", "export", desk.case_id, "--municipality", "gm0518"], env=env)
    assert wrong.exit_code == 1 and "case_unknown" in wrong.output
    done = runner.invoke(
        cli, ["case", "export", desk.case_id, "--municipality", "gm0363", "--output", str(target)], env=env
    )
    assert done.exit_code == 0, done.output
    export = json.loads(target.read_text())
    assert {i["kind"] for i in export["items"]} >= {"signal", "sealed_envelope", "dossier", "evidence_entry"}

    _end_dossier(desk)
    erased = runner.invoke(
        cli, ["case", "erase", desk.case_id, "--municipality", "gm0363", "--ground", "objection", "--yes"], env=env
    )
    assert erased.exit_code == 0, erased.output
    assert (
        f"erased case {desk.case_id}" in erased.output
        and "notified: kredietbank, vattenfall, woonstad" in erased.output
    )
    again = runner.invoke(cli, ["case", "export", desk.case_id, "--municipality", "gm0363"], env=env)
    assert again.exit_code == 1 and "case_erased" in again.output
    with app.extensions["signaalhub"].engine.connect() as conn:
        entry = conn.execute(sa.select(t.evidence).where(t.evidence.c.action == "case.erase")).one()
    assert entry.organisation_id == "operator:cli" and entry.signature is None

"""Who sees what of a settlement: a creditor never another creditor's claim or identity; a debt-help
organisation only its own dossiers; no disclosure without a legal basis or consent; retries are idempotent."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from tests.support.chain import Chain, Party
from tests.support.settlement import Desk, build_case, new_id, record_consent


@pytest.fixture
def desk(app: Flask) -> Desk:
    chain = Chain(app)
    gm = chain.add("gm0363", "municipality", "0363", suite="x25519")
    chain.add("gm0599", "municipality", "0599", suite="x25519")
    kredietbank = chain.add("kredietbank", "debt_help", suite="x25519")
    chain.add("plangroep", "debt_help", suite="x25519")
    for name, kind in (("woonstad", "housing"), ("vattenfall", "energy"), ("evides", "water")):
        chain.add(name, kind, suite="x25519")
    case_id = build_case(chain, gm, [chain.parties["woonstad"], chain.parties["vattenfall"]])
    return Desk(chain, gm, kredietbank, case_id)


def _ready(desk: Desk) -> tuple[Party, Party, Party]:
    """An open dossier with three creditors that stated their claims."""
    woonstad, vattenfall, evides = (desk.chain.parties[n] for n in ("woonstad", "vattenfall", "evides"))
    record_consent(desk.municipality, desk.case_id, "debt_help_referral", ["kredietbank"])
    desk.open_dossier()
    record_consent(
        desk.debt_help, desk.case_id, "settlement_negotiation", ["kredietbank", "woonstad", "vattenfall", "evides"]
    )
    for creditor in (woonstad, vattenfall, evides):
        desk.add(creditor)
    assert (
        desk.post("notices", {"messages": desk.messages("notice", [woonstad, vattenfall, evides])}).status_code == 201
    )
    for index, creditor in enumerate((woonstad, vattenfall, evides)):
        claim = {"principal_cents": 100_000 * (index + 1), "interest_cents": 0, "costs_cents": 0, "preferential": False}
        assert desk.creditor_post(creditor, "claim-statement", **claim).status_code == 201
    return woonstad, vattenfall, evides


def test_a_creditor_sees_only_its_own_claim_and_never_another_creditor(desk: Desk) -> None:
    woonstad, vattenfall, _ = _ready(desk)
    own = woonstad.client.get("/v1/creditor/settlements").json["settlements"]
    assert [s["participant_id"] for s in own] == [desk.participants["woonstad"]]
    everything = json.dumps([own, woonstad.client.get("/v1/creditor/messages").json])
    assert "vattenfall" not in everything and "evides" not in everything and "200000" not in everything
    other = desk.participants["vattenfall"]
    assert woonstad.client.get(f"/v1/creditor/settlements/{other}").status_code == 404
    stolen = desk.creditor_message(
        woonstad, kind="claim_statement", principal_cents=1, interest_cents=0, costs_cents=0, preferential=False
    )
    assert woonstad.client.post(f"/v1/creditor/settlements/{other}/claim-statement", stolen).status_code == 404
    message_to_vattenfall = vattenfall.client.get("/v1/creditor/messages").json["messages"][0]["id"]
    assert woonstad.client.get(f"/v1/creditor/messages/{message_to_vattenfall}").status_code == 404
    assert woonstad.client.post(f"/v1/creditor/messages/{message_to_vattenfall}/ack").status_code == 404


def test_a_debt_help_organisation_sees_only_its_own_dossiers(desk: Desk) -> None:
    _ready(desk)
    plangroep = desk.chain.parties["plangroep"]
    assert plangroep.client.get("/v1/debt-help/dossiers").json["dossiers"] == []
    assert plangroep.client.get(f"/v1/debt-help/dossiers/{desk.dossier_id}").status_code == 404
    body = {"participant_id": new_id(), "creditor_id": "evides"}
    assert (
        plangroep.client.post(f"/v1/debt-help/dossiers/{desk.dossier_id}/creditors", body).json["code"]
        == "dossier_unknown"
    )
    assert plangroep.client.get("/v1/debt-help/messages").json["messages"] == []
    assert [d["id"] for d in desk.debt_help.client.get("/v1/debt-help/dossiers").json["dossiers"]] == [desk.dossier_id]


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("woonstad", "/v1/debt-help/dossiers"),
        ("gm0363", "/v1/debt-help/dossiers"),
        ("kredietbank", "/v1/creditor/settlements"),
        ("kredietbank", "/v1/admin/convenants"),
        ("woonstad", "/v1/municipality/referrals"),
    ],
)
def test_each_audience_has_its_own_routes(desk: Desk, who: str, path: str) -> None:
    response = desk.chain.parties[who].client.get(path)
    assert response.status_code == 403 and response.json["code"] == "kind_not_allowed"


def test_no_referral_without_consent_and_only_of_your_own_case(desk: Desk) -> None:
    refused = desk.refer()
    assert refused["status"] == 403 and refused["json"]["code"] == "no_legal_basis"
    record_consent(desk.municipality, desk.case_id, "debt_help_referral", ["kredietbank"])
    other_municipality = Desk(desk.chain, desk.chain.parties["gm0599"], desk.debt_help, desk.case_id)
    assert other_municipality.refer()["json"]["code"] == "case_unknown"
    first = desk.refer()
    assert first["status"] == 201
    assert desk.refer()["json"]["code"] == "case_in_debt_help"  # one referral at a time


def test_case_data_and_the_multi_creditor_notice_need_consent(desk: Desk) -> None:
    record_consent(desk.municipality, desk.case_id, "debt_help_referral", ["kredietbank"])
    desk.open_dossier()
    signals = desk.debt_help.client.get(f"/v1/debt-help/dossiers/{desk.dossier_id}/case-signals")
    assert signals.status_code == 403 and signals.json["code"] == "no_legal_basis"
    evides = desk.chain.parties["evides"]
    body = {"participant_id": new_id(), "creditor_id": "evides"}
    assert desk.post("creditors", body).json["code"] == "no_legal_basis"  # not named in any consent
    record_consent(
        desk.debt_help, desk.case_id, "settlement_negotiation", ["kredietbank", "woonstad", "vattenfall", "evides"]
    )
    assert desk.debt_help.client.get(f"/v1/debt-help/dossiers/{desk.dossier_id}/case-signals").status_code == 200
    for name in ("woonstad", "vattenfall", "evides"):
        desk.add(desk.chain.parties[name])
    ask = f"/v1/creditor/settlements/{desk.participants['evides']}/other-creditors"
    assert evides.client.post(ask).json["code"] == "no_legal_basis"
    record_consent(desk.debt_help, desk.case_id, "multi_creditor_notice", ["evides"])
    notice = evides.client.post(ask)
    assert notice.status_code == 200, notice.data
    assert notice.json["other_creditors"] is True and notice.json["count"] == 2
    [message] = evides.client.get("/v1/creditor/messages").json["messages"]
    assert message["kind"] == "multi_creditor_notice" and set(message["facts"]) == {"other_creditors", "count"}


def test_retries_are_idempotent_and_reused_ids_conflict(desk: Desk) -> None:
    woonstad, vattenfall, _ = _ready(desk)
    batch = {"messages": desk.messages("claim_request", [woonstad, vattenfall])}
    assert desk.post("claim-requests", batch).status_code == 201
    again = desk.post("claim-requests", batch)
    assert again.status_code == 200 and {r["outcome"] for r in again.json["results"]} == {"duplicate"}
    changed = {"messages": [{**batch["messages"][0], "participant_id": desk.participants["vattenfall"]}]}
    assert desk.post("claim-requests", changed).json["code"] == "message_id_reused"
    bad_seal = {
        "messages": [
            {
                **desk.messages("status", [woonstad], status="in_progress")[0],
                "participant_id": desk.participants["vattenfall"],
            }
        ]
    }
    refused = desk.post("status", bad_seal)
    assert refused.status_code == 422 and refused.json["invalid_params"][0]["name"] == "messages.0.sealed.recipient"


def test_messages_out_of_turn_are_refused(desk: Desk) -> None:
    woonstad, _, _ = _ready(desk)
    early = desk.post("proposal/send", {"messages": desk.messages("proposal", [woonstad])})
    assert early.status_code == 409 and early.json["code"] == "dossier_state"
    answer = desk.creditor_post(woonstad, "proposal-answer", answer="accept")
    assert answer.status_code == 409 and answer.json["code"] == "dossier_state"
    assert desk.post("state", {"state": "running"}).json["code"] == "transition_refused"
    ended = desk.post("ended", {"outcome": "withdrawn", "reason": "household_withdrew", "messages": []})
    assert ended.json["code"] == "creditors_missing"  # every creditor that heard of it must hear the end

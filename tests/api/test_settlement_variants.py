"""Turns a settlement can take: a corrected claim makes a draft proposal stale, an SA (no repayment
capacity) is never accepted in advance, a revised proposal voids the answers to the old one, and a dossier
that ended frees its case for a new referral. Creditors hear of every message through their events."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.chain import Chain, Party
from tests.support.settlement import Desk, build_case, new_id, record_consent


@pytest.fixture
def desk(app: Flask) -> Desk:
    chain = Chain(app)
    gm = chain.add("gm0363", "municipality", "0363", suite="x25519")
    kredietbank = chain.add("kredietbank", "debt_help", suite="x25519")
    admin = chain.add("hub-ops", "hub_admin", suite="x25519")
    woonstad, evides = chain.add("woonstad", "housing", suite="x25519"), chain.add("evides", "water", suite="x25519")
    convenant = {
        "id": "aedes-rdam",
        "name": "Aedes Rotterdam",
        "response_days": 14,
        "reminder_days": 3,
        "pause_on_notice": True,
        "accepts_compliant_in_advance": True,
        "parties": ["woonstad", "kredietbank"],
    }
    assert admin.client.post("/v1/admin/convenants", convenant).status_code == 201
    desk = Desk(chain, gm, kredietbank, build_case(chain, gm, [woonstad, evides]))
    record_consent(gm, desk.case_id, "debt_help_referral", ["kredietbank"])
    desk.open_dossier()
    record_consent(kredietbank, desk.case_id, "settlement_negotiation", ["kredietbank", "woonstad", "evides"])
    desk.add(woonstad)
    desk.add(evides)
    assert desk.post("notices", {"messages": desk.messages("notice", [woonstad, evides])}).status_code == 201
    for creditor, principal in ((woonstad, 120_000), (evides, 30_000)):
        claim = {"principal_cents": principal, "interest_cents": 0, "costs_cents": 0, "preferential": False}
        assert desk.creditor_post(creditor, "claim-statement", **claim).status_code == 201
    return desk


def _propose(desk: Desk, **offer: Any) -> dict[str, Any]:
    body = {"proposal_id": new_id(), **offer, "shares": []}
    refused = desk.post("proposal", body)
    assert refused.json["code"] == "shares_incorrect", refused.data
    checked = desk.post("proposal", {**body, "shares": refused.json["expected_shares"]})
    assert checked.status_code == 201, checked.data
    return dict(checked.json)


def _parties(desk: Desk) -> tuple[Party, Party]:
    return desk.chain.parties["woonstad"], desk.chain.parties["evides"]


def test_a_corrected_claim_makes_the_draft_stale(desk: Desk) -> None:
    _, evides = _parties(desk)
    _propose(desk, kind="regular", monthly_capacity_cents=2_000, term_months=18)
    assert desk.view()["state"] == "proposal"
    claim = {"principal_cents": 35_000, "interest_cents": 500, "costs_cents": 0, "preferential": False}
    assert desk.creditor_post(evides, "claim-statement", **claim).status_code == 201
    view = desk.view()
    assert view["state"] == "inventory" and view["proposal"] is None
    proposal = _propose(desk, kind="regular", monthly_capacity_cents=2_000, term_months=18)
    assert proposal["total_admitted_cents"] == 120_000 + 35_500 and proposal["amount_offered_cents"] == 36_000


def test_sa_is_answered_by_each_creditor_and_a_revision_voids_the_answers(desk: Desk) -> None:
    woonstad, evides = _parties(desk)
    sa = _propose(desk, kind="sa")
    assert sa["amount_offered_cents"] == 0 and all(s["share_cents"] == 0 for s in sa["shares"])
    [check] = sa["convenant_checks"]
    assert check["compliant"] is False and "SA" in check["reason"]
    assert desk.post("proposal/send", {"messages": desk.messages("proposal", [woonstad, evides])}).status_code == 201
    own = woonstad.client.get(f"/v1/creditor/settlements/{desk.participants['woonstad']}").json
    assert own["answer"] is None and own["deadline"]["request"] == "proposal" and own["offer"]["share_cents"] == 0
    assert (
        desk.creditor_post(woonstad, "proposal-answer", answer="reject", reason="percentage_too_low").status_code == 201
    )
    assert desk.creditor_post(woonstad, "proposal-answer", answer="accept").json["code"] == "already_answered"

    _propose(desk, kind="saneringskrediet", monthly_capacity_cents=1_000, lump_sum_cents=60_000)
    assert all(c["answer"] is None for c in desk.view()["creditors"])  # the answers to the SA lapsed
    assert desk.post("proposal/send", {"messages": desk.messages("proposal", [woonstad, evides])}).status_code == 201
    own = woonstad.client.get(f"/v1/creditor/settlements/{desk.participants['woonstad']}").json
    assert own["answer"]["under_convenant"] == "aedes-rdam"  # 60,000 at once beats 18 months of 1,000
    assert desk.creditor_post(evides, "proposal-answer", answer="accept").status_code == 201
    agreed = desk.post(
        "agreed", {"first_payment_on": "2027-02-01", "messages": desk.messages("agreed", [woonstad, evides])}
    )
    assert agreed.status_code == 201, agreed.data


def test_an_ended_dossier_frees_its_case_and_creditors_heard_of_everything(desk: Desk) -> None:
    woonstad, evides = _parties(desk)
    again = desk.refer()
    assert again["json"]["code"] == "case_in_debt_help"
    body = {
        "outcome": "withdrawn",
        "reason": "household_withdrew",
        "messages": desk.messages("ended", [woonstad, evides]),
    }
    ended = desk.post("ended", body)
    assert ended.status_code == 201, ended.data
    assert desk.view()["state"] == "withdrawn" and desk.view()["allowed_states"] == []
    assert desk.post("ended", body).status_code == 200  # a retry
    late = desk.creditor_post(evides, "status", kind="creditor_status", status="payment_received")
    assert late.status_code == 409 and late.json["code"] == "dossier_state"
    assert desk.refer()["status"] == 201  # the case may be referred again
    events = [e["type"] for e in woonstad.client.get("/v1/events").json]
    assert events.count("settlement.notice") == 1 and events.count("settlement.ended") == 1

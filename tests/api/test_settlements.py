"""Flow 4-5 through the real app: a household with 14 creditors goes from referral to an agreed settlement.
Three housing corporations are under a convenant that accepts compliant proposals in advance, three energy
suppliers under one that pauses collection but answers itself, seven creditors under none, and one creditor
is not connected to the hub. Every request is signed; every personal part is sealed by the adapter library."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from adapters.settlements import open_part
from hub.db.tables import evidence, outbox, settlement_messages
from tests.support import privacy
from tests.support.chain import Chain, Party
from tests.support.settlement import REFERRAL_IDENTITY, Desk, build_case, new_id, open_message, record_consent

HOUSING = ["woonstad", "havensteder", "vestia"]
ENERGY = ["vattenfall", "eneco", "essent"]
OTHERS = [("evides", "water"), ("dunea", "water"), ("vitens", "water")] + [
    (name, "health_insurer") for name in ("zilveren-kruis", "cz-zorg", "vgz", "menzis")
]
# claims in cents (principal, interest, costs); menzis is preferential
CLAIMS = {
    name: (150_000 + 37_111 * i, 1_234 * i, 4_000) for i, name in enumerate(HOUSING + ENERGY + [n for n, _ in OTHERS])
}


@pytest.fixture
def desk(app: Flask) -> Desk:
    chain = Chain(app)
    gm = chain.add("gm0363", "municipality", "0363", suite="x25519")
    kredietbank = chain.add("kredietbank", "debt_help", suite="x25519")
    admin = chain.add("hub-ops", "hub_admin", suite="x25519")
    for name in HOUSING:
        chain.add(name, "housing", suite="x25519")
    for name in ENERGY:
        chain.add(name, "energy", suite="x25519")
    for name, kind in OTHERS:
        chain.add(name, kind, suite="x25519")
    convenants = [
        {
            "id": "aedes-rdam",
            "name": "Aedes-modelconvenant Rotterdam",
            "response_days": 14,
            "reminder_days": 3,
            "pause_on_notice": True,
            "accepts_compliant_in_advance": True,
            "parties": [*HOUSING, "kredietbank"],
        },
        {
            "id": "energie-nl",
            "name": "Convenant energie",
            "response_days": 21,
            "reminder_days": 5,
            "pause_on_notice": True,
            "accepts_compliant_in_advance": False,
            "parties": [*ENERGY, "kredietbank"],
        },
    ]
    for body in convenants:
        response = admin.client.post("/v1/admin/convenants", body)
        assert response.status_code == 201, response.data
    case_id = build_case(chain, gm, [chain.parties[n] for n in ("woonstad", "vattenfall", "evides")])
    return Desk(chain, gm, kredietbank, case_id)


def _creditors(desk: Desk) -> list[Party]:
    return [desk.chain.parties[n] for n in HOUSING + ENERGY + [n for n, _ in OTHERS]]


def _inbox(party: Party, path: str) -> list[dict[str, Any]]:
    response = party.client.get(f"{path}?unacknowledged=true")
    assert response.status_code == 200, response.data
    return list(response.json["messages"])


def test_fourteen_creditors_from_referral_to_agreed(app: Flask, desk: Desk) -> None:
    creditors, kredietbank = _creditors(desk), desk.debt_help
    record_consent(desk.municipality, desk.case_id, "debt_help_referral", ["kredietbank"])

    # Referral: the identity re-sealed for the debt-help organisation; accepted, the dossier opens.
    referral = desk.refer()
    assert referral["status"] == 201 and referral["json"]["sealed_identity"] is None, referral
    [incoming] = kredietbank.client.get("/v1/debt-help/referrals?state=pending").json["referrals"]
    opened = open_part(
        incoming["sealed_identity"], "referral.identity", incoming["id"], kredietbank.encryption_key, "kredietbank"
    )
    assert opened["debtors"][0]["surname"] == REFERRAL_IDENTITY["debtors"][0]["surname"]
    dossier = desk.accept(referral["referral_id"])
    assert dossier["state"] == "opened" and dossier["creditors"] == []
    assert desk.municipality.client.get("/v1/municipality/referrals").json["referrals"][0]["state"] == "accepted"

    # Inventory: consent for the negotiation names the debt-help organisation and the 13 creditors in the hub.
    record_consent(kredietbank, desk.case_id, "settlement_negotiation", ["kredietbank"] + [c.org_id for c in creditors])
    signals = kredietbank.client.get(f"/v1/debt-help/dossiers/{desk.dossier_id}/case-signals").json
    assert sorted(s["creditor_id"] for s in signals) == ["evides", "vattenfall", "woonstad"]
    for creditor in creditors:
        desk.add(creditor)
    view = desk.add_outside("incasso", "Incassobureau Noord")
    assert len(view["creditors"]) == 14
    outside = next(c for c in view["creditors"] if c["handled_outside"])
    note = open_part(
        outside["sealed_note"],
        "settlement.creditor_note",
        outside["participant_id"],
        kredietbank.encryption_key,
        "kredietbank",
    )
    assert note["creditor_name"] == "Incassobureau Noord"
    by_org = {c["creditor_id"]: c for c in view["creditors"]}
    assert by_org["woonstad"]["convenant"]["id"] == "aedes-rdam" and by_org["eneco"]["convenant"]["id"] == "energie-nl"
    assert by_org["evides"]["convenant"] is None

    assert desk.post("notices", {"messages": desk.messages("notice", creditors)}).status_code == 201
    assert desk.post("claim-requests", {"messages": desk.messages("claim_request", creditors)}).status_code == 201
    view = desk.view()
    assert view["state"] == "inventory"
    paused = {c["creditor_id"] for c in view["creditors"] if c["collection_paused"]}
    assert paused == set(HOUSING + ENERGY)
    assert all(c["deadline"]["request"] == "claim_request" for c in view["creditors"] if c["creditor_id"])

    # Each creditor opens its notice (the pause instruction is in the facts) and states its claim.
    for creditor in creditors:
        notice, request = _inbox(creditor, "/v1/creditor/messages")
        assert notice["kind"] == "notice" and notice["facts"]["pause_collection"] == (
            creditor.org_id in HOUSING + ENERGY
        )
        assert open_message(notice, creditor)["debtors"][0]["surname"] == "Meer"
        for message in (notice, request):
            assert creditor.client.post(f"/v1/creditor/messages/{message['id']}/ack").json["sealed"] is None
        principal, interest, costs = CLAIMS[creditor.org_id]
        response = desk.creditor_post(
            creditor,
            "claim-statement",
            principal_cents=principal,
            interest_cents=interest,
            costs_cents=costs,
            preferential=creditor.org_id == "menzis",
            agreed_in_advance="aedes-rdam" if creditor.org_id in HOUSING else None,
        )
        assert response.status_code == 201, response.data
    desk.post(
        f"creditors/{desk.participants['incasso']}/record",
        {"claim": {"principal_cents": 80_000, "interest_cents": 0, "costs_cents": 1_500, "preferential": False}},
    )

    # The proposal: 18 months of 450 euro, preferential creditors 30% first; wrong shares come back corrected.
    view = desk.view()
    assert all(c["deadline"] is None for c in view["creditors"])
    proposal = {
        "proposal_id": new_id(),
        "kind": "regular",
        "monthly_capacity_cents": 45_000,
        "term_months": 18,
        "preferential_share_bp": 3_000,
    }
    naive = [{"participant_id": c["participant_id"], "share_cents": 45_000 * 18 // 14} for c in view["creditors"]]
    refused = desk.post("proposal", {**proposal, "shares": naive})
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert refused.json["code"] == "shares_incorrect" and refused.json["amount_offered_cents"] == 810_000
    expected = refused.json["expected_shares"]
    assert sum(s["share_cents"] for s in expected) == 810_000 and len(expected) == 14
    checked = desk.post("proposal", {**proposal, "shares": expected})
    assert checked.status_code == 201, checked.data
    compliant = {c["participant_id"] for c in checked.json["convenant_checks"] if c["compliant"]}
    assert compliant == {desk.participants[n] for n in HOUSING}

    # Sent: the housing corporations are answered "accepted under convenant aedes-rdam" at once.
    assert desk.post("proposal/send", {"messages": desk.messages("proposal", creditors)}).status_code == 201
    answers = [m for m in _inbox(kredietbank, "/v1/debt-help/messages") if m["kind"] == "proposal_answer"]
    assert sorted(a["facts"]["creditor_id"] for a in answers) == sorted(HOUSING)
    assert all(a["facts"]["under_convenant"] == "aedes-rdam" and a["sender_id"] == "hub" for a in answers)
    woonstad = desk.chain.parties["woonstad"]
    own = woonstad.client.get(f"/v1/creditor/settlements/{desk.participants['woonstad']}").json
    assert own["answer"]["under_convenant"] == "aedes-rdam" and own["deadline"] is None
    assert own["offer"]["share_cents"] == next(
        s["share_cents"] for s in expected if s["participant_id"] == own["participant_id"]
    )

    # The others answer; vgz rejects, is asked to reconsider, and accepts. The outside creditor by hand.
    for creditor in creditors[3:]:
        answer = (
            {"answer": "reject", "reason": "percentage_too_low"} if creditor.org_id == "vgz" else {"answer": "accept"}
        )
        assert desk.creditor_post(creditor, "proposal-answer", **answer).status_code == 201
    assert desk.post("agreed", {"first_payment_on": "2027-01-01", "messages": []}).json["code"] == "not_all_accepted"
    vgz = desk.chain.parties["vgz"]
    assert desk.post("reconsiderations", {"messages": desk.messages("reconsideration", [vgz])}).status_code == 201
    assert desk.creditor_post(vgz, "proposal-answer", answer="accept").status_code == 201
    desk.post(f"creditors/{desk.participants['incasso']}/record", {"answer": {"answer": "accept"}})

    agreed = desk.post("agreed", {"first_payment_on": "2027-01-01", "messages": desk.messages("agreed", creditors)})
    assert agreed.status_code == 201, agreed.data
    view = desk.view()
    assert view["state"] == "agreed" and view["first_payment_on"] == "2027-01-01"
    assert all(c["answer"]["answer"] == "accept" for c in view["creditors"])
    assert sum(c["share_cents"] for c in view["creditors"]) == view["proposal"]["amount_offered_cents"] == 810_000
    assert desk.post("state", {"state": "running"}).json["state"] == "running"

    services = app.extensions["signaalhub"]
    assert services.evidence.verify().first_break is None
    with services.engine.connect() as conn:
        events = (
            conn.execute(sa.select(outbox.c.event_type).where(outbox.c.event_type.like("settlement.%"))).scalars().all()
        )
        stored = conn.execute(sa.select(sa.func.count()).select_from(settlement_messages)).scalar_one()
        actions = set(conn.execute(sa.select(evidence.c.action)).scalars())
    assert len(events) == stored  # every message was announced to its recipient
    # the hub stayed blind: no name, street, date of birth, counsellor or outside creditor in any column
    needles = ["Nadiakade", "Pieter Cornelis", "1974-06-17", "A. de Vries", "Incassobureau Noord", "INC-7788"]
    assert privacy.scan(services.engine, needles) == []
    assert privacy.scan(services.engine, ["kredietbank"]) != []  # the scan does find what is there
    assert {
        "referral.create",
        "referral.accept",
        "settlement.notice",
        "settlement.proposal_checked",
        "settlement.agreed",
    } <= actions

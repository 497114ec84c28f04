"""Consent through the real app and database: a debt-help service gets a case's data only with a legal
basis, withdrawal stops it at once and tells the recipients, and every decision is in the evidence log."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hub.db.tables import consent_decisions, consent_events, evidence
from tests.support.consent import consent_body
from tests.support.signing import SignedClient

CASE = "case-4711"


@pytest.fixture
def parties(register: Callable[..., SignedClient]) -> dict[str, SignedClient]:
    return {
        "gm0363": register("gm0363", "municipality", "0363"),
        "kredietbank": register("kredietbank", "debt_help"),
        "plangroep": register("plangroep", "debt_help"),
        "woonstad": register("woonstad", "housing"),
        "vitens": register("vitens", "water"),
    }


def _consent(**overrides: Any) -> dict[str, Any]:
    return {**consent_body(CASE, days=180), **overrides}


def _check(client: SignedClient, purpose: str = "debt_help_referral", case_id: str = CASE) -> Any:
    return client.post("/v1/consents/check", {"purpose": purpose, "case_id": case_id})


def test_debt_help_needs_consent_and_loses_access_at_once_on_withdrawal(parties: dict[str, SignedClient]) -> None:
    gm, bank = parties["gm0363"], parties["kredietbank"]
    before = _check(bank)
    assert before.status_code == 403 and before.json["code"] == "no_legal_basis"
    assert "needs consent" in before.json["detail"]

    created = gm.post("/v1/consents", _consent())
    assert created.status_code == 201, created.data
    consent = created.json
    assert consent["state"] == "active" and [e["event"] for e in consent["events"]] == ["given"]

    allowed = _check(bank)
    assert allowed.status_code == 200 and allowed.json["allowed"] is True
    assert allowed.json["code"] == "consent" and allowed.json["consent_id"] == consent["id"]
    assert _check(parties["plangroep"]).status_code == 403  # not named: no access

    withdrawn = gm.post(f"/v1/consents/{consent['id']}/withdraw", {"method": "in_writing"})
    assert withdrawn.status_code == 200 and withdrawn.json["state"] == "withdrawn"
    assert [e["event"] for e in withdrawn.json["events"]] == ["given", "withdrawn"]
    after = _check(bank)
    assert after.status_code == 403 and after.json["code"] == "no_legal_basis" and "withdrawn" in after.json["detail"]

    [event] = bank.get("/v1/events").json
    assert event["type"] == "consent.withdrawn"
    assert event["data"] == {"object": "case_purpose", "id": f"{CASE}/debt_help_referral"}
    assert gm.get("/v1/events").json == []  # the organisation that recorded the withdrawal knows


def test_statute_purposes_allow_without_consent_for_the_right_kinds_only(parties: dict[str, SignedClient]) -> None:
    gm = parties["gm0363"]
    statute = _check(gm, "wgs_early_warning")
    assert statute.status_code == 200 and statute.json["code"] == "statute" and "Wgs art. 3" in statute.json["basis"]
    assert _check(gm, "debt_help_referral").json["code"] == "statute"  # the college's own debt-help task
    for other in ("kredietbank", "woonstad"):
        denied = _check(parties[other], "wgs_early_warning")
        assert denied.status_code == 403 and "No legal basis" in denied.json["detail"]
    assert _check(parties["woonstad"], "multi_creditor_notice").status_code == 403  # consent purpose


def test_every_allow_and_deny_decision_is_in_the_evidence_log(app: Flask, parties: dict[str, SignedClient]) -> None:
    gm, bank, woonstad = parties["gm0363"], parties["kredietbank"], parties["woonstad"]
    _check(bank)  # deny: no consent
    consent = gm.post("/v1/consents", _consent()).json
    _check(bank)  # allow: consent
    _check(gm, "wgs_early_warning")  # allow: statute
    _check(woonstad, "wgs_early_warning")  # deny: kind
    gm.post(f"/v1/consents/{consent['id']}/withdraw", {"method": "digital"})
    _check(bank)  # deny: withdrawn
    services = app.extensions["signaalhub"]
    with services.engine.connect() as conn:
        decisions = conn.execute(sa.select(consent_decisions).order_by(consent_decisions.c.id)).all()
        entries = {e.seq: e for e in conn.execute(sa.select(evidence).where(evidence.c.action.like("consent.%")))}
    assert [(d.organisation_id, d.allowed, d.code) for d in decisions] == [
        ("kredietbank", False, "no_consent"),
        ("kredietbank", True, "consent"),
        ("gm0363", True, "statute"),
        ("woonstad", False, "kind_not_eligible"),
        ("kredietbank", False, "consent_withdrawn"),
    ]
    for decision in decisions:
        entry = entries[decision.evidence_seq]
        assert entry.organisation_id == decision.organisation_id
        assert entry.action == f"consent.{'allow' if decision.allowed else 'deny'}.{decision.code}"
        assert entry.object_type == "case_purpose" and entry.object_id == f"{CASE}/{decision.purpose}"
        assert entry.signature is not None  # the signed request that asked is kept as proof
    actions = sorted(e.action for e in entries.values() if not e.action.startswith(("consent.allow", "consent.deny")))
    assert actions == ["consent.record", "consent.withdraw"]
    assert services.evidence.verify().first_break is None


def test_parties_read_decisions_relevant_to_them(parties: dict[str, SignedClient]) -> None:
    gm, bank = parties["gm0363"], parties["kredietbank"]
    gm.post("/v1/consents", _consent())
    _check(bank)
    _check(parties["plangroep"])
    mine = bank.get(f"/v1/consent-decisions?case_id={CASE}").json
    assert [(d["organisation_id"], d["allowed"]) for d in mine] == [("kredietbank", True)]
    recorder = gm.get(f"/v1/consent-decisions?case_id={CASE}").json  # the purposes it recorded consent for
    assert [(d["organisation_id"], d["code"]) for d in recorder] == [
        ("kredietbank", "consent"),
        ("plangroep", "no_consent"),
    ]
    assert parties["woonstad"].get(f"/v1/consent-decisions?case_id={CASE}").json == []


def test_who_may_record_read_renew_and_withdraw(parties: dict[str, SignedClient]) -> None:
    gm, bank, woonstad = parties["gm0363"], parties["kredietbank"], parties["woonstad"]
    assert woonstad.post("/v1/consents", _consent()).json["code"] == "kind_not_allowed"
    consent = gm.post("/v1/consents", _consent()).json
    assert [c["id"] for c in bank.get(f"/v1/consents?case_id={CASE}").json] == [consent["id"]]
    assert woonstad.get(f"/v1/consents?case_id={CASE}").json == []
    assert woonstad.get(f"/v1/consents/{consent['id']}").status_code == 404
    assert parties["plangroep"].get(f"/v1/consents/{consent['id']}/receipt").status_code == 404

    now = dt.datetime.now(dt.UTC)
    renewal = {
        "renewed_at": now.isoformat(),
        "method": "digital",
        "expires_at": (now + dt.timedelta(days=300)).isoformat(),
    }
    renewed = bank.post(f"/v1/consents/{consent['id']}/renew", renewal)  # the recipient met the person
    assert renewed.status_code == 200 and renewed.json["expires_at"].startswith(
        (now + dt.timedelta(days=300)).date().isoformat()
    )
    assert [e["event"] for e in renewed.json["events"]] == ["given", "renewed"]

    assert bank.post(f"/v1/consents/{consent['id']}/withdraw", {"method": "in_person"}).status_code == 200
    assert (
        gm.post(f"/v1/consents/{consent['id']}/withdraw", {"method": "in_person"}).json["code"] == "consent_withdrawn"
    )
    again = gm.post(f"/v1/consents/{consent['id']}/renew", renewal)
    assert again.status_code == 409 and again.json["code"] == "consent_withdrawn"
    [event] = gm.get("/v1/events").json  # a recipient withdrew: the recorder hears it
    assert event["type"] == "consent.withdrawn"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purpose": "wgs_early_warning"}, "purpose"),
        ({"purpose": "marketing"}, "purpose"),
        ({"recipients": ["woonstad"]}, "recipients.0"),
        ({"recipients": ["kredietbank", "nobody"]}, "recipients.1"),
        ({"recipients": ["kredietbank", "kredietbank"]}, "recipients"),
        ({"case_id": "has spaces"}, "case_id"),
        ({"method": "by_telepathy"}, "method"),
        ({"given_at": "2026-01-01T00:00:00"}, "given_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_consent_is_422_naming_the_field(
    parties: dict[str, SignedClient], overrides: dict[str, Any], field: str
) -> None:
    response = parties["gm0363"].post("/v1/consents", _consent(**overrides))
    assert response.status_code == 422, response.data
    assert field in [p["name"] for p in response.json["invalid_params"]]


def test_term_is_bounded_by_the_purpose(parties: dict[str, SignedClient]) -> None:
    now = dt.datetime.now(dt.UTC)
    too_long = _consent(expires_at=(now + dt.timedelta(days=366)).isoformat())
    response = parties["gm0363"].post("/v1/consents", too_long)
    assert response.status_code == 422 and "at most 365 days" in response.json["invalid_params"][0]["reason"]
    three_years = _consent(purpose="settlement_negotiation", recipients=["woonstad", "vitens", "kredietbank"])
    assert parties["kredietbank"].post("/v1/consents", three_years).status_code == 201


def test_consent_events_are_never_updated(app: Flask, parties: dict[str, SignedClient]) -> None:
    parties["gm0363"].post("/v1/consents", _consent())
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), app.extensions["signaalhub"].engine.begin() as conn:
        conn.execute(consent_events.update().values(method="digital"))

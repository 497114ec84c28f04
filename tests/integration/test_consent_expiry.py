"""Warning before consent expires, on the real database: the recorder hears once per term, a renewal is warned
about again, and withdrawn consent or a term beyond the warning period is not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from hub.jobs import JOBS
from hub.services.consent_expiry import ConsentExpiryService
from tests.support.consent import consent_body
from tests.support.signing import SignedClient

CASE = "case-0815"


@pytest.fixture
def parties(register: Callable[..., SignedClient]) -> dict[str, SignedClient]:
    return {
        "gm0363": register("gm0363", "municipality", "0363"),
        "kredietbank": register("kredietbank", "debt_help"),
    }


def _record(gm: SignedClient, now: dt.datetime, days: int, case_id: str = CASE) -> str:
    response = gm.post("/v1/consents", consent_body(case_id, days=days, now=now))
    assert response.status_code == 201, response.data
    return str(response.json["id"])


def _expiring(client: SignedClient) -> list[dict[str, Any]]:
    return [e for e in client.get("/v1/events").json if e["type"] == "consent.expiring"]


def _job(app: Flask, at: dt.datetime) -> int:
    services = app.extensions["signaalhub"]
    return ConsentExpiryService(services.engine, services.settings, lambda: at).run()


def test_the_recorder_is_warned_once_per_term(app: Flask, parties: dict[str, SignedClient]) -> None:
    gm, bank = parties["gm0363"], parties["kredietbank"]
    now = dt.datetime.now(dt.UTC)
    soon = _record(gm, now, days=10)
    later = _record(gm, now, days=60, case_id="case-0816")
    withdrawn = _record(gm, now, days=5, case_id="case-0817")
    assert gm.post(f"/v1/consents/{withdrawn}/withdraw", {"method": "in_writing"}).status_code == 200
    now = dt.datetime.now(dt.UTC)  # the job runs after the withdrawal

    assert _job(app, now) == 1  # 10 days is within the 14-day warning period; 60 is not; withdrawn is never
    [event] = _expiring(gm)
    assert event["data"] == {"object": "consent", "id": soon}
    assert _expiring(bank) == []  # the recorder asks the person to renew; the recipient is not told
    assert _job(app, now + dt.timedelta(hours=1)) == 0  # once per term

    renewed = {
        "renewed_at": now.isoformat(),
        "method": "digital",
        "expires_at": (now + dt.timedelta(days=12)).isoformat(),
    }
    assert gm.post(f"/v1/consents/{soon}/renew", renewed).status_code == 200
    assert _job(app, now + dt.timedelta(hours=2)) == 1  # a new term is warned about again
    assert [e["data"]["id"] for e in _expiring(gm)] == [soon, soon]

    assert _job(app, now + dt.timedelta(days=47)) == 1  # the 60-day consent is now 13 days from its end
    assert [e["data"]["id"] for e in _expiring(gm)][-1] == later
    assert _job(app, now + dt.timedelta(days=61)) == 0  # expired: nothing left to renew in time


def test_the_scheduler_runs_the_warning(app: Flask, parties: dict[str, SignedClient]) -> None:
    now = dt.datetime.now(dt.UTC)
    consent_id = _record(parties["gm0363"], now, days=3)
    job = next(j for j in JOBS if j.id == "consent.expiry")
    assert job.run(app.extensions["signaalhub"]) == 1
    assert [e["data"]["id"] for e in _expiring(parties["gm0363"])] == [consent_id]

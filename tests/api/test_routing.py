"""Routing at the hub: the published table, and signals routed with a stale table or to a merged
municipality are refused with codes that tell the adapter to refresh."""

import datetime as dt

import pytest
from flask import Flask

from adapters.signals import Attestations
from hub.domain.evidence import Actor
from tests.support.chain import SAMPLE_ROUTING, Chain, identity
from tests.support.signing import signed_headers


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("gm0457", "municipality", "0457")
    chain.add("woonstad", "housing")
    return chain


def test_table_is_published_with_an_etag(chain: Chain) -> None:
    woonstad = chain.parties["woonstad"]
    response = woonstad.client.get("/v1/routing")
    assert response.status_code == 200
    assert response.json["version"] == chain.routing_version
    assert response.headers["ETag"] == f'"{chain.routing_version}"'
    assert len(response.json["entries"]) == 23
    headers = signed_headers(
        woonstad.client.private_key, woonstad.client.key_id, "GET", "http://localhost/v1/routing", b""
    )
    cached = woonstad.client.client.get("/v1/routing", headers={**headers, "If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304


def test_signal_before_the_merger_goes_to_weesp_and_after_it_is_refused(chain: Chain) -> None:
    weesp, woonstad = chain.parties["gm0457"], chain.parties["woonstad"]
    before = chain.signal(
        woonstad,
        weesp,
        identity(),
        signal_date=dt.date(2022, 3, 23),
        arrears_since=dt.date(2022, 1, 1),
        attestations=_attested(dt.date(2022, 3, 1)),
    )
    assert woonstad.client.post("/v1/signals", before).status_code == 201
    after = chain.signal(
        woonstad,
        weesp,
        identity(),
        signal_date=dt.date(2022, 3, 24),
        arrears_since=dt.date(2022, 1, 1),
        attestations=_attested(dt.date(2022, 3, 1)),
    )
    response = woonstad.client.post("/v1/signals", after)
    assert response.status_code == 422
    assert response.json["code"] == "municipality_merged"
    assert response.json["invalid_params"][0]["name"] == "municipality_code"


def _attested(day: dt.date) -> Attestations:
    return Attestations(day, day, day, day)


def test_stale_routing_version_is_refused_with_refresh_code(app: Flask, chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    old_version = chain.routing_version
    routing = app.extensions["signaalhub"].routing
    text = chain_sample_text() + "1012AB,,,0384,2020-01-01,\n"
    new = routing.import_text(Actor.operator(), text, source="changed.csv")
    assert new.changed_from == dt.date(2020, 1, 1) and not new.unchanged
    stale = chain.signal(woonstad, gm, identity())
    assert stale["routing_version"] == old_version
    response = woonstad.client.post("/v1/signals", stale)
    assert response.status_code == 422
    assert response.json["code"] == "routing_version_stale"
    assert "fetch GET /v1/routing" in response.json["invalid_params"][0]["reason"]


def test_future_change_keeps_todays_version_valid(app: Flask, chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    next_year = dt.date.today().year + 1
    text = chain_sample_text() + f"1012AB,,,0384,{next_year}-01-01,\n"
    app.extensions["signaalhub"].routing.import_text(Actor.operator(), text, source="next-year.csv")
    assert woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, identity())).status_code == 201


def test_unknown_routing_version_is_refused(chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    response = woonstad.client.post(
        "/v1/signals", {**chain.signal(woonstad, gm, identity()), "routing_version": "1999-made-up"}
    )
    assert response.status_code == 422 and response.json["code"] == "routing_version_unknown"


def test_reimporting_the_same_table_changes_nothing(app: Flask, chain: Chain) -> None:
    result = app.extensions["signaalhub"].routing.import_text(Actor.operator(), chain_sample_text(), source="again")
    assert result.unchanged and result.version == chain.routing_version


def chain_sample_text() -> str:
    return SAMPLE_ROUTING.read_text()

"""The access table is complete and enforced: deny by default, kind by kind."""

from collections.abc import Callable

import pytest
from flask import Flask

from hub.api import access
from tests.support.signing import SignedClient


def test_every_route_has_an_access_rule(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(access.RULES))
    assert missing == [], f"routes without an access rule: {missing}"


def test_no_rule_names_a_route_that_does_not_exist(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(set(access.RULES) - endpoints - {"static"}) == []


def test_only_probes_and_the_api_description_are_public() -> None:
    public = {endpoint for endpoint, kinds in access.RULES.items() if kinds is access.PUBLIC}
    assert public == {
        "static",
        "metrics",
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        "health.healthz",
        "health.readyz",
        "consent.hub_key",
    }


@pytest.mark.parametrize("kind", ["municipality", "housing", "energy", "debt_help"])
def test_non_admins_cannot_administer(register: Callable[..., SignedClient], kind: str) -> None:
    client = register("someone", kind, "0363" if kind == "municipality" else None)
    response = client.post("/v1/admin/organisations", {"id": "evil-corp", "name": "Evil", "kind": "energy"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "kind_not_allowed"
    assert client.get("/v1/admin/organisations").status_code == 403

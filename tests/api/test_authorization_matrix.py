"""Every route times every organisation kind: a kind the access table does not list gets 403
`kind_not_allowed`, whatever the path or body; a listed kind is never refused for its kind."""

import re
from collections.abc import Callable

import pytest
from flask import Flask

from hub.api import access
from hub.domain.directory import ORGANISATION_KINDS
from tests.support.signing import SignedClient

PLACEHOLDER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        allowed = access.RULES.get(rule.endpoint)
        if allowed is None or allowed is access.PUBLIC:
            continue
        path = PLACEHOLDER.sub("00000000-0000-4000-8000-000000000000", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path))
    return found


def test_every_route_refuses_every_kind_it_does_not_list(app: Flask, register: Callable[..., SignedClient]) -> None:
    clients = {
        kind: register(f"org-{kind.replace('_', '-')}", kind, "0363" if kind == "municipality" else None)
        for kind in ORGANISATION_KINDS
    }
    routes = _routes(app)
    assert len(routes) > 40
    checked = 0
    for endpoint, method, path in routes:
        allowed = access.RULES[endpoint]
        for kind, client in clients.items():
            response = client.request(method, path, {} if method in ("POST", "PUT", "PATCH") else None)
            refused = response.status_code == 403 and response.get_json()["code"] == "kind_not_allowed"
            assert refused == (kind not in allowed), (endpoint, method, kind, response.status_code)
            assert response.status_code < 500, (endpoint, method, kind, response.data[:200])
            checked += 1
    assert checked == len(routes) * len(ORGANISATION_KINDS)


@pytest.mark.parametrize("kind", ["housing", "municipality", "debt_help"])
def test_unsigned_requests_never_reach_a_protected_route(app: Flask, kind: str) -> None:
    client = app.test_client()
    for _endpoint, method, path in _routes(app):
        response = client.open(path, method=method, json={} if method in ("POST", "PUT", "PATCH") else None)
        assert response.status_code == 401, (method, path, response.status_code)

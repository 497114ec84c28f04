"""Property-based testing of every operation of the committed OpenAPI document (schemas/openapi.json) with
schemathesis, against the hub served on loopback, every request signed (RFC 9421) with the key of an
organisation whose kind may call the operation, so that the generated data reaches the handlers instead of
bouncing off authentication.

Passes when no answer is a 5xx and every answer conforms to the document: its status code, content type,
headers and body schema. Bounded and repeatable: a fixed number of examples per operation, derandomized.
The committed document is what partners build against, so that, not the live one, is what is tested (a
separate test checks that the two agree).
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev extra: pip install -e '.[dev]'")

from flask import Flask  # noqa: E402 - after the importorskip above
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi import checks as openapi_checks  # noqa: E402

from hub import Settings, create_app  # noqa: E402
from hub.api import access  # noqa: E402
from hub.db import migrate  # noqa: E402
from hub.db.engine import make_engine  # noqa: E402
from tests.support.chain import Chain  # noqa: E402
from tests.support.servers import serve  # noqa: E402
from tests.support.signing import signed_headers  # noqa: E402

DOCUMENT = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"
MAX_EXAMPLES = int(os.environ.get("HUB_SCHEMATHESIS_EXAMPLES", "8"))
#: Which registered organisation signs: the first kind in this order that the operation admits.
SIGNERS = ("municipality", "housing", "debt_help", "hub_admin")

schema = schemathesis.openapi.from_path(DOCUMENT)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]
TALLY: Counter[str] = Counter()
OPERATIONS: set[str] = set()
_lock = threading.Lock()


class Signer(requests.auth.AuthBase):
    """Signs the prepared request (its final URL and body bytes) as the organisation the route admits."""

    def __init__(self, app: Flask, chain: Chain) -> None:
        self.adapter = app.url_map.bind("127.0.0.1")
        self.parties = {party.kind: party for party in chain.parties.values()}

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        path = requests.utils.urlparse(prepared.url).path
        try:
            endpoint, _ = self.adapter.match(path, method=prepared.method)
        except Exception:  # no route (404/405): sign as anyone, the hub must still answer in the documented shape
            endpoint = ""
        allowed = access.RULES.get(str(endpoint), frozenset(SIGNERS))
        if allowed is access.PUBLIC:
            return prepared
        kind = next((k for k in SIGNERS if k in allowed), SIGNERS[0])
        party = self.parties[kind]
        body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
        headers = signed_headers(
            party.client.private_key, party.client.key_id, str(prepared.method), str(prepared.url), body
        )
        prepared.headers.update(headers)
        return prepared


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, requests.Session]]:
    """The hub on SQLite, served on loopback, with one organisation of each signing kind registered."""
    root = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{root / 'hub.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(Settings(env="test", data_dir=root / "var", database_url=url, rate_limit_per_minute=10**9))
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("woonstad", "housing")
    chain.add("schuldhulp", "debt_help")
    chain.add("hub-ops", "hub_admin")
    session = requests.Session()
    session.auth = Signer(app, chain)
    with serve(app) as base_url:
        yield base_url, session
    session.close()
    app.extensions["signaalhub"].engine.dispose()
    summary = {"operations": len(OPERATIONS), **dict(sorted(TALLY.items()))}
    print("\nschemathesis: " + json.dumps(summary, sort_keys=True))
    target = os.environ.get("HUB_RELIABILITY_FIGURES")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"test": "schemathesis", **summary}, sort_keys=True) + "\n")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_and_never_fails(case: Any, hub: tuple[str, requests.Session]) -> None:
    base_url, session = hub
    response = case.call(base_url=base_url, session=session, timeout=30)
    with _lock:
        TALLY["cases"] += 1
        TALLY[f"status_{response.status_code // 100}xx"] += 1
        OPERATIONS.add(case.operation.label)
    case.validate_response(response, checks=CHECKS)

"""The adapters' signing client against a real hub on loopback, and its retry rules against a scripted
peer that fails on purpose."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from adapters.client import HubClient, HubClientError, HubUnreachableError, RetryPolicy
from hub.domain.evidence import Actor
from tests.support.servers import serve
from tests.support.signing import new_signing_key


def _client(app: Flask, base_url: str, kind: str = "housing") -> HubClient:
    services = app.extensions["signaalhub"]
    services.directory.add_organisation(Actor.operator(), "woonstad", "Woonstad", kind)
    private, public = new_signing_key()
    services.directory.add_key(Actor.operator(), "woonstad", "signing", public, key_id="woonstad-sig")
    return HubClient(base_url, "woonstad-sig", private.sign, sleep=lambda _s: None)


def test_client_signs_requests_the_hub_accepts(app: Flask) -> None:
    with serve(app) as url:
        client = _client(app, url)
        assert client.get("/v1/whoami").json()["organisation_id"] == "woonstad"
        assert client.get("/v1/whoami").status_code == 200  # a fresh nonce every time


def test_client_raises_the_hubs_problem(app: Flask) -> None:
    with serve(app) as url:
        client = _client(app, url)
        with pytest.raises(HubClientError) as raised:
            client.post("/v1/admin/organisations", {"id": "x"})
    assert raised.value.status == 403 and raised.value.code == "kind_not_allowed"


class _Script:
    """A WSGI peer that answers from a script and records what it received."""

    def __init__(self, answers: list[tuple[int, dict[str, str]]]) -> None:
        self.answers, self.received = answers, []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.received.append(
            {"method": environ["REQUEST_METHOD"], "signature_input": environ.get("HTTP_SIGNATURE_INPUT")}
        )
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        body = json.dumps({"code": f"s{status}", "detail": "scripted"}).encode()
        start_response(f"{status} X", [("Content-Type", "application/json"), *headers.items()])
        return [body]


def test_idempotent_requests_retry_on_503_and_429_honouring_retry_after() -> None:
    script = _Script([(503, {}), (429, {"Retry-After": "7"}), (200, {})])
    waits: list[float] = []
    with serve(script) as url:
        client = HubClient(url, "k", lambda _data: b"\0" * 64, sleep=waits.append)
        assert client.get("/v1/anything").status_code == 200
    assert len(script.received) == 3
    assert len({r["signature_input"] for r in script.received}) == 3  # re-signed with a fresh nonce each time
    assert waits[1] >= 7


def test_non_idempotent_post_is_sent_once() -> None:
    script = _Script([(503, {}), (200, {})])
    with serve(script) as url:
        client = HubClient(url, "k", lambda _data: b"\0" * 64, sleep=lambda _s: None)
        with pytest.raises(HubClientError) as raised:
            client.post("/v1/thing", {"a": 1})
    assert raised.value.status == 503 and len(script.received) == 1


def test_post_marked_idempotent_is_retried() -> None:
    script = _Script([(502, {}), (201, {})])
    with serve(script) as url:
        client = HubClient(url, "k", lambda _data: b"\0" * 64, sleep=lambda _s: None)
        assert client.post("/v1/thing", {"a": 1}, idempotent=True).status_code == 201
    assert len(script.received) == 2


def test_unreachable_hub_gives_up_after_the_budget() -> None:
    waits: list[float] = []
    client = HubClient(
        "http://127.0.0.1:9",
        "k",
        lambda _data: b"\0" * 64,
        sleep=waits.append,
        retry=RetryPolicy(attempts=3, base_delay=0.1),
        timeout=(0.5, 0.5),
    )
    with pytest.raises(HubUnreachableError):
        client.get("/v1/whoami")
    assert len(waits) == 2 and all(0 <= w <= 0.4 for w in waits)

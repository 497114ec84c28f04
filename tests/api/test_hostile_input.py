"""Hostile input against the API, signed with valid keys so that it reaches the parsers and handlers: oversized
bodies, deeply nested JSON, invalid UTF-8, huge and non-finite numbers, SQL and header injection strings. The hub
answers each with a 4xx problem+json (never a 5xx), stores nothing of it, and its tables are intact afterwards.
Also the ``signaal`` CLI's file outputs: a hostile input file name or month never leads a write outside the
adapter's data directory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from adapters.config import Config
from adapters.ddas_export import Month
from adapters.push import default_report
from hub.db import tables as t
from tests.support.chain import Chain, Party, identity
from tests.support.signing import SignedClient, signed_headers

SQL_INJECTION = [
    "' OR '1'='1",
    "1; DROP TABLE signals; --",
    '" OR ""="',
    "x') UNION SELECT id, body_digest FROM signals --",
    "%27%20OR%201=1--",
    "1' AND pg_sleep(5) --",
]
HEADER_INJECTION = ["x\r\nX-Injected: 1", "x\nSet-Cookie: a=b", "x\rLocation: http://evil.example/"]


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("woonstad", "housing")
    return chain


def _raw(client: SignedClient, method: str, path: str, body: bytes, content_type: str = "application/json") -> Any:
    headers = signed_headers(client.private_key, client.key_id, method, client.base_url + path, body)
    headers["Content-Type"] = content_type
    return client.client.open(path, method=method, data=body, headers=headers, base_url=client.base_url)


def _assert_problem(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.data[:300])
    assert response.mimetype == "application/problem+json", response.mimetype
    problem: dict[str, Any] = response.get_json()
    assert problem["status"] == response.status_code and problem["code"]
    return problem


def _count(app: Flask, table: sa.Table) -> int:
    with app.extensions["signaalhub"].engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_oversized_body_is_413_before_anything_reads_it(app: Flask, chain: Chain) -> None:
    creditor = chain.parties["woonstad"].client
    limit = app.extensions["signaalhub"].settings.max_body_bytes
    body = b'{"signals": ["' + b"A" * (limit + 1) + b'"]}'
    _assert_problem(_raw(creditor, "POST", "/v1/signals/batch", body), 413)
    assert _count(app, t.signals) == 0


@pytest.mark.parametrize("depth", [64, 5_000, 200_000])
def test_deeply_nested_json_is_refused(app: Flask, chain: Chain, depth: int) -> None:
    creditor = chain.parties["woonstad"].client
    for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        wrapped = b'{"signals": ' + body + b"}"
        _assert_problem(_raw(creditor, "POST", "/v1/signals/batch", wrapped), 400, 422)
        _assert_problem(_raw(creditor, "POST", "/v1/webhooks", wrapped), 400, 422)
    assert _count(app, t.signals) == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"signals": ["\xff\xfe"]}',
        b'{"url": "http://127.0.0.1/\xc3\x28"}',
        b"\xef\xbb\xbf\xff",
        b'{"signals": "\xed\xa0\x80"}',  # an encoded UTF-16 surrogate
        b'{"signals": "\\ud800"}',  # a lone surrogate escaped in valid JSON
        b"\x00\x00\x00{",
    ],
)
def test_invalid_utf8_is_a_4xx(app: Flask, chain: Chain, body: bytes) -> None:
    creditor = chain.parties["woonstad"].client
    _assert_problem(_raw(creditor, "POST", "/v1/signals/batch", body), 400, 422)
    municipality = chain.parties["gm0363"].client
    _assert_problem(_raw(municipality, "POST", "/v1/webhooks", body), 400, 422)


@pytest.mark.parametrize(
    "number", ["1" + "0" * 400, "-" + "9" * 5000, "1e400", "-1e400", "NaN", "Infinity", "1.5", "1e2", "true"]
)
def test_huge_and_odd_numbers_are_refused(app: Flask, chain: Chain, number: str) -> None:
    creditor, gm = chain.parties["woonstad"], chain.parties["gm0363"]
    signal = json.dumps(chain.signal(creditor, gm, identity()))
    for field in ("amount_cents", "periods_in_arrears", "periodic_charge_cents"):
        document = json.loads(signal)
        document[field] = "__N__"
        body = json.dumps({"signals": [document]}).replace('"__N__"', number).encode()
        _assert_problem(_raw(creditor.client, "POST", "/v1/signals/batch", body), 400, 422)
    assert _count(app, t.signals) == 0


@pytest.mark.parametrize("value", ["1" + "0" * 30, "-1", "9223372036854775808", "1e3", "NaN", "0x10"])
def test_huge_numbers_in_query_parameters_are_4xx(chain: Chain, value: str) -> None:
    gm, creditor = chain.parties["gm0363"].client, chain.parties["woonstad"].client
    for client, path in (
        (creditor, f"/v1/signals?limit={value}"),
        (creditor, f"/v1/signals?after={value}"),
        (gm, f"/v1/events?after={value}"),
        (gm, f"/v1/events?limit={value}"),
        (gm, f"/v1/municipality/reports?after={value}"),
    ):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code, response.data[:300])
        if response.status_code >= 400:
            _assert_problem(response, response.status_code)


@pytest.mark.parametrize("injection", SQL_INJECTION)
def test_sql_injection_strings_are_data_not_code(app: Flask, chain: Chain, injection: str) -> None:
    gm, party = chain.parties["gm0363"].client, chain.parties["woonstad"]
    party.client.post("/v1/signals/batch", {"signals": [chain.signal(party, chain.parties["gm0363"], identity())]})
    before = _count(app, t.signals)
    quoted = injection.replace("%", "%25").replace("#", "%23").replace("?", "%3F").replace("/", "%2F")
    for client, path in (
        (party.client, f"/v1/signals/{quoted}"),
        (gm, f"/v1/municipality/signals/{quoted}"),
        (gm, f"/v1/municipality/reports/{quoted}"),
        (gm, f"/v1/municipality/cases/{quoted}"),
    ):
        _assert_problem(client.get(path), 404, 422)
    _assert_problem(gm.post(f"/v1/municipality/signals/{quoted}/ack"), 404, 422)
    _assert_problem(party.client.get(f"/v1/signals?state={quoted}"), 422)
    document = chain.signal(party, chain.parties["gm0363"], identity())
    for field in ("signal_id", "sector", "municipality_code", "routing_version", "supersedes"):
        _assert_problem(party.client.post("/v1/signals/batch", {"signals": [{**document, field: injection}]}), 422)
    registered = gm.post("/v1/webhooks", {"url": f"https://example.org/{injection}"})
    assert registered.status_code in (201, 422), registered.data[:300]
    assert _count(app, t.signals) == before  # the table is there and unchanged


@pytest.mark.parametrize("injection", HEADER_INJECTION)
def test_header_injection_is_refused_and_never_echoed(chain: Chain, injection: str) -> None:
    gm = chain.parties["gm0363"].client
    response = gm.post("/v1/webhooks", {"url": f"https://example.org/hook{injection}"})
    _assert_problem(response, 422)
    assert "X-Injected" not in response.headers and "Set-Cookie" not in response.headers
    # in the signature's parameters: the key id and the nonce are checked, not interpolated anywhere
    body = b"{}"
    for keyid, nonce in ((f"gm0363-sig-1{injection}", "n"), ("gm0363-sig-1", f"n{injection}")):
        headers = signed_headers(gm.private_key, keyid, "GET", gm.base_url + "/v1/whoami", body, nonce=nonce)
        headers = {k: v.replace("\r", "").replace("\n", " ") for k, v in headers.items()}
        answer = gm.client.open("/v1/whoami", method="GET", headers=headers, base_url=gm.base_url)
        _assert_problem(answer, 401)


def test_wrong_content_types_and_truncated_json(app: Flask, chain: Chain) -> None:
    creditor = chain.parties["woonstad"].client
    _assert_problem(_raw(creditor, "POST", "/v1/signals/batch", b"signals=1", "application/x-www-form-urlencoded"), 415)
    _assert_problem(_raw(creditor, "POST", "/v1/signals/batch", b"<signals/>", "text/xml"), 415)
    for broken in (b'{"signals": [', b"{", b'{"signals": [] ,}', b"\x1f\x8b\x08\x00", b'{"a": 1}{"b": 2}'):
        _assert_problem(_raw(creditor, "POST", "/v1/signals/batch", broken), 400, 422)
    assert _count(app, t.signals) == 0


# --- the signaal CLI: file names from outside never steer a write out of the data directory -----------


def _config(home: Path) -> Config:
    keys = home / "keys"
    return Config(
        home=home,
        hub_url="http://127.0.0.1:9",
        organisation_id="woonstad",
        kind="housing",
        signing_key_id="woonstad-sig-1",
        signing_key_path=keys / "signing.pem",
        encryption_key_path=keys / "encryption.key",
        linkage_key_path=keys / "linkage.key",
        data_dir=home / "data",
    )


@pytest.mark.parametrize(
    "name",
    ["../../../../etc/passwd", "..", "../x.csv", "/etc/shadow", "a/../../b.csv", "..\\..\\win.csv"],
)
def test_rejected_rows_report_stays_in_the_data_directory(tmp_path: Path, name: str) -> None:
    config = _config(tmp_path / "home")
    target = default_report(config, Path(name), "0123456789abcdef").resolve()
    assert target.is_relative_to((config.data_dir / "reports").resolve()), target


@pytest.mark.parametrize("month", ["../../../tmp/x", "2026-10/../../x", "2026-10\x00", "2026-1", "../2026-10", ""])
def test_ddas_month_with_path_parts_is_refused(month: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(month)
    assert Month.parse(" 2026-10 ").first == dt.date(2026, 10, 1)


def test_every_hostile_input_family_is_covered() -> None:
    """Keeps the families named in #12 in view: each has a test above."""
    families: dict[str, Callable[..., None]] = {
        "oversized bodies": test_oversized_body_is_413_before_anything_reads_it,
        "deeply nested JSON": test_deeply_nested_json_is_refused,
        "invalid UTF-8": test_invalid_utf8_is_a_4xx,
        "huge numbers": test_huge_and_odd_numbers_are_refused,
        "SQL injection": test_sql_injection_strings_are_data_not_code,
        "header injection": test_header_injection_is_refused_and_never_echoed,
        "CLI path traversal": test_rejected_rows_report_stays_in_the_data_directory,
    }
    assert all(callable(test) for test in families.values())


__all__ = ["Party"]

"""Every kind of bad request gets application/problem+json with the right status; none returns HTML."""

from collections.abc import Callable, Iterator
from pathlib import Path

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_smorest import Blueprint

from hub import Settings
from hub.api import access
from tests.support.signing import SignedClient


class _ItemSchema(ma.Schema):
    name = ma.fields.String(required=True)
    amount_cents = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))


@pytest.fixture
def probe_app(
    tmp_path: Path, make_app: Callable[[Settings], Flask], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The real app with one extra JSON endpoint and one that crashes, to exercise the error paths."""
    app = make_app(
        Settings(env="test", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/t.db", max_body_bytes=1024)
    )
    blp = Blueprint("probe", __name__)

    @blp.route("/probe", methods=["POST"])
    @blp.arguments(_ItemSchema)
    @blp.response(201, _ItemSchema)
    def create(item: dict[str, object]) -> dict[str, object]:
        return item

    @blp.route("/crash")
    def crash() -> None:
        raise RuntimeError("secret internals: /etc/hub/keys")

    app.extensions["signaalhub_api"].register_blueprint(blp)
    monkeypatch.setitem(access.RULES, "probe.create", access.PUBLIC)
    monkeypatch.setitem(access.RULES, "probe.crash", access.PUBLIC)
    yield app


@pytest.fixture
def probe(probe_app: Flask) -> FlaskClient:
    return probe_app.test_client()


def _problem(response, status: int, code: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.data
    assert response.content_type == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    assert b"<html" not in response.data.lower()
    return body


def test_valid_request_passes(probe: FlaskClient) -> None:
    response = probe.post("/probe", json={"name": "x", "amount_cents": 5})
    assert response.status_code == 201


def test_unknown_route_is_404(probe: FlaskClient) -> None:
    _problem(probe.get("/no/such/route"), 404, "not_found")


def test_wrong_method_is_405_with_allow(probe: FlaskClient) -> None:
    response = probe.delete("/probe")
    _problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_wrong_method_with_a_text_body_is_still_405(probe: FlaskClient) -> None:
    _problem(probe.put("/healthz", data="x", content_type="text/plain"), 405, "method_not_allowed")


def test_too_large_body_is_413(probe: FlaskClient) -> None:
    _problem(probe.post("/probe", json={"name": "x" * 2000, "amount_cents": 1}), 413, "payload_too_large")


def test_wrong_content_type_is_415(probe: FlaskClient) -> None:
    _problem(
        probe.post("/probe", data="name=x", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )


def test_malformed_json_is_400(probe: FlaskClient) -> None:
    _problem(probe.post("/probe", data='{"name": ', content_type="application/json"), 400, "malformed_json")


def test_schema_violation_is_422_naming_each_field(probe: FlaskClient) -> None:
    body = _problem(probe.post("/probe", json={"amount_cents": 0, "extra": 1}), 422, "validation_failed")
    names = {p["name"] for p in body["invalid_params"]}  # type: ignore[attr-defined]
    assert names == {"name", "amount_cents", "extra"}


def test_unexpected_error_is_500_without_internals(probe: FlaskClient) -> None:
    body = _problem(probe.get("/crash"), 500, "internal_error")
    assert "secret" not in str(body) and "Traceback" not in str(body)


def test_real_endpoint_names_each_bad_field(register: Callable[..., SignedClient]) -> None:
    admin = register("hub-ops", "hub_admin")
    response = admin.post("/v1/admin/organisations", {"id": "x", "kind": "bakery", "colour": "red"})
    body = _problem(response, 422, "validation_failed")
    names = {p["name"] for p in body["invalid_params"]}  # type: ignore[attr-defined]
    assert names == {"name", "kind", "colour"}


def test_too_large_body_is_413_before_authentication(client: FlaskClient) -> None:
    response = client.post(
        "/v1/admin/organisations", data=b"{" + b" " * (9 * 1024 * 1024) + b"}", content_type="application/json"
    )
    _problem(response, 413, "payload_too_large")


def test_route_without_access_rule_is_closed(probe_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(access.RULES, "probe.crash")
    _problem(probe_app.test_client().get("/crash"), 403, "no_access_rule")

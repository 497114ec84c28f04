"""Receipts from the real app verify offline with only the published hub key (library and CLI); expiry
denies at the moment of use, and renewal restores."""

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from consent import receipts
from hub.cli import cli
from hub.crypto import verify_signature
from hub.domain.evidence import Actor
from hub.errors import Forbidden
from hub.services.consent import ConsentService
from hub.settings import Settings
from tests.support.consent import consent_body
from tests.support.signing import SignedClient


@pytest.fixture
def parties(register: Callable[..., SignedClient]) -> dict[str, SignedClient]:
    return {
        "gm0363": register("gm0363", "municipality", "0363"),
        "kredietbank": register("kredietbank", "debt_help"),
    }


def _issue(parties: dict[str, SignedClient]) -> tuple[str, bytes]:
    body = consent_body("case-4711", days=90, method="in_writing")
    consent_id = parties["gm0363"].post("/v1/consents", body).json["id"]
    response = parties["kredietbank"].get(f"/v1/consents/{consent_id}/receipt")  # a recipient may fetch it
    assert response.status_code == 200 and response.mimetype == "application/json"
    return consent_id, response.data


def _altered(data: bytes) -> bytes:
    position = data.index(b"case-4711") + len("case-")
    return data[:position] + b"8" + data[position + 1 :]


def test_receipt_verifies_with_only_the_published_key(client: FlaskClient, parties: dict[str, SignedClient]) -> None:
    consent_id, data = _issue(parties)
    published = client.get("/v1/hub-key")  # public: no signature needed
    assert published.status_code == 200
    keys = receipts.published_keys(json.loads(published.data))
    receipt = receipts.verify_receipt(data, keys, verify_signature)
    assert receipt["consent_id"] == consent_id and receipt["recorded_by"]["name"] == "Test gm0363"
    assert receipt["recipients"] == [{"id": "kredietbank", "name": "Test kredietbank"}]
    assert receipt["purpose"]["id"] == "debt_help_referral" and receipt["state"] == "active"
    with pytest.raises(receipts.ReceiptError, match="altered"):
        receipts.verify_receipt(_altered(data), keys, verify_signature)


def test_hub_consent_verify_on_the_command_line(
    client: FlaskClient, parties: dict[str, SignedClient], settings: Settings, tmp_path: Path
) -> None:
    _, data = _issue(parties)
    (tmp_path / "receipt.json").write_bytes(data)
    (tmp_path / "altered.json").write_bytes(_altered(data))
    (tmp_path / "hub-key.json").write_bytes(client.get("/v1/hub-key").data)
    runner = CliRunner()

    def verify(*args: str) -> tuple[int, str]:
        env = {"HUB_DATA_DIR": str(settings.data_dir), "HUB_DATABASE_URL": settings.database_url}
        result = runner.invoke(cli, ["consent", "verify", *args], env=env)
        return result.exit_code, result.output

    status, out = verify(str(tmp_path / "receipt.json"), "--hub-key", str(tmp_path / "hub-key.json"))
    assert status == 0 and out.startswith("valid:") and "Test kredietbank (kredietbank)" in out
    status, out = verify(str(tmp_path / "altered.json"), "--hub-key", str(tmp_path / "hub-key.json"))
    assert status == 1 and out.startswith("INVALID:")
    raw_key = json.loads((tmp_path / "hub-key.json").read_text())["keys"][0]["public_key"]
    (tmp_path / "hub.pub").write_text(raw_key + "\n")
    assert verify(str(tmp_path / "receipt.json"), "--hub-key", str(tmp_path / "hub.pub"))[0] == 0
    assert verify(str(tmp_path / "receipt.json"))[0] == 0  # this hub's own key, from HUB_DATA_DIR


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_expired_consent_denies_and_renewal_restores(app: Flask, parties: dict[str, SignedClient]) -> None:
    services, clock = app.extensions["signaalhub"], Clock()
    consent = ConsentService(services.engine, services.keys, clock)
    gm, bank = Actor("gm0363", "municipality"), Actor("kredietbank", "debt_help")
    record = consent.record(
        gm,
        {
            "case_id": "case-4711",
            "purpose": "fund_referral",
            "recipients": ["kredietbank"],
            "method": "digital",
            "given_at": clock.now,
            "expires_at": clock.now + dt.timedelta(days=30),
        },
    )
    assert consent.check(bank, "fund_referral", "case-4711").decision.code == "consent"
    clock.now += dt.timedelta(days=30)
    with pytest.raises(Forbidden) as denied:
        consent.check(bank, "fund_referral", "case-4711")
    assert denied.value.code == "no_legal_basis" and "expired" in denied.value.detail
    assert consent.one(gm, record["id"])["state"] == "expired"
    consent.renew(
        gm,
        record["id"],
        {"renewed_at": clock.now, "method": "in_person", "expires_at": clock.now + dt.timedelta(days=60)},
    )
    assert consent.check(bank, "fund_referral", "case-4711").decision.allowed
    receipt = json.loads(consent.receipt(gm, record["id"]))["receipt"]
    assert [e["event"] for e in receipt["events"]] == ["given", "renewed"] and receipt["state"] == "active"

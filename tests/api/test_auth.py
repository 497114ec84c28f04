"""Signed requests (RFC 9421): what is accepted, and a distinct 401 code for each way to get it wrong."""

import base64
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask

from hub import Settings
from hub.domain.evidence import Actor
from tests.support.signing import SignedClient, new_signing_key, signed_headers


def _code(response) -> str:  # type: ignore[no-untyped-def]
    assert response.content_type == "application/problem+json", response.data
    return str(response.get_json()["code"])


def test_signed_request_is_accepted(register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    response = client.get("/v1/whoami")
    assert response.status_code == 200, response.data
    assert response.json == {"organisation_id": "woonstad", "kind": "housing", "key_id": "woonstad-sig-1"}


def test_unsigned_request_is_401_signature_missing(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/v1/whoami")
    assert response.status_code == 401
    assert _code(response) == "signature_missing"
    assert "Signature" in response.headers["WWW-Authenticate"]


def test_replayed_request_is_401_nonce_replayed(register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    assert client.get("/v1/whoami").status_code == 200
    replay = client.client.get("/v1/whoami", headers=client.last_headers)
    assert replay.status_code == 401
    assert _code(replay) == "nonce_replayed"


def test_replay_against_another_hub_process_is_caught(
    register: Callable[..., SignedClient], settings: Settings, make_app: Callable[[Settings], Flask]
) -> None:
    """Nonces live in the database, so a second process sharing it refuses the replay too."""
    client = register("woonstad", "housing")
    assert client.get("/v1/whoami").status_code == 200
    other = make_app(settings).test_client()
    assert _code(other.get("/v1/whoami", headers=client.last_headers)) == "nonce_replayed"


def test_revoked_key_is_401_key_revoked(app: Flask, register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    app.extensions["signaalhub"].directory.revoke_key(Actor.operator(), client.key_id)
    response = client.get("/v1/whoami")
    assert response.status_code == 401
    assert _code(response) == "key_revoked"


def test_unknown_key_is_401_key_unknown(client) -> None:  # type: ignore[no-untyped-def]
    private, _ = new_signing_key()
    headers = signed_headers(private, "nobody-sig-1", "GET", "http://localhost/v1/whoami", b"")
    assert _code(client.get("/v1/whoami", headers=headers)) == "key_unknown"


def test_expired_key_is_401_key_expired(app: Flask) -> None:
    services = app.extensions["signaalhub"]
    services.directory.add_organisation(Actor.operator(), "old-energy", "Old", "energy")
    private, public = new_signing_key()
    now = dt.datetime.now(dt.UTC)
    services.directory.add_key(
        Actor.operator(),
        "old-energy",
        "signing",
        public,
        key_id="old-sig",
        not_before=now - dt.timedelta(days=10),
        not_after=now - dt.timedelta(days=1),
    )
    response = SignedClient(app.test_client(), "old-sig", private).get("/v1/whoami")
    assert _code(response) == "key_expired"


def test_disabled_organisation_is_401(app: Flask, register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    app.extensions["signaalhub"].directory.set_disabled(Actor.operator(), "woonstad", True)
    assert _code(client.get("/v1/whoami")) == "organisation_disabled"


def test_changed_body_is_401_digest_mismatch(register: Callable[..., SignedClient]) -> None:
    admin = register("hub-ops", "hub_admin")
    body = b'{"id": "energie-nl", "name": "Energie", "kind": "energy"}'
    headers = signed_headers(admin.private_key, admin.key_id, "POST", "http://localhost/v1/admin/organisations", body)
    tampered = body.replace(b"Energie", b"Evil")
    response = admin.client.post(
        "/v1/admin/organisations", data=tampered, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert _code(response) == "digest_mismatch"


def test_changed_body_with_recomputed_digest_is_401_signature_invalid(register: Callable[..., SignedClient]) -> None:
    admin = register("hub-ops", "hub_admin")
    body = b'{"id": "energie-nl", "name": "Energie", "kind": "energy"}'
    headers = signed_headers(admin.private_key, admin.key_id, "POST", "http://localhost/v1/admin/organisations", body)
    tampered = body.replace(b"Energie", b"Evil")
    forged = signed_headers(admin.private_key, admin.key_id, "POST", "http://localhost/x", tampered)
    headers["Content-Digest"] = forged["Content-Digest"]
    response = admin.client.post(
        "/v1/admin/organisations", data=tampered, headers={**headers, "Content-Type": "application/json"}
    )
    assert _code(response) == "signature_invalid"


def test_signature_by_another_key_is_401_signature_invalid(register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    stranger, _ = new_signing_key()
    response = SignedClient(client.client, client.key_id, stranger).get("/v1/whoami")
    assert _code(response) == "signature_invalid"


def test_signature_for_another_target_is_401_signature_invalid(register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    headers = signed_headers(client.private_key, client.key_id, "GET", "http://localhost/v1/directory", b"")
    assert _code(client.client.get("/v1/whoami", headers=headers)) == "signature_invalid"


def test_ten_minutes_late_is_401_signature_expired(register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    response = client.get("/v1/whoami", created=int(time.time()) - 600)
    assert response.status_code == 401
    assert _code(response) == "signature_expired"


def test_malformed_signature_headers_are_401_signature_malformed(register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    good = signed_headers(client.private_key, client.key_id, "GET", "http://localhost/v1/whoami", b"")
    variants = [
        {**good, "Signature-Input": 'sig1=("@method");created=1;nonce="abcdefghijklmnop";keyid="k"'},
        {**good, "Signature": "sig1=not-base64"},
        {**good, "Signature-Input": good["Signature-Input"].replace('alg="ed25519"', 'alg="rsa-pss-sha512"')},
        {k: v for k, v in good.items() if k != "Content-Digest"},
    ]
    for headers in variants:
        assert _code(client.client.get("/v1/whoami", headers=headers)) == "signature_malformed", headers


def _client_limited_to_three(tmp_path: Path, make_app: Callable[[Settings], Flask], database_url: str) -> SignedClient:
    """A signed client of an organisation on a hub that allows 3 requests a minute."""
    app = make_app(Settings(env="test", data_dir=tmp_path, database_url=database_url, rate_limit_per_minute=3))
    services = app.extensions["signaalhub"]
    services.directory.add_organisation(Actor.operator(), "woonstad", "W", "housing")
    private, public = new_signing_key()
    services.directory.add_key(Actor.operator(), "woonstad", "signing", public, key_id="w-sig")
    return SignedClient(app.test_client(), "w-sig", private)


def test_rate_limit_is_429_with_retry_after(
    tmp_path: Path, make_app: Callable[[Settings], Flask], database_url: str
) -> None:
    client = _client_limited_to_three(tmp_path, make_app, database_url)
    statuses = [client.get("/v1/whoami").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    response = client.get("/v1/whoami")
    assert response.status_code == 429
    assert _code(response) == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_public_key_registered_as_pem_works(app: Flask) -> None:
    services = app.extensions["signaalhub"]
    services.directory.add_organisation(Actor.operator(), "zorg-a", "Zorg A", "health_insurer")
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    key = services.directory.add_key(Actor.operator(), "zorg-a", "signing", pem)
    assert base64.b64encode(key.public_key)
    assert SignedClient(app.test_client(), key.key_id, private).get("/v1/whoami").status_code == 200


def test_replays_do_not_use_up_the_senders_rate_limit(
    tmp_path: Path, make_app: Callable[[Settings], Flask], database_url: str
) -> None:
    """Whoever captured a signed request can replay it within the window; each replay is refused and must
    not count against the organisation that sent it, or the replays would lock it out with 429s."""
    client = _client_limited_to_three(tmp_path, make_app, database_url)
    assert client.get("/v1/whoami").status_code == 200
    captured = client.last_headers
    replays = [client.client.get("/v1/whoami", headers=captured) for _ in range(5)]
    assert [(r.status_code, _code(r)) for r in replays] == [(401, "nonce_replayed")] * 5
    assert [client.get("/v1/whoami").status_code for _ in range(2)] == [200, 200]  # requests 2 and 3 of 3
    assert client.get("/v1/whoami").status_code == 429  # the fourth is over the limit: counting still works

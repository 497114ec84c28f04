"""Directory administration over the API, the published directory, and the evidence it leaves."""

import base64
from collections.abc import Callable

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask

from hub.db.tables import evidence
from tests.support.signing import SignedClient, new_signing_key, signed_headers


def _hybrid_public_key() -> bytes:
    mlkem_public = mlkem.MLKEM768PrivateKey.generate().public_key().public_bytes_raw()
    x_public = x25519.X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return mlkem_public + x_public


def test_admin_registers_a_municipality_with_keys_and_it_appears_in_the_directory(
    app: Flask, register: Callable[..., SignedClient]
) -> None:
    admin = register("hub-ops", "hub_admin")
    created = admin.post(
        "/v1/admin/organisations",
        {"id": "gm0363", "name": "Gemeente Amsterdam", "kind": "municipality", "municipality_code": "0363"},
    )
    assert created.status_code == 201, created.data
    enc = admin.post(
        "/v1/admin/organisations/gm0363/keys",
        {"use": "encryption", "public_key": base64.b64encode(_hybrid_public_key()).decode()},
    )
    assert enc.status_code == 201, enc.data
    assert enc.json["suite"] == "mlkem768-x25519" and enc.json["state"] == "valid"
    _, signing_public = new_signing_key()
    sig = admin.post(
        "/v1/admin/organisations/gm0363/keys",
        {"use": "signing", "public_key": base64.b64encode(signing_public).decode(), "key_id": "gm0363-sig"},
    )
    assert sig.status_code == 201

    directory = admin.get("/v1/directory")
    assert directory.status_code == 200
    entry = next(o for o in directory.json["organisations"] if o["id"] == "gm0363")
    assert entry["municipality_code"] == "0363"
    assert [k["key_id"] for k in entry["encryption_keys"]] == [enc.json["key_id"]]  # signing keys not listed
    etag = directory.headers["ETag"]
    assert admin.get("/v1/directory").headers["ETag"] == etag  # nothing changed, same ETag

    revoked = admin.post(f"/v1/admin/keys/{enc.json['key_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json["state"] == "revoked"
    after = admin.get("/v1/directory")
    assert after.headers["ETag"] != etag
    assert next(o for o in after.json["organisations"] if o["id"] == "gm0363")["encryption_keys"] == []


def test_directory_answers_304_to_a_matching_etag(app: Flask, register: Callable[..., SignedClient]) -> None:
    client = register("woonstad", "housing")
    first = client.get("/v1/directory")
    etag = first.headers["ETag"]
    headers = signed_headers(client.private_key, client.key_id, "GET", "http://localhost/v1/directory", b"")
    second = client.client.get("/v1/directory", headers={**headers, "If-None-Match": etag})
    assert second.status_code == 304


def test_rotation_keeps_both_keys_valid_during_the_grace_period(register: Callable[..., SignedClient]) -> None:
    admin = register("hub-ops", "hub_admin")
    admin.post("/v1/admin/organisations", {"id": "vitens", "name": "Vitens", "kind": "water"})
    old = admin.post(
        "/v1/admin/organisations/vitens/keys",
        {
            "use": "encryption",
            "suite": "x25519",
            "public_key": base64.b64encode(
                x25519.X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            ).decode(),
        },
    )
    new_public = x25519.X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    new = admin.post(
        f"/v1/admin/keys/{old.json['key_id']}/rotate",
        {"public_key": base64.b64encode(new_public).decode(), "grace_hours": 24},
    )
    assert new.status_code == 201, new.data
    assert new.json["suite"] == "x25519"
    shown = admin.get("/v1/admin/organisations/vitens").json
    states = {k["key_id"]: (k["state"], k["not_after"]) for k in shown["keys"]}
    assert states[old.json["key_id"]][0] == "valid" and states[old.json["key_id"]][1] is not None
    assert states[new.json["key_id"]] == ("valid", None)


def test_bad_keys_and_duplicates_are_refused_with_reasons(register: Callable[..., SignedClient]) -> None:
    admin = register("hub-ops", "hub_admin")
    assert admin.post("/v1/admin/organisations", {"id": "vitens", "name": "Vitens", "kind": "water"}).status_code == 201
    duplicate = admin.post("/v1/admin/organisations", {"id": "vitens", "name": "Vitens", "kind": "water"})
    assert duplicate.status_code == 409 and duplicate.json["code"] == "organisation_exists"
    short = admin.post(
        "/v1/admin/organisations/vitens/keys",
        {"use": "encryption", "public_key": base64.b64encode(b"too short").decode()},
    )
    assert short.status_code == 422
    assert short.json["invalid_params"][0]["name"] == "public_key"
    no_code = admin.post("/v1/admin/organisations", {"id": "gm-x", "name": "X", "kind": "municipality"})
    assert no_code.status_code == 422
    assert no_code.json["invalid_params"][0]["name"] == "municipality_code"
    unknown = admin.post(
        "/v1/admin/organisations/nobody/keys",
        {"use": "signing", "public_key": base64.b64encode(new_signing_key()[1]).decode()},
    )
    assert unknown.status_code == 404


def test_state_changes_leave_chained_evidence_with_the_signature(
    app: Flask, register: Callable[..., SignedClient]
) -> None:
    admin = register("hub-ops", "hub_admin")
    response = admin.post("/v1/admin/organisations", {"id": "vitens", "name": "Vitens", "kind": "water"})
    assert response.status_code == 201
    services = app.extensions["signaalhub"]
    with services.engine.connect() as conn:
        last = conn.execute(sa.select(evidence).order_by(evidence.c.seq.desc()).limit(1)).one()
    assert last.organisation_id == "hub-ops" and last.key_id == admin.key_id
    assert last.action == "organisation.add" and last.object_id == "vitens"
    assert last.signature == admin.last_headers["Signature"]
    assert last.content_digest == admin.last_headers["Content-Digest"]
    assert last.target_uri == "http://localhost/v1/admin/organisations"
    report = services.evidence.verify()
    assert report.first_break is None and report.entries >= 3


def test_listing_organisations_works(register: Callable[..., SignedClient]) -> None:
    """Regression: the listing answered 500 because the absent `keys` member resolved to dict.keys."""
    admin = register("hub-ops", "hub_admin")
    response = admin.get("/v1/admin/organisations")
    assert response.status_code == 200
    assert [o["id"] for o in response.json] == ["hub-ops"] and "keys" not in response.json[0]

"""An independent signer for tests: RFC 9421 built from the standard and `cryptography` directly, the
way a partner who reads only docs/ would write it (it does not use schemas.httpsig or adapters)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def new_signing_key() -> tuple[ed25519.Ed25519PrivateKey, bytes]:
    private = ed25519.Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return private, raw


def signed_headers(
    private: ed25519.Ed25519PrivateKey,
    key_id: str,
    method: str,
    url: str,
    body: bytes,
    *,
    created: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    params = (
        f'("@method" "@target-uri" "content-digest");created={created or int(time.time())};'
        f'nonce="{nonce or secrets.token_urlsafe(18)}";keyid="{key_id}";alg="ed25519"'
    )
    base = (
        f'"@method": {method.upper()}\n"@target-uri": {url}\n"content-digest": {digest}\n"@signature-params": {params}'
    )
    signature = base64.b64encode(private.sign(base.encode())).decode()
    return {"Content-Digest": digest, "Signature-Input": f"sig1={params}", "Signature": f"sig1=:{signature}:"}


@dataclass
class SignedClient:
    """Signs every request it sends through a Flask test client."""

    client: FlaskClient
    key_id: str
    private_key: ed25519.Ed25519PrivateKey
    base_url: str = "http://localhost"
    last_headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, json_body: Any = None, **overrides: Any) -> TestResponse:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        headers = signed_headers(self.private_key, self.key_id, method, self.base_url + path, body, **overrides)
        if json_body is not None:
            headers["Content-Type"] = "application/json"
        self.last_headers = headers
        return self.client.open(path, method=method, data=body, headers=headers, base_url=self.base_url)

    def get(self, path: str, **overrides: Any) -> TestResponse:
        return self.request("GET", path, **overrides)

    def post(self, path: str, json_body: Any = None, **overrides: Any) -> TestResponse:
        return self.request("POST", path, json_body if json_body is not None else {}, **overrides)

"""A webhook receiver for tests that verifies Standard Webhooks signatures the way the spec says,
independently of the hub's code, and records what it got."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from typing import Any


class Receiver:
    """WSGI app: answers ``status`` (a callable for scripted failures) and records verified deliveries."""

    def __init__(self, secret: str = "", status: Callable[[], int] = lambda: 204) -> None:
        self.secret, self.status = secret, status
        self.received: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self._lock = threading.Lock()

    def verify(self, message_id: str, timestamp: str, body: bytes, header: str) -> bool:
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        expected = base64.b64encode(
            hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        ).decode()
        return any(hmac.compare_digest(sig.removeprefix("v1,"), expected) for sig in header.split())

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        if len(body) < length:  # the sender died between the headers and the body (urllib3 sends them apart)
            start_response("400 Incomplete", [("Content-Type", "text/plain")])
            return [b""]
        message_id, timestamp = environ.get("HTTP_WEBHOOK_ID", ""), environ.get("HTTP_WEBHOOK_TIMESTAMP", "")
        status = self.status()
        with self._lock:
            if not self.verify(message_id, timestamp, body, environ.get("HTTP_WEBHOOK_SIGNATURE", "")):
                self.bad_signatures += 1
                status = 401
            elif 200 <= status < 300:
                self.received.append({"id": message_id, "body": json.loads(body)})
        start_response(f"{status} X", [("Content-Type", "text/plain")])
        return [b""]

    @property
    def unique_ids(self) -> list[str]:
        return list(dict.fromkeys(r["id"] for r in self.received))

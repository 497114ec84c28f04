"""``signaal reports serve``: the webhook receiver that pulls the report inbox when the hub says so.

The hub's notifications are thin (docs/webhooks.md): "report R changed", never personal data. The receiver
verifies each one (Standard Webhooks: HMAC-SHA256 under the endpoint's secret, compared in constant time;
the timestamp within ``tolerance`` seconds of the local clock, so a captured request cannot be replayed
later), records its ``webhook-id`` in the local store so that a redelivery is answered but not acted on
twice, answers 204 at once and lets a background thread pull. Pulls coalesce: ten notifications that
arrive during one pull cause one more pull, not ten. The puller also pulls at start and every
``interval`` seconds, so a lost notification delays a report, never loses it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from werkzeug.wrappers import Request, Response

from adapters import crypto, keyfiles
from adapters.localstore import LocalStore

log = logging.getLogger(__name__)
SECRET_FILE: Final = "keys/webhook.secret"  # noqa: S105 - a file name, not a secret
#: Standard Webhooks' recommended tolerance between the notification's timestamp and the local clock.
DEFAULT_TOLERANCE: Final = 300
MAX_BODY_BYTES: Final = 64 * 1024


class SecretError(Exception):
    """The webhook secret file is missing or not a ``whsec_`` secret; the message says what to do."""


def parse_secret(text: str) -> bytes:
    """The key bytes of a Standard Webhooks secret (``whsec_`` + base64), as the hub hands it out."""
    value = text.strip()
    if not value.startswith("whsec_"):
        raise SecretError("the webhook secret must start with whsec_ (as POST /v1/webhooks returned it)")
    try:
        key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        raise SecretError("the webhook secret is not valid base64 after whsec_") from None
    if len(key) < 16:
        raise SecretError("the webhook secret is too short")
    return key


def read_secret(path: Path) -> bytes:
    """The secret stored by ``signaal reports subscribe`` at ``path``."""
    try:
        return parse_secret(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SecretError(
            f"no webhook secret at {path}; run `signaal reports subscribe --url URL` first, or pass "
            "--secret-file with the secret the hub returned"
        ) from None


def write_secret(path: Path, secret_text: str) -> None:
    """Store the secret with mode 0600 (after checking it)."""
    parse_secret(secret_text)
    keyfiles.write_secret(path, secret_text.strip().encode("ascii") + b"\n", overwrite=True)


@dataclass
class Verifier:
    """Checks one notification's headers and body; ``clock`` is Unix seconds."""

    secret: bytes = field(repr=False)
    tolerance: int = DEFAULT_TOLERANCE
    clock: Callable[[], float] = time.time

    def problem(self, message_id: str, timestamp: str, signature: str, body: bytes) -> tuple[int, str] | None:
        """``None`` when the notification is authentic and fresh, else the HTTP status and why it is refused."""
        if not (message_id and timestamp and signature):
            return 400, "missing webhook-id, webhook-timestamp or webhook-signature"
        if not timestamp.isdigit():
            return 400, "webhook-timestamp is not Unix seconds"
        if abs(self.clock() - int(timestamp)) > self.tolerance:
            return 401, f"webhook-timestamp is more than {self.tolerance} s from this machine's clock"
        if not crypto.webhook_signature_valid(self.secret, message_id, timestamp, body, signature):
            return 401, "webhook-signature does not match (is the secret the endpoint's current one?)"
        return None


class Puller:
    """A thread that runs ``pull`` at start, when ``request()`` was called, and every ``interval`` s."""

    def __init__(self, pull: Callable[[], None], interval: float) -> None:
        self._pull, self._interval = pull, interval
        self._wanted, self._stopped = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="signaal-puller", daemon=True)
        self.pulls = 0

    def start(self) -> None:
        self._wanted.set()
        self._thread.start()

    def request(self) -> None:
        self._wanted.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wanted.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wanted.wait(self._interval)
            if self._stopped.is_set():
                return
            self._wanted.clear()
            try:
                self._pull()
            except Exception:  # the receiver keeps running; the next notification or interval retries
                log.exception("pull failed; retrying on the next notification or interval")
            self.pulls += 1


@dataclass
class ReceiverApp:
    """The WSGI application: POST a notification to any path; 204 when accepted (or a redelivery)."""

    verifier: Verifier
    store: LocalStore
    notify: Callable[[], None]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return Response("POST notifications here\n", status=405, headers={"Allow": "POST"})
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return Response("notification too large\n", status=413)
        body = request.get_data(cache=False)
        headers = request.headers
        message_id = headers.get("webhook-id", "")
        problem = self.verifier.problem(
            message_id, headers.get("webhook-timestamp", ""), headers.get("webhook-signature", ""), body
        )
        if problem is not None:
            status, reason = problem
            log.warning("refused a notification: %s", reason)
            return Response(reason + "\n", status=status, content_type="text/plain")
        if self.store.first_delivery(message_id):
            log.info("notification %s accepted; pulling", message_id)
            self.notify()
        else:
            log.info("notification %s was delivered before; ignored", message_id)
        return Response(status=204)

"""The adapters' HTTP client: the only place where outbound requests to the hub are built.

Every request is signed (RFC 9421, ``schemas.httpsig``) with a fresh ``created`` and nonce per attempt.
Idempotent requests (GET, HEAD, PUT, DELETE, and POSTs the caller marks idempotent because they carry
idempotency keys) are retried on connection errors, 5xx and 429, with exponential backoff and full
jitter, honouring Retry-After. Every attempt has connect and read timeouts.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from schemas import httpsig

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class HubClientError(Exception):
    """The hub answered with an error (after any retries). ``problem`` is its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        code = problem.get("code", f"http_{status}")
        super().__init__(f"{status} {code}: {problem.get('detail', '')}")
        self.status, self.problem, self.code = status, problem, code


class HubUnreachableError(Exception):
    """The hub could not be reached within the retry budget."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: full jitter, never less than Retry-After."""
        backoff = random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))  # noqa: S311 - jitter, not crypto
        return max(backoff, min(retry_after, self.max_delay * 4)) if retry_after is not None else backoff


@dataclass
class HubClient:
    """A signing client for one organisation's key."""

    base_url: str
    key_id: str
    sign: Callable[[bytes], bytes]
    timeout: tuple[float, float] = (5.0, 60.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, *, idempotent: bool = False, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, body=body, idempotent=idempotent, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        idempotent: bool | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (),
    ) -> requests.Response:
        """Send a signed request; return the response when it is 2xx or in ``expect``.

        Raises :class:`HubClientError` for other answers and :class:`HubUnreachableError` when the hub
        cannot be reached. A non-idempotent request is never sent twice.
        """
        method = method.upper()
        retryable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        url = self.base_url.rstrip("/") + path
        attempts = self.retry.attempts if retryable else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.session.request(
                    method,
                    url,
                    data=data,
                    timeout=self.timeout,
                    headers=self._headers(method, url, data, body, headers),
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise HubUnreachableError(f"{method} {path}: {type(exc).__name__}") from exc
                self._wait(attempt, None, f"{type(exc).__name__}")
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._wait(attempt, _retry_after(response), str(response.status_code))
                continue
            if response.ok or response.status_code in expect:
                return response
            raise HubClientError(response.status_code, _problem(response))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _headers(self, method: str, url: str, data: bytes, body: Any, extra: dict[str, str] | None) -> dict[str, str]:
        digest = httpsig.content_digest(data)
        params = httpsig.SignatureParams(created=int(time.time()), nonce=secrets.token_urlsafe(24), keyid=self.key_id)
        signature = self.sign(httpsig.signature_base(method, url, digest, params))
        headers = {
            "Content-Digest": digest,
            **httpsig.signature_headers(params, signature),
            "Accept": "application/json, application/problem+json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        return {**headers, **(extra or {})}

    def _wait(self, attempt: int, retry_after: float | None, reason: str) -> None:
        delay = self.retry.delay(attempt, retry_after)
        log.info("hub request retry %d after %s; waiting %.1f s", attempt + 1, reason, delay)
        self.sleep(delay)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"status": response.status_code, "detail": response.text[:200]}
    return body if isinstance(body, dict) else {"status": response.status_code, "detail": str(body)[:200]}

"""Webhook endpoints: organisations register where the hub should tell them that something changed.

Notifications are thin (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``;
the body names only the event, the object and its version, never personal data). The receiver pulls the
details with a signed request. Secrets are derived from the hub's webhook key, not stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from hub import crypto
from hub.db import evidence as evidence_repo
from hub.db import webhooks as repo
from hub.domain.events import event_view
from hub.domain.evidence import Actor
from hub.errors import InvalidParam, NotFound, ValidationFailed
from hub.keys import HubKeys
from hub.settings import Settings


def secret_text(secret: bytes) -> str:
    """The secret as Standard Webhooks writes it: ``whsec_`` + base64."""
    return "whsec_" + base64.b64encode(secret).decode("ascii")


class WebhookService:
    def __init__(self, engine: Engine, settings: Settings, keys: HubKeys, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._settings, self._keys, self._clock = engine, settings, keys, clock

    def register(self, actor: Actor, url: str) -> dict[str, Any]:
        """Register an endpoint; the answer carries its secret (shown again only after a rotation)."""
        self._check_url(url)
        now, endpoint_id = self._clock(), str(uuid.uuid4())
        with self._engine.begin() as conn:
            repo.insert_endpoint(
                conn,
                {
                    "id": endpoint_id,
                    "organisation_id": actor.organisation_id,
                    "url": url,
                    "secret_version": 1,
                    "active": True,
                    "created_at": now,
                },
            )
            evidence_repo.append(conn, actor, "webhook.register", object_type="webhook", object_id=endpoint_id, at=now)
            row = repo.endpoint(conn, endpoint_id)
        return self._view(row, with_secret=True)

    def endpoints_of(self, actor: Actor) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            return [self._view(r) for r in repo.endpoints(conn, actor.organisation_id)]

    def all_for_admin(self) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            return [
                {**self._view(r), "organisation_id": r.organisation_id, "deliveries": repo.counts(conn, r.id)}
                for r in repo.endpoints(conn)
            ]

    def delete(self, actor: Actor, endpoint_id: str) -> None:
        with self._engine.begin() as conn:
            self._own(conn, actor, endpoint_id)
            repo.delete_endpoint(conn, endpoint_id)
            evidence_repo.append(
                conn, actor, "webhook.delete", object_type="webhook", object_id=endpoint_id, at=self._clock()
            )

    def rotate_secret(self, actor: Actor, endpoint_id: str) -> dict[str, Any]:
        with self._engine.begin() as conn:
            row = self._own(conn, actor, endpoint_id)
            repo.update_endpoint(conn, endpoint_id, secret_version=row.secret_version + 1)
            evidence_repo.append(
                conn, actor, "webhook.rotate", object_type="webhook", object_id=endpoint_id, at=self._clock()
            )
            return self._view(repo.endpoint(conn, endpoint_id), with_secret=True)

    def enable(self, actor: Actor, endpoint_id: str) -> dict[str, Any]:
        """Enable an endpoint that was disabled (after a 410 or a deletion at the receiver)."""
        with self._engine.begin() as conn:
            self._own(conn, actor, endpoint_id)
            repo.update_endpoint(conn, endpoint_id, active=True, disabled_reason=None)
            evidence_repo.append(
                conn, actor, "webhook.enable", object_type="webhook", object_id=endpoint_id, at=self._clock()
            )
            return self._view(repo.endpoint(conn, endpoint_id))

    def events(self, actor: Actor, after: int, limit: int) -> list[dict[str, Any]]:
        """The caller's events in order, for catching up after missed notifications."""
        with self._engine.connect() as conn:
            return [event_view(r) for r in repo.events_for(conn, actor.organisation_id, after, limit)]

    def secret(self, endpoint_id: str, secret_version: int) -> bytes:
        """The endpoint's secret under the hub's current webhook key (what register and rotate hand out)."""
        return crypto.webhook_secret(self._keys.webhook_key, endpoint_id, secret_version)

    def _own(self, conn: Any, actor: Actor, endpoint_id: str) -> Any:
        row = repo.endpoint(conn, endpoint_id)
        if row is None or row.organisation_id != actor.organisation_id:
            raise NotFound(f"No webhook endpoint {endpoint_id} of yours.", code="webhook_unknown")
        return row

    def _view(self, row: Any, *, with_secret: bool = False) -> dict[str, Any]:
        view = {
            "id": row.id,
            "url": row.url,
            "active": row.active,
            "disabled_reason": row.disabled_reason,
            "created_at": row.created_at,
            "last_success_at": row.last_success_at,
            "failing_since": row.failing_since,
        }
        if with_secret:
            view["secret"] = secret_text(self.secret(row.id, row.secret_version))
        return view

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        loopback = _is_loopback(parts.hostname or "")
        if parts.scheme not in ("https", "http") or not parts.hostname:
            reason = "Must be an absolute https:// URL."
        elif parts.scheme == "http" and not (loopback and not self._settings.is_production):
            reason = "Must use https (plain http only to loopback outside production)."
        elif parts.username or parts.password:
            reason = "Must not carry credentials; the signature authenticates the hub."
        else:
            return
        raise ValidationFailed(reason, invalid_params=[InvalidParam("url", reason)])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

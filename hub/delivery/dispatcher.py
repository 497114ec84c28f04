"""The outbox, delivered: fan events out to the recipients' endpoints and send what is due.

At least once: a delivery is marked only after the receiver answered, so a crash mid-send means the same
notification (same ``webhook-id``) is sent again, and receivers dedupe on it. Retries back off
exponentially with jitter for ``HUB_WEBHOOK_RETRY_HOURS`` (default a day); then the delivery fails and
the hub admins hear of the failing endpoint. A 410 Gone disables the endpoint at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy.engine import Engine

from hub import crypto
from hub.db import directory as directory_repo
from hub.db import signals as signals_repo
from hub.db import webhooks as repo
from hub.delivery.http import build_session
from hub.domain.events import event_view
from hub.keys import HubKeys
from hub.settings import Settings

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600


@dataclass
class DeliveryStats:
    dispatched: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    disabled_endpoints: list[str] = field(default_factory=list)


def retry_delay(attempts: int, rng: Callable[[], float] = random.random) -> dt.timedelta:
    """Exponential backoff with jitter: 30 s, 1, 2, 4 ... minutes, capped at an hour, each 50-100 %."""
    ceiling = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=ceiling * (0.5 + rng() / 2))


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        keys: HubKeys,
        clock: Callable[[], dt.datetime],
        session: requests.Session | None = None,
    ) -> None:
        self._engine, self._settings, self._keys, self._clock = engine, settings, keys, clock
        self._session = session or build_session()

    def run_once(self, limit: int = 200) -> DeliveryStats:
        stats = DeliveryStats()
        stats.dispatched = self.fan_out(limit)
        self.deliver_due(limit, stats)
        return stats

    def fan_out(self, limit: int = 500) -> int:
        """Turn new outbox events into one pending delivery per active endpoint of the recipient."""
        now = self._clock()
        with self._engine.begin() as conn:
            events = repo.undispatched(conn, limit)
            if not events:
                return 0
            recipients = {e.recipient_id for e in events}
            endpoints: dict[str, list[str]] = {r: [] for r in recipients}
            for endpoint in repo.endpoints(conn):
                if endpoint.active and endpoint.organisation_id in recipients:
                    endpoints[endpoint.organisation_id].append(endpoint.id)
            repo.insert_deliveries(
                conn,
                [
                    {
                        "outbox_id": e.id,
                        "endpoint_id": endpoint_id,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for e in events
                    for endpoint_id in endpoints[e.recipient_id]
                ],
            )
            repo.mark_dispatched(conn, [e.id for e in events], now)
        return len(events)

    def deliver_due(self, limit: int = 200, stats: DeliveryStats | None = None) -> DeliveryStats:
        stats = stats or DeliveryStats()
        with self._engine.connect() as conn:
            due = repo.due(conn, self._clock(), limit)
        disabled: set[str] = set()
        for delivery in due:
            if delivery.endpoint_id in disabled:
                continue
            status, error = self._send(delivery)
            self._record(delivery, status, error, stats)
            if status == 410:
                disabled.add(delivery.endpoint_id)
        return stats

    def _send(self, delivery: Any) -> tuple[int | None, str | None]:
        message_id, timestamp = f"msg_{delivery.outbox_id}", int(self._clock().timestamp())
        event = event_view(_EventRow(delivery))
        body = json.dumps(
            {"type": event["type"], "timestamp": event["timestamp"].isoformat(), "data": event["data"]},
            separators=(",", ":"),
        ).encode()
        # one signature per live hub webhook key: while a retired key lives, a receiver that still holds
        # the secret derived from it verifies the notification
        secrets = [
            crypto.webhook_secret(key, delivery.endpoint_id, delivery.secret_version)
            for key in self._keys.webhook_keys(self._clock())
        ]
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": crypto.webhook_signatures(secrets, message_id, timestamp, body),
        }
        try:
            response = self._session.post(
                delivery.url,
                data=body,
                headers=headers,
                timeout=self._settings.webhook_timeout_seconds,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return None, type(exc).__name__
        return response.status_code, None

    def _record(self, delivery: Any, status: int | None, error: str | None, stats: DeliveryStats) -> None:
        now = self._clock()
        attempts = delivery.attempts + 1
        with self._engine.begin() as conn:
            if status is not None and 200 <= status < 300:
                repo.update_delivery(
                    conn,
                    delivery.id,
                    status="delivered",
                    attempts=attempts,
                    last_status=status,
                    last_error=None,
                    delivered_at=now,
                )
                repo.update_endpoint(conn, delivery.endpoint_id, last_success_at=now, failing_since=None)
                stats.delivered += 1
            elif status == 410:
                repo.update_delivery(conn, delivery.id, status="dropped", attempts=attempts, last_status=status)
                repo.update_endpoint(
                    conn, delivery.endpoint_id, active=False, disabled_reason="the receiver answered 410 Gone"
                )
                repo.drop_pending(conn, delivery.endpoint_id)
                self._tell_admins(conn, "webhook.endpoint_disabled", delivery.endpoint_id, now)
                stats.disabled_endpoints.append(delivery.endpoint_id)
                log.warning("webhook endpoint %s disabled: 410 Gone", delivery.endpoint_id)
            elif now - delivery.created_at >= dt.timedelta(hours=self._settings.webhook_retry_hours):
                repo.update_delivery(
                    conn, delivery.id, status="failed", attempts=attempts, last_status=status, last_error=error
                )
                endpoint = repo.endpoint(conn, delivery.endpoint_id)
                if endpoint is not None and endpoint.failing_since is None:  # tell the admins once per outage
                    repo.update_endpoint(conn, delivery.endpoint_id, failing_since=now)
                    self._tell_admins(conn, "webhook.endpoint_failing", delivery.endpoint_id, now)
                stats.failed += 1
                log.warning("webhook delivery %s failed after %d attempts", delivery.id, attempts)
            else:
                repo.update_delivery(
                    conn,
                    delivery.id,
                    attempts=attempts,
                    last_status=status,
                    last_error=error,
                    next_attempt_at=now + retry_delay(attempts),
                )
                stats.retried += 1

    @staticmethod
    def _tell_admins(conn: Any, event_type: str, endpoint_id: str, now: dt.datetime) -> None:
        admins = directory_repo.list_organisations(conn, kind="hub_admin")
        signals_repo.add_events(
            conn,
            [
                {
                    "recipient_id": a.id,
                    "event_type": event_type,
                    "object_type": "webhook",
                    "object_id": endpoint_id,
                    "created_at": now,
                }
                for a in admins
                if not a.disabled
            ],
        )

    def depth(self) -> tuple[int, float | None]:
        with self._engine.connect() as conn:
            return repo.pending_depth(conn, self._clock())


class _EventRow:
    """The outbox fields of a due-delivery row, shaped as ``event_view`` expects."""

    def __init__(self, delivery: Any) -> None:
        self.id, self.event_type, self.object_type = delivery.outbox_id, delivery.event_type, delivery.object_type
        self.object_id, self.object_version, self.created_at = (
            delivery.object_id,
            delivery.object_version,
            delivery.event_at,
        )

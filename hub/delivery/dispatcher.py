"""The outbox, delivered: fan events out to the recipients' endpoints and send what is due.

At least once: a delivery is marked only after the receiver answered, so a crash mid-send means the same
notification (same ``webhook-id``) is sent again, and receivers dedupe on it. Each endpoint gets its
notifications one at a time and in order; different endpoints are sent to side by side (up to
``HUB_WEBHOOK_CONCURRENCY`` at once). Retries back off
exponentially with jitter for ``HUB_WEBHOOK_RETRY_HOURS`` (default a day); then the delivery fails and
the hub admins hear of the failing endpoint. A 410 Gone disables the endpoint at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
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
    full: bool = False  # the run took as much as it was allowed: more may be waiting

    def add(self, other: DeliveryStats) -> None:
        self.dispatched += other.dispatched
        self.delivered += other.delivered
        self.retried += other.retried
        self.failed += other.failed
        self.disabled_endpoints.extend(other.disabled_endpoints)


#: (delivery row, HTTP status or None, error name or None)
Outcome = tuple[Any, int | None, str | None]


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
        # requests' sessions are not meant to be shared between threads: one per sending thread, or the
        # one given (then sends go one at a time)
        self._given_session = session
        self._sessions = threading.local()
        self._pool: ThreadPoolExecutor | None = None

    def run_once(self, limit: int = 200) -> DeliveryStats:
        stats = DeliveryStats()
        stats.dispatched = self.fan_out(limit)
        self.deliver_due(limit, stats)
        stats.full = stats.full or stats.dispatched >= limit
        return stats

    def drain(self, seconds: float, limit: int = 200) -> DeliveryStats:
        """``run_once`` again and again while runs come back full, for up to about ``seconds``: a backlog
        drains at the dispatcher's pace instead of ``limit`` per scheduler tick."""
        total = DeliveryStats()
        deadline = time.monotonic() + seconds
        while True:
            stats = self.run_once(limit)
            total.add(stats)
            if not stats.full or time.monotonic() >= deadline:
                return total

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
        stats.full = len(due) >= limit
        by_endpoint: dict[str, list[Any]] = {}
        for delivery in due:
            by_endpoint.setdefault(delivery.endpoint_id, []).append(delivery)
        groups = list(by_endpoint.values())
        workers = 1 if self._given_session is not None else min(self._settings.webhook_concurrency, len(groups))
        if workers <= 1:
            for group in groups:
                stats.add(self._deliver_in_order(group))
            return stats
        if self._pool is None:  # kept for the dispatcher's life, so each thread keeps its connections alive
            self._pool = ThreadPoolExecutor(self._settings.webhook_concurrency, thread_name_prefix="webhooks")
        for done in as_completed([self._pool.submit(self._deliver_in_order, group) for group in groups]):
            stats.add(done.result())
        return stats

    def _deliver_in_order(self, group: Sequence[Any]) -> DeliveryStats:
        """One endpoint's due deliveries, oldest first, each recorded as soon as the receiver answered (so a
        crash re-sends at most the one in flight); after a 410 Gone the rest are not sent."""
        stats = DeliveryStats()
        for delivery in group:
            status, error = self._send(delivery)
            self._record(delivery, status, error, stats)
            if status == 410:
                break
        return stats

    def _session(self) -> requests.Session:
        if self._given_session is not None:
            return self._given_session
        session: requests.Session | None = getattr(self._sessions, "session", None)
        if session is None:
            session = self._sessions.session = build_session()
        return session

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
            response = self._session().post(
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
        with self._engine.begin() as conn:
            if status is not None and 200 <= status < 300:
                repo.mark_delivered(conn, [(delivery.id, delivery.attempts + 1, status)], now)
                repo.update_endpoint(conn, delivery.endpoint_id, last_success_at=now, failing_since=None)
                stats.delivered += 1
            else:
                self._record_failure(conn, (delivery, status, error), stats, now)

    def _record_failure(self, conn: Any, outcome: Outcome, stats: DeliveryStats, now: dt.datetime) -> None:
        delivery, status, error = outcome
        attempts = delivery.attempts + 1
        if status == 410:
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

"""The scheduler's jobs, declared in one place with stable ids. Each is a thin, idempotent call into a
service; the separate ``hub scheduler`` process runs them (one process at a time, see ``lock``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the services import the lock module of this package
    from hub.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    seconds: int
    run: Callable[[Services], object]
    description: str


def _deliver(services: Services) -> object:
    stats = services.dispatcher.run_once()
    if stats.dispatched or stats.delivered or stats.retried or stats.failed:
        log.info(
            "webhooks: %d events dispatched, %d delivered, %d to retry, %d failed",
            stats.dispatched,
            stats.delivered,
            stats.retried,
            stats.failed,
        )
    return stats


def _retention(services: Services) -> object:
    return services.retention.run()


def _purge_auth(services: Services) -> object:
    return services.auth.purge()


def _settlement_deadlines(services: Services) -> object:
    stats = services.settlements.deadlines.run_once()
    if stats.reminded or stats.escalated:
        log.info("settlement deadlines: %d reminders, %d escalations", stats.reminded, stats.escalated)
    return stats


JOBS: tuple[Job, ...] = (
    Job("webhooks.deliver", 2, _deliver, "fan outbox events out to webhook endpoints and send what is due"),
    Job("retention.purge", 3600, _retention, "delete cases past their retention term and expired sealed identities"),
    Job("auth.purge", 60, _purge_auth, "delete expired request nonces and finished rate-limit windows"),
    Job(
        "settlements.deadlines",
        60,
        _settlement_deadlines,
        "remind creditors before a settlement deadline, escalate to debt help after it (once each)",
    ),
)

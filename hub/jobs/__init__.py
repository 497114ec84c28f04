"""The scheduler's jobs, declared in one place with stable ids. Each is a thin, idempotent call into a
service; the separate ``hub scheduler`` process runs them (one process at a time, see ``lock``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.db import job_runs

if TYPE_CHECKING:  # the services import the lock module of this package
    from hub.services import Services

log = logging.getLogger(__name__)


def _nothing_purged(_result: object) -> Mapping[str, int]:
    return {}


@dataclass(frozen=True)
class Job:
    id: str
    seconds: int
    run: Callable[[Services], object]
    description: str
    #: the rows a run deleted, by kind, read from what ``run`` returned (for ``signaalhub_purged_rows_total``)
    purged: Callable[[object], Mapping[str, int]] = _nothing_purged


def run_job(job: Job, services: Services) -> object:
    """Run ``job`` once, as the scheduler does, and count the run (ok or error) and what it purged in the
    database, where every web process's ``/metrics`` reads it. A failing run is logged and counted; the
    next run goes ahead at its time."""
    purged: Mapping[str, int] = {}
    try:
        result = job.run(services)
        purged = job.purged(result)
    except Exception:
        log.exception("job %s failed", job.id)
        outcome, result = "error", None
    else:
        outcome = "ok"
    with services.engine.begin() as conn:
        job_runs.record(conn, job.id, outcome, services.clock(), purged)
    return result


#: how often the outbox is looked at: the time from a commit to its webhook is half this on average
DELIVER_SECONDS = 1


def _deliver(services: Services) -> object:
    # a backlog drains run after run within the tick, instead of 200 per tick
    stats = services.dispatcher.drain(DELIVER_SECONDS * 0.75)
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


def _retention_purged(result: object) -> Mapping[str, int]:
    assert isinstance(result, dict)
    return {str(kind): int(count) for kind, count in result.items()}


def _auth_purged(result: object) -> Mapping[str, int]:
    assert isinstance(result, int)
    return {"nonces_and_rate_windows": result}


def _consent_expiry(services: Services) -> object:
    return services.consent_expiry.run()


def _settlement_deadlines(services: Services) -> object:
    stats = services.settlements.deadlines.run_once()
    if stats.reminded or stats.escalated:
        log.info("settlement deadlines: %d reminders, %d escalations", stats.reminded, stats.escalated)
    return stats


JOBS: tuple[Job, ...] = (
    Job(
        "webhooks.deliver",
        DELIVER_SECONDS,
        _deliver,
        "fan outbox events out to webhook endpoints and send what is due",
    ),
    Job(
        "retention.purge",
        3600,
        _retention,
        "delete cases past their retention term and expired sealed identities",
        _retention_purged,
    ),
    Job("auth.purge", 60, _purge_auth, "delete expired request nonces and finished rate-limit windows", _auth_purged),
    Job("consent.expiry", 3600, _consent_expiry, "warn the recorder of a consent before its term ends (once a term)"),
    Job(
        "settlements.deadlines",
        60,
        _settlement_deadlines,
        "remind creditors before a settlement deadline, escalate to debt help after it (once each)",
    ),
)

"""Prometheus metrics at ``/metrics``: requests by route and status, latency, signals accepted by sector, and
the state of the outbox and jobs read from the database at scrape time (so they are right across processes).

Under gunicorn ``hub serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` so that every worker's counters are summed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from hub.db import job_runs
from hub.db.tables import outbox, signals, webhook_deliveries


def use_multiprocess(directory: str) -> None:
    """Count in files under ``directory`` from now on (gunicorn workers). prometheus-client picks its value
    class when first imported, which is before ``hub serve`` knows it will fork; pick again here, before the
    app creates its metrics."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


class Metrics:
    """The process's request and signal metrics; one per app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "signaalhub_http_requests_total",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "signaalhub_http_request_duration_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.signals_accepted = Counter(
            "signaalhub_signals_accepted_total", "Signals accepted, by sector", ["sector"], registry=self.registry
        )


class StoreCollector(Collector):
    """Read from the database when scraped: outbox depth and age, deliveries by status, signals held, and
    what the scheduler process did (job runs by outcome, rows purged by kind)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from self._outbox()
        yield from self._jobs()

    def _jobs(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        with self._engine.connect() as conn:
            runs, purged = job_runs.runs(conn), job_runs.purged(conn)
        counted = CounterMetricFamily(
            "signaalhub_jobs_run", "Scheduler job runs, by job and outcome (ok, error)", labels=["job", "outcome"]
        )
        last = GaugeMetricFamily(
            "signaalhub_job_last_run_timestamp_seconds", "When each scheduler job last ran (Unix time)", labels=["job"]
        )
        latest: dict[str, float] = {}
        for row in runs:
            counted.add_metric([row.job_id, row.outcome], row.runs)
            latest[row.job_id] = max(latest.get(row.job_id, 0.0), row.last_run_at.timestamp())
        for job_id, at in sorted(latest.items()):
            last.add_metric([job_id], at)
        rows = CounterMetricFamily("signaalhub_purged_rows", "Rows deleted by the purge jobs, by kind", labels=["kind"])
        for row in purged:
            rows.add_metric([row.kind], row.rows)
        yield from (counted, last, rows)

    def _outbox(self) -> Iterator[GaugeMetricFamily]:
        now = time.time()
        with self._engine.connect() as conn:
            undispatched = conn.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
            ).scalar_one()
            by_status = conn.execute(
                sa.select(webhook_deliveries.c.status, sa.func.count()).group_by(webhook_deliveries.c.status)
            ).all()
            oldest = conn.execute(
                sa.select(sa.func.min(webhook_deliveries.c.created_at)).where(webhook_deliveries.c.status == "pending")
            ).scalar_one()
            retrying = conn.execute(
                sa.select(sa.func.count())
                .select_from(webhook_deliveries)
                .where(webhook_deliveries.c.status == "pending", webhook_deliveries.c.attempts > 0)
            ).scalar_one()
            held = conn.execute(sa.select(sa.func.count()).select_from(signals)).scalar_one()
        yield GaugeMetricFamily(
            "signaalhub_outbox_undispatched_events", "Outbox events not yet fanned out", value=undispatched
        )
        deliveries = GaugeMetricFamily(
            "signaalhub_webhook_deliveries", "Webhook deliveries by status", labels=["status"]
        )
        for status, count in by_status:
            deliveries.add_metric([status], count)
        yield deliveries
        yield GaugeMetricFamily(
            "signaalhub_webhook_deliveries_retrying",
            "Pending webhook deliveries whose last attempt failed (to be retried until HUB_WEBHOOK_RETRY_HOURS)",
            value=retrying,
        )
        yield GaugeMetricFamily(
            "signaalhub_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending webhook delivery",
            value=max(0.0, now - oldest.timestamp()) if oldest is not None else 0.0,
        )
        yield GaugeMetricFamily("signaalhub_signals_stored", "Signals held by the hub", value=held)


def init_app(app: Flask, engine: Engine) -> Metrics:
    metrics = Metrics()
    store = StoreCollector(engine)

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        metrics.requests.labels(route, request.method, str(response.status_code)).inc()
        metrics.latency.labels(route).observe(time.perf_counter() - g.get("started", time.perf_counter()))
        return response

    def exposition() -> Response:
        registry: Any = metrics.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        output = generate_latest(registry) + generate_latest(_single(store))
        return Response(output, mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", exposition)
    return metrics


def _single(collector: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry

"""Metrics at /metrics and JSON request logs with a request id, never with personal data."""

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask

from hub.jobs import JOBS, Job, run_job
from hub.logs import JsonFormatter
from hub.services import Services
from hub.settings import Settings
from tests.support.chain import Chain, identity
from tests.support.receiver import Receiver
from tests.support.servers import serve


def test_metrics_expose_requests_latency_signals_and_the_outbox(app: Flask) -> None:
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    assert woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, identity())).status_code == 201
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'signaalhub_http_requests_total{method="POST",route="/v1/signals",status="201"} 1.0' in text
    assert 'signaalhub_http_request_duration_seconds_bucket{le="0.005",route="/v1/signals"}' in text
    assert 'signaalhub_signals_accepted_total{sector="huur"} 1.0' in text
    assert "signaalhub_outbox_undispatched_events 2.0" in text  # signal.received and report.updated
    assert "signaalhub_outbox_oldest_pending_age_seconds 0.0" in text
    assert "signaalhub_signals_stored 1.0" in text


def test_request_log_is_json_with_a_request_id_and_no_personal_data(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    person = identity(surname="Zwanenburg", street="Reigersbekweg", reference="KLANT-778899")
    with caplog.at_level(logging.DEBUG):
        response = woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, person))
    assert response.headers["X-Request-ID"]
    lines = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    [access] = [line for line in lines if line["logger"] == "hub.access"]
    assert access["route"] == "/v1/signals" and access["status"] == 201 and access["organisation"] == "woonstad"
    assert access["request_id"] == response.headers["X-Request-ID"]
    everything = json.dumps(lines)
    for secret in ("Zwanenburg", "Reigersbekweg", "KLANT-778899", "1974-06-17", "Pieter"):
        assert secret not in everything


def test_a_well_formed_request_id_is_kept(app: Flask) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "abc-123-def-456"})
    assert response.headers["X-Request-ID"] == "abc-123-def-456"
    odd = app.test_client().get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["X-Request-ID"] != "<script>"


def _scrape(app: Flask) -> dict[str, float]:
    """The exposition as series -> value (names with their labels, as Prometheus shows them)."""
    text = app.test_client().get("/metrics").get_data(as_text=True)
    return {m[1]: float(m[2]) for m in re.finditer(r"^([a-z_]+(?:\{[^}]*\})?) (\S+)$", text, re.MULTILINE)}


def _later(app: Flask, days: int) -> Services:
    """The app's services with a clock ``days`` ahead: the jobs see a future in which terms have run out."""
    services = app.extensions["signaalhub"]
    return Services.build(
        services.settings, services.engine, clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    )


def _job(job_id: str) -> Job:
    return next(job for job in JOBS if job.id == job_id)


def test_job_runs_purges_and_deliveries_are_series_that_follow_the_work(app: Flask) -> None:
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    services = app.extensions["signaalhub"]
    before = _scrape(app)
    assert not any(name.startswith(("signaalhub_jobs_run_total", "signaalhub_purged_rows_total")) for name in before)

    receiver = Receiver()
    with serve(receiver) as url:
        receiver.secret = gm.client.post("/v1/webhooks", {"url": url}).json["secret"]
        assert woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, identity())).status_code == 201
        assert _scrape(app)["signaalhub_outbox_undispatched_events"] == 2
        run_job(_job("webhooks.deliver"), services)
    run_job(_job("settlements.deadlines"), services)
    run_job(_job("settlements.deadlines"), services)
    run_job(_job("retention.purge"), services)  # nothing is due yet
    after = _scrape(app)
    assert len(receiver.received) == 2
    assert after['signaalhub_webhook_deliveries{status="delivered"}'] == 2
    assert after["signaalhub_outbox_undispatched_events"] == 0
    assert after["signaalhub_webhook_deliveries_retrying"] == 0
    assert after['signaalhub_jobs_run_total{job="webhooks.deliver",outcome="ok"}'] == 1
    assert after['signaalhub_jobs_run_total{job="settlements.deadlines",outcome="ok"}'] == 2
    assert after['signaalhub_purged_rows_total{kind="cases"}'] == 0
    assert after['signaalhub_job_last_run_timestamp_seconds{job="retention.purge"}'] > 0

    run_job(_job("retention.purge"), _later(app, 200))  # past the retention term: the case goes
    purged = _scrape(app)
    assert purged['signaalhub_jobs_run_total{job="retention.purge",outcome="ok"}'] == 2
    assert purged['signaalhub_purged_rows_total{kind="cases"}'] == 1
    assert purged['signaalhub_purged_rows_total{kind="signals"}'] == 1
    assert purged['signaalhub_purged_rows_total{kind="tokens"}'] > 0
    assert purged["signaalhub_signals_stored"] == 0


def test_a_failing_job_is_counted_as_an_error(app: Flask) -> None:
    def broken(_services: Services) -> object:
        raise RuntimeError("the store went away")

    services = app.extensions["signaalhub"]
    assert run_job(Job("test.broken", 60, broken, "always fails"), services) is None
    run_job(_job("auth.purge"), services)
    after = _scrape(app)
    assert after['signaalhub_jobs_run_total{job="test.broken",outcome="error"}'] == 1
    assert after['signaalhub_jobs_run_total{job="auth.purge",outcome="ok"}'] == 1
    assert 'signaalhub_purged_rows_total{kind="nonces_and_rate_windows"}' in after


def test_failed_deliveries_and_the_oldest_pending_age_are_series(app: Flask) -> None:
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    gm.client.post("/v1/webhooks", {"url": "http://127.0.0.1:9/closed"})
    assert woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, identity())).status_code == 201
    services = app.extensions["signaalhub"]
    run_job(_job("webhooks.deliver"), services)  # the receiver is down: pending, to retry
    pending = _scrape(app)
    assert pending['signaalhub_webhook_deliveries{status="pending"}'] == 2
    assert pending["signaalhub_webhook_deliveries_retrying"] == 2
    run_job(_job("webhooks.deliver"), _later(app, 2))  # past HUB_WEBHOOK_RETRY_HOURS: given up
    failed = _scrape(app)
    assert failed['signaalhub_webhook_deliveries{status="failed"}'] == 2
    assert failed["signaalhub_outbox_oldest_pending_age_seconds"] == 0
    assert failed["signaalhub_webhook_deliveries_retrying"] == 0


def test_the_scheduler_process_counts_its_runs_and_readyz_shows_its_heartbeat(
    app: Flask, settings: Settings, tmp_path: Path
) -> None:
    assert app.test_client().get("/readyz").json["scheduler_heartbeat"] is None
    env = {**os.environ, "HUB_DATABASE_URL": settings.database_url, "HUB_DATA_DIR": str(settings.data_dir)}
    hub = str(Path(sys.executable).with_name("hub"))
    process = subprocess.Popen([hub, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        series = 'signaalhub_jobs_run_total{job="webhooks.deliver",outcome="ok"}'
        while series not in _scrape(app):  # the delivery job runs every second
            assert process.poll() is None and time.monotonic() < deadline, "the scheduler never ran a job"
            time.sleep(0.2)
        ready = app.test_client().get("/readyz").json
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
    assert ready["scheduler_heartbeat"] is not None
    heartbeat = dt.datetime.fromisoformat(ready["scheduler_heartbeat"])
    assert abs(dt.datetime.now(dt.UTC) - heartbeat) < dt.timedelta(minutes=5)

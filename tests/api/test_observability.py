"""Metrics at /metrics and JSON request logs with a request id, never with personal data."""

import json
import logging

import pytest
from flask import Flask

from hub.logs import JsonFormatter
from tests.support.chain import Chain, identity


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

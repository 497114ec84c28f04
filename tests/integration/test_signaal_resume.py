"""A push that is interrupted, or that the hub answers with refusals, still ends with every valid row
stored exactly once: resumed pushes re-post the committed envelopes (the hub says ``duplicate``, never
409), a stale routing table is fetched again, and a row the hub refuses is reported by line and field."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from adapters.client import HubClient, HubClientError
from adapters.report import read_report
from hub.db.tables import signals
from hub.domain.evidence import Actor
from tests.support.chain import SAMPLE_ROUTING, Chain
from tests.support.servers import serve
from tests.support.signaal import Partner, reading_of, register_municipalities, sample, set_up_partner, stored_signals


class Crash(BaseException):
    """Stands in for the process dying: not an Exception, so nothing in the adapter handles it."""


@dataclass
class Hub:
    """A hub app with the sample routing table and every municipality it routes to."""

    app: Flask
    chain: Chain
    database_url: str
    tmp_path: Path

    def partner(self, url: str, org_id: str, kind: str) -> Partner:
        return set_up_partner(self.tmp_path, self.database_url, url, org_id, kind)


@pytest.fixture
def hub(app: Flask, database_url: str, tmp_path: Path) -> Hub:
    chain = Chain(app)
    register_municipalities(chain, dt.date.today())
    return Hub(app, chain, database_url, tmp_path)


@pytest.fixture
def posts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every batch POST the adapter makes: its answer status, or the error it raised."""
    seen: list[Any] = []
    real = HubClient.post

    def recording(self: HubClient, path: str, body: Any, **kwargs: Any) -> Any:
        try:
            response = real(self, path, body, **kwargs)
        except HubClientError as error:
            seen.append(error.status)
            raise
        seen.append(response.status_code)
        return response

    monkeypatch.setattr(HubClient, "post", recording)
    yield seen


def _intercept(monkeypatch: pytest.MonkeyPatch, before: Callable[[int, Any], None]) -> None:
    """Call ``before(n, body)`` ahead of the n-th (1-based) batch POST; it may raise instead of posting."""
    real, calls = HubClient.post, [0]

    def intercepted(self: HubClient, path: str, body: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        before(calls[0], body)
        return real(self, path, body, **kwargs)

    monkeypatch.setattr(HubClient, "post", intercepted)


def test_a_push_that_dies_after_the_hub_stored_a_batch_resumes_without_sending_twice(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, posts: list[Any]
) -> None:
    valid = len(reading_of("energy").rows)
    armed = [True]
    real = HubClient.post

    def dies_after_third_batch(self: HubClient, path: str, body: Any, **kwargs: Any) -> Any:
        response = real(self, path, body, **kwargs)
        if armed[0] and stored_signals(hub.app, "eneco") >= 30:
            armed[0] = False
            raise Crash  # the hub stored the batch; the adapter never learnt it
        return response

    monkeypatch.setattr(HubClient, "post", dies_after_third_batch)
    with serve(hub.app) as url:
        partner = hub.partner(url, "eneco", "energy")
        with pytest.raises(Crash):
            partner.push(sample("energy"), "--batch-size", "10")
        assert stored_signals(hub.app, "eneco") == 30
        result = partner.push(sample("energy"), "--batch-size", "10")
    assert result.exit_code == 0, result.output
    assert f"sent {valid - 20} ({valid - 30} new, 10 already at the hub)" in result.output
    assert "20 sent in an earlier run" in result.output
    assert stored_signals(hub.app, "eneco") == valid
    assert 409 not in posts


def test_killing_the_push_process_half_way_and_running_it_again_sends_every_row_once(
    hub: Hub, posts: list[Any]
) -> None:
    """The issue's check: `signaal signals push` killed with SIGKILL, then run again."""
    valid = len(reading_of("energy").rows)

    def slow_hub(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ["REQUEST_METHOD"] == "POST":
            time.sleep(0.05)  # so that the kill lands half-way
        return hub.app(environ, start_response)

    with serve(slow_hub) as url:
        partner = hub.partner(url, "eneco", "energy")
        command = [sys.executable, "-m", "adapters.cli", "signals", "push", "--dir", str(partner.home)]
        process = subprocess.Popen(
            [*command, "--batch-size", "5", "--no-progress", str(sample("energy"))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_confirmed(partner, at_least=15, process=process)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        assert 15 <= stored_signals(hub.app, "eneco") < valid
        result = partner.push(sample("energy"), "--batch-size", "5")
    assert result.exit_code == 0, result.output
    assert stored_signals(hub.app, "eneco") == valid
    assert 409 not in posts and all(status in (200, 201) for status in posts)


def _wait_for_confirmed(partner: Partner, *, at_least: int, process: subprocess.Popen[bytes]) -> None:
    state = partner.home / "data" / "state.sqlite3"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the push ended before it could be killed"
        if state.exists():
            with sqlite3.connect(state, timeout=5) as conn:
                tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'signals'").fetchone()[0]
                sent = conn.execute("SELECT count(*) FROM signals WHERE phase = 'sent'").fetchone()[0] if tables else 0
            conn.close()
            if sent >= at_least:
                return
        time.sleep(0.01)
    pytest.fail("the push made no progress")


def test_a_routing_table_that_changes_mid_push_is_fetched_again_and_rows_resealed(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, posts: list[Any]
) -> None:
    """From 2025, area 4000-4999 moves from municipality 0758 to 0363 while the push is under way."""
    moved = SAMPLE_ROUTING.read_text().replace(
        "4000-4999,,,0758,2014-01-01,\n", "4000-4999,,,0758,2014-01-01,2025-01-01\n4000-4999,,,0363,2025-01-01,\n"
    )
    routing = hub.app.extensions["signaalhub"].routing

    def publish_first(call: int, body: Any) -> None:
        if call == 1:
            routing.import_text(Actor.operator(), moved, source="moved.csv")

    with serve(hub.app) as url:
        partner = hub.partner(url, "woonstad", "housing")
        _intercept(monkeypatch, publish_first)
        result = partner.push(sample("housing"))
    assert result.exit_code == 0, result.output
    assert 422 in posts  # the hub refused the stale table once
    with hub.app.extensions["signaalhub"].engine.connect() as conn:
        codes = conn.execute(sa.select(signals.c.municipality_code).where(signals.c.creditor_id == "woonstad")).all()
    assert len(codes) == 25 and ("0758",) not in codes and ("0363",) in codes


def test_a_row_the_hub_refuses_is_reported_by_line_and_the_rest_is_stored(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse_second_signal(call: int, body: Any) -> None:
        if call == 1:
            reason = "Amount in arrears must be at most 10000000 cents."
            problem = {
                "code": "validation_failed",
                "invalid_params": [{"name": "signals.1.amount_cents", "reason": reason}],
            }
            raise HubClientError(422, problem)

    with serve(hub.app) as url:
        partner = hub.partner(url, "woonstad", "housing")
        _intercept(monkeypatch, refuse_second_signal)
        result = partner.push(sample("housing"))
    assert result.exit_code == 0, result.output
    assert "26 rows, 24 valid, 2 rejected" in result.output
    report = next((partner.home / "data" / "reports").iterdir())
    rows = [(r["line"], r["field"], r["column"]) for r in read_report(report)]
    assert rows == [("3", "amount_cents", "Achterstand"), ("17", "amount_cents", "Achterstand")]
    assert stored_signals(hub.app, "woonstad") == 24


def test_a_revoked_municipality_key_is_noticed_and_its_rows_are_held_back(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = hub.app.extensions["signaalhub"].directory

    def revoke_first(call: int, body: Any) -> None:
        if call == 1:
            directory.revoke_key(Actor.operator(), hub.chain.parties["gm0758"].recipient.key_id)

    with serve(hub.app) as url:
        partner = hub.partner(url, "woonstad", "housing")
        _intercept(monkeypatch, revoke_first)
        result = partner.push(sample("housing"))
    assert result.exit_code == 0, result.output
    report = read_report(next((partner.home / "data" / "reports").iterdir()))
    held = [r for r in report if "municipality 0758 is not registered" in r["reason"]]
    assert held and all(r["field"] == "address.postcode" for r in held)
    assert stored_signals(hub.app, "woonstad") == 25 - len(held)


def test_unreachable_hub_and_missing_key_say_what_to_check(hub: Hub) -> None:
    with serve(hub.app) as url:
        partner = hub.partner(url, "woonstad", "housing")
    config = partner.home / "config.toml"
    config.write_text(
        config.read_text().replace(url, "http://127.0.0.1:9").replace("retry_attempts = 2", "retry_attempts = 1")
    )
    down = partner.push(sample("housing"))
    assert down.exit_code == 1
    assert (
        "cannot reach the hub at http://127.0.0.1:9" in down.output and "run the same command to resume" in down.output
    )
    (partner.home / "keys" / "signing.pem").unlink()
    no_key = partner.push(sample("housing"))
    assert no_key.exit_code == 1 and "signing key file" in no_key.output and "does not exist" in no_key.output
    (partner.home / "keys" / "signing.pem").write_text("not a key")
    bad_key = partner.push(sample("housing"))
    assert bad_key.exit_code == 1 and "is not an Ed25519 signing key" in bad_key.output


def test_a_lost_state_file_does_not_lead_to_double_signals(hub: Hub, posts: list[Any]) -> None:
    """Without its state the adapter re-seals (other bytes, same ids): the hub answers 409 and the adapter
    asks which signals it holds, counting those as sent."""
    with serve(hub.app) as url:
        partner = hub.partner(url, "woonstad", "housing")
        assert partner.push(sample("housing")).exit_code == 0
        (partner.home / "data" / "state.sqlite3").unlink()
        again = partner.push(sample("housing"))
    assert again.exit_code == 0, again.output
    assert "sent 25 (0 new, 25 already at the hub)" in again.output
    assert posts == [201, 409]
    assert stored_signals(hub.app, "woonstad") == 25

"""PostgreSQL restarted under load: a real ``hub serve`` on a private PostgreSQL cluster (never the machine's
shared server) while a creditor posts signed batches without pause. The cluster is stopped (``pg_ctl stop -m
fast``: every session is terminated) and started again, three times. While it is away the hub answers 503
problem+json with Retry-After, never a 500 and never a dropped connection; when it is back the hub serves again
by itself (same processes, no restart: the engine's pool replaces the dead connections); and every
signal the client saw acknowledged is stored exactly once, with no batch partly stored.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from hub import Settings
from hub.db import migrate
from hub.db import tables as t
from hub.db.engine import make_engine
from tests.support.chain import Chain, Party, identity
from tests.support.hubproc import HttpSigner, HubServer, hub_env
from tests.support.pgcluster import Cluster, private_cluster, wait_until

pytestmark = pytest.mark.postgresql

RESTARTS = 3
OUTAGE_SECONDS = 3.0  # how long the database stays away each time
BATCH = 4
RECOVERY_BOUND = 60.0  # a bound, not a target: the test fails with a message if the hub never recovers


@dataclass
class Seen:
    """Every answer the client got, with when it got it."""

    answers: list[tuple[float, int, str, str]] = field(default_factory=list)  # (time, status, media type, code)
    acknowledged: set[str] = field(default_factory=set)
    batches: list[list[str]] = field(default_factory=list)
    connection_errors: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def last_ack(self) -> float:
        with self.lock:
            return max((at for at, status, _, _ in self.answers if status in (200, 201)), default=0.0)


class Poster(threading.Thread):
    """Posts batches back to back; a batch is retried (same signal ids) until the hub acknowledges it."""

    def __init__(self, chain: Chain, creditor: Party, municipality: Party, url: str, seen: Seen) -> None:
        super().__init__(daemon=True, name="poster")
        self.chain, self.creditor, self.municipality, self.seen = chain, creditor, municipality, seen
        self.http = HttpSigner(url, creditor.client.key_id, creditor.client.private_key, timeout=30)
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # fail the test, not just the thread
            self.seen.errors.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            signals = [
                self.chain.signal(self.creditor, self.municipality, identity(reference=f"B{number}-{i}"))
                for i in range(BATCH)
            ]
            ids = [str(s["signal_id"]) for s in signals]
            with self.seen.lock:
                self.seen.batches.append(ids)
            deadline = time.monotonic() + RECOVERY_BOUND
            while True:
                if time.monotonic() > deadline:
                    self.seen.errors.append(f"batch {number} not acknowledged within {RECOVERY_BOUND:.0f} s")
                    return
                try:
                    response = self.http.post("/v1/signals/batch", {"signals": signals})
                except requests.RequestException as exc:
                    with self.seen.lock:
                        self.seen.connection_errors += 1
                    self.seen.errors.append(f"the hub dropped a connection: {type(exc).__name__}")
                    time.sleep(0.2)
                    continue
                media = response.headers.get("Content-Type", "")
                code = response.json().get("code", "") if media.startswith("application/problem+json") else ""
                with self.seen.lock:
                    self.seen.answers.append((time.monotonic(), response.status_code, media, code))
                if response.status_code in (200, 201):
                    with self.seen.lock:
                        self.seen.acknowledged.update(ids)
                    break
                if response.status_code == 503:
                    assert response.headers.get("Retry-After"), "a 503 must say when to retry"
                    time.sleep(0.1)  # shorter than Retry-After: the test wants to see many answers
                    continue
                self.seen.errors.append(f"unexpected {response.status_code}: {response.text[:300]}")
                return


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with private_cluster() as started:
        yield started


def test_postgresql_restart_under_load_gives_503_then_recovers_losing_nothing(
    cluster: Cluster, make_app: Callable[[Settings], Flask], tmp_path: Path
) -> None:
    started = time.monotonic()
    url = cluster.create_database(f"restart_{uuid.uuid4().hex[:8]}")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    settings = Settings(env="test", data_dir=tmp_path / "var", database_url=url)
    app = make_app(settings)
    chain = Chain(app)
    gm, creditor = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    app.extensions["signaalhub"].engine.dispose()

    server = HubServer(hub_env(url, settings.data_dir), tmp_path / "serve.log")
    server.start()
    seen = Seen()
    poster = Poster(chain, creditor, gm, server.url, seen)
    outages: list[dict[str, Any]] = []
    readyz_during_outage: list[tuple[int, str]] = []
    try:
        server.wait_ready()
        assert server.process is not None
        hub_pid = server.process.pid
        poster.start()
        for _ in range(RESTARTS):
            before = len(seen.acknowledged)
            wait_until(lambda before=before: len(seen.acknowledged) >= before + 2 * BATCH, 60, "acks before a restart")
            down_at = time.monotonic()
            cluster.stop("fast")  # ends every session, in the middle of whatever the hub was doing
            time.sleep(OUTAGE_SECONDS / 2)
            probe = requests.get(f"{server.url}/readyz", timeout=10)
            readyz_during_outage.append((probe.status_code, probe.headers.get("Content-Type", "")))
            time.sleep(OUTAGE_SECONDS / 2)
            cluster.start()
            up_at = time.monotonic()
            wait_until(lambda up_at=up_at: seen.last_ack() > up_at, RECOVERY_BOUND, "the first ack after the restart")
            back_at = seen.last_ack()
            with seen.lock:
                during = [a for a in seen.answers if down_at <= a[0] <= back_at]
            refused = [a for a in during if a[1] == 503]
            outages.append(
                {
                    "database_down_seconds": round(up_at - down_at, 2),
                    "answers_503": len(refused),
                    "first_503_to_last_503_seconds": round(refused[-1][0] - refused[0][0], 2) if refused else 0.0,
                    "recovered_seconds_after_database_up": round(back_at - up_at, 2),
                }
            )
        poster.stop.set()
        poster.join(timeout=RECOVERY_BOUND + 10)
        assert server.alive() and server.process.pid == hub_pid, "the hub kept running through every restart"
    finally:
        poster.stop.set()
        server.stop()

    assert not seen.errors, seen.errors[:5]
    statuses = Counter(status for _, status, _, _ in seen.answers)
    assert set(statuses) <= {200, 201, 503}, f"only acknowledgements and 503s, got {dict(statuses)}"
    assert all(o["answers_503"] > 0 for o in outages), f"each outage was seen as 503s: {outages}"
    problems = [(media, code) for _, status, media, code in seen.answers if status == 503]
    assert {media for media, _ in problems} == {"application/problem+json"}
    assert {code for _, code in problems} == {"database_unavailable"}
    assert readyz_during_outage and all(s == 503 and m == "application/problem+json" for s, m in readyz_during_outage)

    check = make_engine(url)
    with check.connect() as conn:
        stored = Counter(r.id for r in conn.execute(sa.select(t.signals.c.id)))
        events = Counter(
            r.object_id
            for r in conn.execute(sa.select(t.outbox.c.object_id).where(t.outbox.c.event_type == "signal.received"))
        )
    check.dispose()
    assert seen.acknowledged and seen.acknowledged <= set(stored), "every acknowledged signal is stored"
    assert all(n == 1 for n in stored.values()) and all(events[i] == 1 for i in seen.acknowledged)
    for ids in seen.batches:
        assert sum(1 for i in ids if i in stored) in (0, len(ids)), f"a batch was partly stored: {ids}"
    assert set(stored) <= {i for ids in seen.batches for i in ids}

    figures = {
        "restarts": RESTARTS,
        "outages": outages,
        "answers": dict(sorted(statuses.items())),
        "signals_acknowledged": len(seen.acknowledged),
        "batches": len(seen.batches),
        "seconds": round(time.monotonic() - started, 1),
    }
    print("\npg_restart: " + json.dumps(figures, sort_keys=True))
    target = os.environ.get("HUB_RELIABILITY_FIGURES")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"test": "pg_restart", **figures}, sort_keys=True) + "\n")

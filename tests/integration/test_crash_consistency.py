"""Crash consistency against real processes: ``hub serve`` (gunicorn) is SIGKILLed at random moments while
creditors post signed batches, and ``hub deliver`` is SIGKILLed at random moments while it sends webhooks. The
hub is restarted each time, the clients retry what they did not see acknowledged, and afterwards:

- every signal a client saw acknowledged is stored exactly once (one row, one case link, one event);
- no batch is ever partly visible, checked on the store right after every kill, before the restart;
- every report version (and every signal.received) reaches the municipality's receiver.

Runs on SQLite (a file) and on PostgreSQL (a private cluster, tests.support.pgcluster, so that the load of
other tests on the shared server does not stretch the run). The figures of the run are printed (``-s``) and written to
``$HUB_RELIABILITY_FIGURES`` when set (docs/reliability.md quotes them).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
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
from tests.support.hubproc import HttpSigner, HubCommand, HubServer, hub_env
from tests.support.pgcluster import private_cluster
from tests.support.receiver import Receiver
from tests.support.servers import serve

SERVE_KILLS = 10  # hub serve, mid-ingest
DELIVER_KILLS = 10  # hub deliver, mid-delivery: 20 SIGKILLs in all
BATCH = 8  # signals per batch
HOUSEHOLDS = 25  # signals of one household link into one report, whose version rises with each
DEADLINE_SECONDS = 150  # a bound, not a target: a hang fails with a message instead of blocking CI
SEED = 12


@dataclass
class Ledger:
    """What the clients sent and saw, shared between their threads."""

    batches: dict[str, list[str]] = field(default_factory=dict)  # batch key -> its signal ids, once sent
    acknowledged: set[str] = field(default_factory=set)
    attempts: int = 0
    retries: int = 0
    lost_answers: int = 0  # a retry answered 200 "duplicate": the first attempt committed, its answer died
    in_flight: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Creditor(threading.Thread):
    """Builds batches with the real adapter library and posts each until it is acknowledged."""

    def __init__(
        self, chain: Chain, party: Party, municipality: Party, *, url: str, ledger: Ledger, stop: threading.Event
    ) -> None:
        super().__init__(daemon=True, name=f"creditor-{party.org_id}")
        self.chain, self.party, self.municipality, self.ledger, self.stop = chain, party, municipality, ledger, stop
        self.http = HttpSigner(url, party.client.key_id, party.client.private_key, timeout=30)
        self.rng = random.Random(f"{SEED}-{party.org_id}")
        self.count = 0

    def batch(self) -> list[dict[str, Any]]:
        signals = []
        for _ in range(BATCH):
            self.count += 1
            household = self.rng.randrange(HOUSEHOLDS)
            person = identity(
                surname="Huis" + "".join(chr(ord("a") + int(d)) for d in f"{household:02d}"),
                house_number=household + 1,
                reference=f"{self.party.org_id}-{self.count}",
            )
            signals.append(self.chain.signal(self.party, self.municipality, person))
        return signals

    def run(self) -> None:
        try:
            self._post_until_stopped()
        except Exception as exc:  # a failing client must fail the test, not vanish with its thread
            self.ledger.errors.append(f"{self.name}: {type(exc).__name__}: {exc}")

    def _post_until_stopped(self) -> None:
        deadline = time.monotonic() + DEADLINE_SECONDS
        number = 0
        while not self.stop.is_set():
            number += 1
            key, signals = f"{self.party.org_id}#{number}", self.batch()
            ids = [str(s["signal_id"]) for s in signals]
            with self.ledger.lock:
                self.ledger.batches[key] = ids
            first = True
            while True:  # retry until acknowledged: the hub may be dead or restarting
                if time.monotonic() > deadline:
                    self.ledger.errors.append(f"{key}: not acknowledged before the deadline")
                    return
                with self.ledger.lock:
                    self.ledger.attempts += 1
                    self.ledger.retries += 0 if first else 1
                    self.ledger.in_flight += 1
                first = False
                try:
                    response = self.http.post("/v1/signals/batch", {"signals": signals})
                except requests.RequestException:  # the hub died mid-request, or is not listening yet
                    time.sleep(0.2)
                    continue
                finally:
                    with self.ledger.lock:
                        self.ledger.in_flight -= 1
                if response.status_code in (200, 201):
                    results = response.json()["results"]
                    outcomes = [r["outcome"] for r in results]
                    if [r["signal_id"] for r in results] != ids:
                        self.ledger.errors.append(f"{key}: the answer names other signals: {response.text[:300]}")
                        return
                    with self.ledger.lock:
                        self.ledger.acknowledged.update(ids)
                        self.ledger.lost_answers += response.status_code == 200 and set(outcomes) == {"duplicate"}
                    break
                if response.status_code >= 500:
                    time.sleep(0.2)
                    continue
                self.ledger.errors.append(f"{key}: {response.status_code} {response.text[:300]}")
                return


def _register_webhook(municipality: Party, url: str) -> str:
    response = municipality.client.post("/v1/webhooks", {"url": url})
    assert response.status_code == 201, response.data
    return str(response.json["secret"])


def _stored(engine: sa.Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(row.id for row in conn.execute(sa.select(t.signals.c.id)))


def _partial_batches(engine: sa.Engine, ledger: Ledger) -> list[str]:
    with ledger.lock:
        batches = {key: list(ids) for key, ids in ledger.batches.items()}
    stored = _stored(engine)
    return [
        f"{key}: {sum(stored[i] for i in ids)} of {len(ids)} stored"
        for key, ids in batches.items()
        if 0 < sum(1 for i in ids if stored[i]) < len(ids)
    ]


def _pending(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        undispatched = conn.execute(
            sa.select(sa.func.count()).select_from(t.outbox).where(t.outbox.c.delivered_at.is_(None))
        ).scalar_one()
        pending = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.webhook_deliveries)
            .where(t.webhook_deliveries.c.status == "pending")
        ).scalar_one()
    return int(undispatched) + int(pending)


def _write_figures(name: str, figures: dict[str, Any]) -> None:
    print(f"\n{name}: " + json.dumps(figures, sort_keys=True))
    target = os.environ.get("HUB_RELIABILITY_FIGURES")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"test": name, **figures}, sort_keys=True) + "\n")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store: an SQLite file, or a database in a private PostgreSQL cluster."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    with private_cluster() as cluster:
        url = cluster.create_database("crash")
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


def test_sigkill_during_ingest_and_delivery_loses_nothing(
    store: str, make_app: Callable[[Settings], Flask], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    started = time.monotonic()
    database_url = store
    settings = Settings(env="test", data_dir=tmp_path / "var", database_url=database_url)
    rng = random.Random(SEED)
    app = make_app(settings)  # registers the parties in the store the hub processes will use
    chain = Chain(app)
    gm = chain.add("gm0363", "municipality", "0363")
    creditors = [chain.add("woonstad", "housing"), chain.add("vattenfall", "energy")]

    seen = threading.Event()
    receiver = Receiver(status=lambda: (seen.set(), time.sleep(0.01), 204)[2])  # a little slow: kills land mid-send
    env = hub_env(database_url, settings.data_dir)
    server = HubServer(env, tmp_path / "serve.log")
    check = make_engine(database_url)
    request.addfinalizer(check.dispose)  # also when an assertion fails: no connection outlives the test
    ledger, stop = Ledger(), threading.Event()
    figures: dict[str, Any] = {"database": sa.make_url(database_url).get_backend_name()}
    deliver_log = tmp_path / "deliver.log"
    deliver_runs: list[HubCommand] = []
    deliver_kills: list[float] = []

    def deliver_until_killed() -> None:
        """Run `hub deliver` again and again; DELIVER_KILLS times, SIGKILL it while it is sending."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while len(deliver_kills) < DELIVER_KILLS and time.monotonic() < deadline:
            process = HubCommand(["deliver"], env, deliver_log)
            deliver_runs.append(process)
            seen.clear()
            process.start()
            while process.alive() and not seen.wait(0.05):
                pass
            if not process.alive():
                continue  # it found nothing to send before it finished: no kill this round
            delay = rng.uniform(0, 0.3)
            time.sleep(delay)
            if process.alive():
                process.kill()
                deliver_kills.append(delay)

    with serve(receiver) as receiver_url:
        receiver.secret = _register_webhook(gm, receiver_url + "/hook")
        app.extensions["signaalhub"].engine.dispose()
        server.start()
        try:
            figures["first_start_seconds"] = round(server.wait_ready(), 2)
            clients = [Creditor(chain, c, gm, url=server.url, ledger=ledger, stop=stop) for c in creditors]
            for client in clients:
                client.start()
            deliverer = threading.Thread(target=deliver_until_killed, daemon=True)
            deliverer.start()

            in_flight_at_kill, restarts, partial = [], [], []
            for _ in range(SERVE_KILLS):
                time.sleep(rng.uniform(0.2, 1.2))  # let some batches through, then a random point in the traffic
                wait_until = time.monotonic() + 10
                while ledger.in_flight == 0 and time.monotonic() < wait_until:
                    time.sleep(0.002)
                time.sleep(rng.uniform(0.0, 0.05))
                in_flight_at_kill.append(ledger.in_flight)
                server.kill()
                partial += _partial_batches(check, ledger)  # what a reader sees right after the crash
                server.start()
                restarts.append(server.wait_ready())
            assert not partial, f"a batch was partly visible after a SIGKILL: {partial[:5]}"

            deliverer.join(timeout=DEADLINE_SECONDS)
            stop.set()
            for client in clients:
                client.join(timeout=DEADLINE_SECONDS)
            assert not ledger.errors, ledger.errors[:5]
            assert not any(c.is_alive() for c in clients), "a client did not finish"
            assert len(deliver_kills) == DELIVER_KILLS, (
                f"only {len(deliver_kills)} of {DELIVER_KILLS} `hub deliver` runs were killed mid-send; "
                f"its log:\n{deliver_runs[-1].tail() if deliver_runs else ''}"
            )
        finally:
            stop.set()
            server.stop()

        # after the last crash: one clean delivery run after another (each sends at most a bounded number)
        # for as long as each run makes progress, until the outbox is drained
        pending, before, drain_runs = _pending(check), None, 0
        while pending and pending != before:
            drain_runs += 1
            last = HubCommand(["deliver"], env, deliver_log)
            last.start()
            assert last.process is not None
            assert last.process.wait(timeout=60) == 0, last.tail()
            pending, before = _pending(check), pending
        assert pending == 0, "the outbox did not drain after the restarts"

    # every acknowledged signal stored exactly once: one row, one case link, one signal.received event
    stored = _stored(check)
    sent = {i for ids in ledger.batches.values() for i in ids}
    assert ledger.acknowledged == sent, "every batch a client sent was acknowledged in the end"
    assert set(stored) == ledger.acknowledged, "the store holds exactly the acknowledged signals"
    assert all(n == 1 for n in stored.values())
    with check.connect() as conn:
        links = Counter(r.signal_id for r in conn.execute(sa.select(t.case_signals.c.signal_id)))
        received_events = Counter(
            r.object_id
            for r in conn.execute(sa.select(t.outbox.c.object_id).where(t.outbox.c.event_type == "signal.received"))
        )
        versions = {
            (r.case_id, v)
            for r in conn.execute(sa.select(t.reports.c.case_id, t.reports.c.version))
            for v in range(1, r.version + 1)
        }
    assert links == Counter(ledger.acknowledged) and received_events == Counter(ledger.acknowledged)

    # every report version and every signal notification reached the receiver (at least once; ids dedupe)
    bodies = [r["body"] for r in receiver.received]
    got_versions = {(b["data"]["id"], b["data"]["version"]) for b in bodies if b["type"] == "report.updated"}
    got_signals = {b["data"]["id"] for b in bodies if b["type"] == "signal.received"}
    assert versions and got_versions == versions, f"missing report versions: {sorted(versions - got_versions)[:5]}"
    assert got_signals == ledger.acknowledged
    assert receiver.bad_signatures == 0
    check.dispose()

    figures.update(
        serve_kills=SERVE_KILLS,
        deliver_kills=len(deliver_kills),
        deliver_runs=len(deliver_runs) + drain_runs,
        requests_in_flight_at_kill=sum(in_flight_at_kill),
        batches=len(ledger.batches),
        signals=len(stored),
        attempts=ledger.attempts,
        retries=ledger.retries,
        answers_lost_after_commit=ledger.lost_answers,
        reports=len({case for case, _ in versions}),
        report_versions=len(versions),
        webhooks_received=len(receiver.received),
        webhooks_redelivered=len(receiver.received) - len(receiver.unique_ids),
        restart_seconds_max=round(max(restarts), 2),
        seconds=round(time.monotonic() - started, 1),
    )
    _write_figures("crash_consistency", figures)

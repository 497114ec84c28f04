#!/usr/bin/env python3
"""Webhook delivery: time from commit to webhook received, and the drain rate of an outbox backlog.

    /tmp/probe/bin/python bench/delivery.py                     # SQLite; 300 signals at 5/s, a 10k backlog
    /tmp/probe/bin/python bench/delivery.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/signaalhub_bench
    /tmp/probe/bin/python bench/delivery.py --backlog 100000    # the issue's figure (takes a while: see below)

`hub serve` and `hub scheduler` run as subprocesses on a fresh database; a webhook receiver runs in this
process on loopback (werkzeug, threaded, HTTP/1.1), verifies every Standard Webhooks signature with the
secret the hub returned at registration (as tests/support/receiver.py does) and answers 204. Every
municipality registers one endpoint (`POST /v1/webhooks`).

1. Latency: --signals single signals are posted (`POST /v1/signals`) at --rate per second; the commit time
   of each is when its 201 answer arrived (the hub commits before it answers), its receive time when its
   `signal.received` notification arrived at the receiver, both on this process's monotonic clock.
2. Drain: the scheduler is stopped, --backlog `signal.received` events for the municipalities are inserted
   into the outbox directly (executemany, one transaction), the scheduler is started again, and the time
   until the receiver has every one of them gives the drain rate. Then (unless --no-loop) a second backlog
   of the same size is drained by the very Dispatcher.run_once() the scheduler's job calls, but called back
   to back in this process while there is work: what bounds the first figure, the job or the dispatcher.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from benchlib import (
    AutoAnalyze,
    Client,
    Deriver,
    HubServer,
    Process,
    Registry,
    build_pool,
    database,
    dumps,
    hub_env,
    is_postgres,
    log,
    machine_lines,
    percentile,
    register,
    scratch_dir,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from hub.db.engine import make_engine
from hub.db.tables import outbox, webhook_deliveries
from hub.jobs import DELIVER_SECONDS
from hub.services import Services
from hub.settings import Settings


class Receiver:
    """WSGI app: verifies the signature with the endpoint's secret and records when each event arrived."""

    def __init__(self) -> None:
        self.secrets: dict[str, bytes] = {}
        self.arrived: dict[str, float] = {}  # data.id of signal.received -> first arrival (monotonic)
        self.ids: set[str] = set()  # webhook-id of every verified notification
        self.count = 0
        self.bad = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        now = time.monotonic()
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        message_id, stamp = environ.get("HTTP_WEBHOOK_ID", ""), environ.get("HTTP_WEBHOOK_TIMESTAMP", "")
        key = self.secrets.get(environ.get("PATH_INFO", "").rsplit("/", 1)[-1], b"")
        expected = base64.b64encode(hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
        signatures = environ.get("HTTP_WEBHOOK_SIGNATURE", "").split()
        good = any(hmac.compare_digest(s.removeprefix("v1,").encode(), expected) for s in signatures)
        with self.lock:
            if not good:
                self.bad += 1
            else:
                self.count += 1
                self.ids.add(message_id)
                event = json.loads(body)
                if event["type"] == "signal.received":
                    self.arrived.setdefault(event["data"]["id"], now)
        start_response("204 No Content" if good else "401 Unauthorized", [("Content-Length", "0")])
        return [b""]


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a production receiver would

    def log_request(self, *_: Any, **__: Any) -> None:
        pass


def register_endpoints(server: HubServer, registry: Registry, receiver: Receiver, receiver_url: str) -> None:
    for municipality in registry.municipalities.values():
        client = Client(server.base_url, municipality)
        status, answer = client.post("/v1/webhooks", dumps({"url": f"{receiver_url}/hook/{municipality.org_id}"}))
        if status != 201:
            raise SystemExit(f"webhook registration refused: {status} {answer[:300]!r}")
        secret = json.loads(answer)["secret"]
        receiver.secrets[municipality.org_id] = base64.b64decode(secret.removeprefix("whsec_"))


def latency(
    server: HubServer, registry: Registry, deriver: Deriver, receiver: Receiver, args: argparse.Namespace
) -> str:
    clients = [Client(server.base_url, party) for party in registry.creditors]
    bodies = [dumps(deriver.signal(clients[i % len(clients)].party)) for i in range(args.signals)]
    committed: dict[str, float] = {}
    start = time.monotonic()
    errors = 0
    for index, body in enumerate(bodies):
        delay = start + index / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        status, answer = clients[index % len(clients)].post("/v1/signals", body)
        if status == 201:
            committed[json.loads(answer)["signal_id"]] = time.monotonic()
        else:
            errors += 1
            log(f"  refused: {status} {answer[:200]!r}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not committed.keys() <= receiver.arrived.keys():
        time.sleep(0.2)
    delays = sorted(1000 * (receiver.arrived[s] - t) for s, t in committed.items() if s in receiver.arrived)
    missing = len(committed) - len(delays)
    return (
        f"commit -> webhook received, {len(delays)} signals at {args.rate:g}/s: "
        f"p50 {percentile(delays, 0.5):.0f} ms, p95 {percentile(delays, 0.95):.0f} ms, "
        f"p99 {percentile(delays, 0.99):.0f} ms, max {max(delays, default=float('nan')):.0f} ms; "
        f"not received within 60 s: {missing}; refused: {errors}"
    )


def insert_backlog(url: str, registry: Registry, count: int) -> int:
    """``count`` undispatched signal.received events in the outbox, spread over the municipalities."""
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    recipients = [m.org_id for m in registry.municipalities.values()]
    rows = [
        {
            "recipient_id": recipients[i % len(recipients)],
            "event_type": "signal.received",
            "object_type": "signal",
            "object_id": str(uuid.uuid4()),
            "created_at": now,
        }
        for i in range(count)
    ]
    with engine.begin() as conn:
        first = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(outbox.c.id), 0))).scalar_one())
        for start in range(0, count, 10_000):
            conn.execute(outbox.insert(), rows[start : start + 10_000])
    engine.dispose()
    return first


def drain(url: str, scheduler: Process, registry: Registry, receiver: Receiver, args: argparse.Namespace) -> str:
    first = insert_backlog(url, registry, args.backlog)
    wanted = {f"msg_{first + i + 1}" for i in range(args.backlog)}
    log(f"  backlog of {args.backlog} events inserted; starting the scheduler")
    started = time.monotonic()
    scheduler.start()
    got, total, steady = wait_for(receiver, wanted, started)
    scheduler.stop()
    return (
        f"drain by hub scheduler: {got} of {args.backlog} backlog events received in {total:.1f} s from scheduler "
        f"start ({got / total:.0f} events/s; {got / steady:.0f}/s from the first one); "
        f"deliveries marked delivered in the database: {delivered(url)}"
    )


def drain_looped(url: str, scratch: Path, registry: Registry, receiver: Receiver, args: argparse.Namespace) -> str:
    """The same backlog drained by the same Dispatcher.run_once() the scheduler job calls, but back to back
    in this process while there is work: what one delivery process can do without the scheduler's tick."""
    first = insert_backlog(url, registry, args.backlog)
    wanted = {f"msg_{first + i + 1}" for i in range(args.backlog)}
    settings = Settings(env="development", data_dir=scratch / "hubdata", database_url=url)
    engine = make_engine(url)
    services = Services.build(settings, engine)
    stop = threading.Event()
    rounds = 0

    def loop() -> None:
        nonlocal rounds
        while not stop.is_set():
            stats = services.dispatcher.run_once()
            rounds += 1
            if not (stats.dispatched or stats.delivered or stats.retried):
                time.sleep(0.05)

    started = time.monotonic()
    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    got, total, _ = wait_for(receiver, wanted, started)
    stop.set()
    worker.join(timeout=60)
    engine.dispose()
    return (
        f"drain by Dispatcher.run_once() back to back (no scheduler tick, {rounds} rounds): {got} of {args.backlog} "
        f"received in {total:.1f} s ({got / total:.0f} events/s)"
    )


def wait_for(receiver: Receiver, wanted: set[str], started: float) -> tuple[int, float, float]:
    """Wait until the receiver has every wanted webhook-id; (received, seconds, seconds from the first one)."""
    first_at = None
    last_report = started
    got = 0
    deadline = started + len(wanted) / 20 + 300
    while time.monotonic() < deadline:
        with receiver.lock:
            got = len(wanted & receiver.ids)
        if got and first_at is None:
            first_at = time.monotonic()
        if got == len(wanted):
            break
        if time.monotonic() - last_report > 30:
            last_report = time.monotonic()
            log(f"  {got} of {len(wanted)} delivered after {last_report - started:.0f} s")
        time.sleep(0.25)
    finished = time.monotonic()
    return got, finished - started, finished - (first_at or started)


def delivered(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(webhook_deliveries).where(webhook_deliveries.c.status == "delivered")
        ).scalar_one()
    engine.dispose()
    return int(count)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server and base name (default: SQLite in a scratch dir)")
    parser.add_argument("--signals", type=int, default=300, help="signals for the latency part (default 300)")
    parser.add_argument("--rate", type=float, default=5, help="signals per second in the latency part (default 5)")
    parser.add_argument("--backlog", type=int, default=10_000, help="outbox events to drain (default 10000; 0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--no-loop",
        action="store_true",
        help="skip the second drain (the same backlog by Dispatcher.run_once() back to back, in this process)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    receiver = Receiver()
    http = make_server("127.0.0.1", 0, receiver, threaded=True, request_handler=_Handler)
    receiver_thread = threading.Thread(target=http.serve_forever, daemon=True)
    receiver_thread.start()
    receiver_url = f"http://127.0.0.1:{http.server_port}"
    try:
        with scratch_dir() as scratch, database(args.database_url, scratch, "hub") as url:
            for line in machine_lines(url):
                print(line)
            print(f"command: {' '.join(sys.argv)}")
            registry = register(url)
            deriver = Deriver(registry, build_pool(registry, 5))
            scheduler = Process(["scheduler"], hub_env(url, scratch / "hubdata"), scratch / "scheduler.log")
            with HubServer(url, scratch / "hubdata", scratch / "hub.log", workers=args.workers) as server:
                register_endpoints(server, registry, receiver, receiver_url)
                scheduler.start()
                time.sleep(3)  # the scheduler takes its lock and starts its jobs
                try:
                    lines = [latency(server, registry, deriver, receiver, args)]
                    print(lines[-1], flush=True)
                finally:
                    scheduler.stop()
                if args.backlog:
                    AutoAnalyze(url, 1).run_once()  # what autovacuum would have done (PostgreSQL)
                    lines.append(drain(url, scheduler, registry, receiver, args))
                    print(lines[-1], flush=True)
                    if not args.no_loop:
                        lines.append(drain_looped(url, scratch, registry, receiver, args))
                        print(lines[-1], flush=True)
            backend = "PostgreSQL" if is_postgres(url) else "SQLite"
            tick = f"delivery job every {DELIVER_SECONDS} s, draining within the tick"
            print(f"\n{backend}; hub scheduler ({tick}); receiver on loopback")
            for line in lines:
                print(line)
            print(f"bad signatures at the receiver: {receiver.bad}")
    finally:
        http.shutdown()
        http.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Single-signal latency (`POST /v1/signals`) under a steady open-loop load from a second process.

    /tmp/probe/bin/python bench/latency.py                      # SQLite; 50, 100, 200 requests/s, 30 s each
    /tmp/probe/bin/python bench/latency.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/signaalhub_bench
    /tmp/probe/bin/python bench/latency.py --rates 100 --duration 120

`hub serve` (gunicorn, --workers) runs on a fresh database holding --prefill signals (posted in batches
first, as bench/ingest.py does). For each rate a separate load process (forked from this one) sends one
signed single-signal request every 1/rate seconds, whether or not earlier requests have been answered
(open loop: a slow answer does not delay the next request, so queueing shows in the figures), from up to
--threads concurrent connections. The signals are derived from real sealed ones as in bench/ingest.py,
built before the clock starts; each is signed when it is sent.

Latency is measured from the moment a request was due to the moment its answer was read, so time spent
waiting for a free connection on the client side counts too; `lag p99` shows how late the client was in
sending (near zero means the load generator kept up). The first --warmup seconds of each rate are not
counted. An error is any answer other than 201, or no answer.
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection

import sqlalchemy as sa
from benchlib import (
    AutoAnalyze,
    BatchLoader,
    Client,
    CpuMeter,
    Deriver,
    HubServer,
    build_pool,
    database,
    dumps,
    is_postgres,
    log,
    machine_lines,
    percentile,
    register,
    scratch_dir,
)

Result = tuple[float, float, float, int]  # (due, sent, answered, status) in seconds since the start


def load(clients: list[Client], bodies: list[bytes], rate: float, threads: int, out: Connection) -> None:
    """The load process: send ``bodies`` at ``rate`` per second, open loop, and report every result."""
    jobs: queue.Queue[tuple[int, float] | None] = queue.Queue()
    results: list[Result] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.5

    def sender() -> None:
        while (job := jobs.get()) is not None:
            index, due = job
            client = clients[index % len(clients)]
            sent = time.monotonic()
            try:
                status, answer = client.post("/v1/signals", bodies[index])
            except OSError as error:
                status, answer = 0, repr(error).encode()
            answered = time.monotonic()
            with lock:
                results.append((due - start, sent - start, answered - start, status))
                if status != 201 and len(errors) < 5:
                    errors.append(f"{status} {answer[:200]!r}")

    pool = [threading.Thread(target=sender, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for index in range(len(bodies)):
        due = start + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        jobs.put((index, due))
    for _ in pool:
        jobs.put(None)
    for thread in pool:
        thread.join(timeout=120)
    with lock:
        out.send((results, errors))
    out.close()


def run_rate(
    clients: list[Client], deriver: Deriver, rate: float, args: argparse.Namespace
) -> tuple[list[Result], list[str]]:
    count = int(rate * (args.duration + args.warmup))
    bodies = [dumps(deriver.signal(clients[i % len(clients)].party)) for i in range(count)]
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(
        target=load, args=(clients, bodies, rate, args.threads, send), daemon=True
    )
    process.start()
    send.close()
    results, errors = receive.recv()
    process.join(timeout=60)
    return results, errors


def summarise(rate: float, results: list[Result], errors: list[str], warmup: float, split: dict[str, float]) -> str:
    counted = [r for r in results if r[0] >= warmup]
    ok = [r for r in counted if r[3] == 201]
    latencies = sorted(1000 * (r[2] - r[0]) for r in ok)
    lags = sorted(1000 * (r[1] - r[0]) for r in counted)
    span = max((r[0] for r in counted), default=0) - min((r[0] for r in counted), default=0)
    # answers per second over the whole run of this rate (warm-up included, as the CPU meter is): below the
    # rate when the hub cannot keep up; the hub's CPU per answered request does not depend on other load
    answered = [r for r in results if r[3] == 201]
    busy = max((r[2] for r in results), default=0) - min((r[0] for r in results), default=0)
    served = len(answered) / busy if busy else 0.0
    cpu_ms = 1000 * (split["hub"] + split.get("postgres", 0.0)) / served if served else float("nan")
    pg = f"{split['postgres']:.2f}" if "postgres" in split else "-"  # SQLite: no server
    for error in errors:
        log(f"  error: {error}")
    return (
        f"{rate:>6.0f} {len(counted):>6} {len(counted) - len(ok):>6} {len(counted) / span if span else 0:>8.1f} "
        f"{percentile(latencies, 0.5):>7.1f} {percentile(latencies, 0.95):>7.1f} {percentile(latencies, 0.99):>7.1f} "
        f"{max(latencies, default=float('nan')):>7.1f} {percentile(lags, 0.99):>8.1f} "
        f"{split['hub']:>6.2f} {pg:>6} {split['machine']:>6.2f} "
        f"{served:>8.1f} {cpu_ms:>10.2f}"
    )


HEADER = (
    f"{'rate':>6} {'sent':>6} {'errors':>6} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
    f"{'lag p99':>8} {'hub':>6} {'pg':>6} {'machine':>6} {'served/s':>8} {'CPU ms/req':>10}"
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server and base name (default: SQLite in a scratch dir)")
    parser.add_argument("--rates", default="50,100,200", help="requests per second, in turn (default 50,100,200)")
    parser.add_argument("--duration", type=float, default=30, help="counted seconds per rate (default 30)")
    parser.add_argument("--warmup", type=float, default=5, help="uncounted seconds before each rate (default 5)")
    parser.add_argument("--prefill", type=int, default=10000, help="signals stored before measuring (default 10000)")
    parser.add_argument(
        "--prefill-batch",
        type=int,
        default=250,
        help="signals per prefill batch (default 250: a slow hub on a busy machine stays within gunicorn's 30 s)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=64, help="concurrent connections of the load process")
    parser.add_argument("--pool", type=int, default=10, help="real signals per creditor x municipality (default 10)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    with scratch_dir() as scratch, database(args.database_url, scratch, "hub") as url:
        for line in machine_lines(url):
            print(line)
        print(f"command: {' '.join(sys.argv)}")
        registry = register(url)
        deriver = Deriver(registry, build_pool(registry, args.pool))
        pg_name = sa.make_url(url).database if is_postgres(url) else None
        analyzer = AutoAnalyze(url, 1)
        with HubServer(url, scratch / "hubdata", scratch / "hub.log", workers=args.workers) as server:
            if args.prefill:
                loader = BatchLoader(server, registry, deriver, args.prefill_batch, 2)
                started = time.monotonic()
                with AutoAnalyze(url, 10):  # autovacuum's analyze rule while prefilling (PostgreSQL)
                    loader.run_until(args.prefill)
                print(f"prefill: {args.prefill} signals in batches, {time.monotonic() - started:.0f} s")
            clients = [Client(server.base_url, party) for party in registry.creditors]
            lines = []
            for rate in rates:
                analyzed = analyzer.run_once()  # what autovacuum would have done by now (PostgreSQL)
                if analyzed:
                    log(f"  analyzed {', '.join(analyzed)}")
                time.sleep(2)
                meter = CpuMeter(server, pg_name)
                results, errors = run_rate(clients, deriver, rate, args)
                lines.append(summarise(rate, results, errors, args.warmup, meter.split()))
                print(f"{HEADER}\n{lines[-1]}", flush=True)
    backend = "PostgreSQL" if pg_name else "SQLite"
    print(f"\n{backend}, gunicorn workers {args.workers}, {args.prefill} signals stored first, {args.duration:.0f} s")
    print("per rate (+ warm-up); latency from due time to answer; hub/pg/machine: cores busy during the rate;")
    print("served/s: answers per second; CPU ms/req: hub workers + PostgreSQL backends per answered request")
    print(HEADER)
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

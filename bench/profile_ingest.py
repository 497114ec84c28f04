#!/usr/bin/env python3
"""Where the hub's time goes when it ingests a batch: cProfile over `POST /v1/signals/batch` in process.

    /tmp/probe/bin/python bench/profile_ingest.py                      # SQLite
    /tmp/probe/bin/python bench/profile_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/signaalhub_bench

The hub app (create_app, the same code gunicorn serves) runs in this process on a fresh database; the
same signed batches as bench/ingest.py (benchlib.Deriver) are posted through Flask's test client, so
everything from the WSGI call down is measured (gunicorn's HTTP parsing is not). The app is frozen for the
collector as the served entry points freeze it (hub.app.freeze_for_serving), and each measured run's
requests are built and signed before it starts. --prefill signals are
stored first (on PostgreSQL with autovacuum's analyze rule applied every 10 s and once more at the end,
as bench/ingest.py does: this cluster runs with autovacuum=off; --no-analyze skips it), then two
measurements of --batches batches each (with --single N: N single-signal requests each). The hub's rate
limit is set out of the way, as in the other scripts.

1. phase timers: a handful of the hub's functions (PHASE_TIMERS) are wrapped, in this process only, with a
   wall-clock timer (outermost call only), so the shares of request time come from an unprofiled run;
2. cProfile over the same kind of batches: the share per phase by cumulative time, and the top functions
   by their own time. cProfile's clock is wall time, so waiting for the database counts where it is spent;
   it slows every Python call (roughly 2-3x here), so its shares lean towards Python-heavy code.

--dump FILE writes the raw pstats for pstats/snakeviz.

--instructions replaces both with a count that does not depend on what else the machine is doing: the
script runs itself again under valgrind's callgrind, builds and signs every request first, and counts the
CPU instructions of this process (the app: Flask, marshmallow, the hub, SQLAlchemy, psycopg; not
PostgreSQL's) only while the app handles them, after a few uncounted ones to warm up. Use it to compare
two versions of the code; it is slow (about a minute for --prefill 1000 --single 100).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import importlib
import io
import os
import pstats
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchlib import (
    AutoAnalyze,
    Client,
    Deriver,
    build_pool,
    cpu_seconds,
    database,
    dumps,
    is_postgres,
    machine_lines,
    postgres_backends,
    register,
    scratch_dir,
)

from hub.app import create_app, freeze_for_serving
from hub.settings import Settings

#: (label, file path suffix, function name): cumulative time of these is the phase's time.
PHASES = (
    ("whole request (Flask test client)", "werkzeug/test.py", "open"),
    ("  authenticate (digest, Ed25519, nonce + rate rows)", "hub/services/auth.py", "authenticate"),
    ("    request nonce + rate-limit transaction", "hub/services/auth.py", "_consume"),
    ("  parse JSON body (json.loads)", "json/__init__.py", "loads"),
    ("  schema load of the batch (marshmallow)", "marshmallow/schema.py", "load"),
    ("  SignalService.submit", "hub/services/signals.py", "submit"),
    ("    dump_signal (wire form again)", "schemas/v1/signal.py", "dump_signal"),
    ("    body digests (json.dumps sort_keys)", "json/__init__.py", "dumps"),
    ("    checks (routing, keys, directory)", "hub/services/signals.py", "_check"),
    ("    store", "hub/services/signals.py", "_store"),
    ("      token re-keying (HMAC)", "hub/crypto.py", "rekey_token"),
    ("      base64 decode of blobs", "hub/services/signals.py", "_b64"),
    ("      insert signals, blobs, tokens, evidence entries", "hub/db/signals.py", "insert"),
    ("      COPY (PostgreSQL) or executemany, every table", "hub/db/bulk.py", "insert_many"),
    ("      outbox events", "hub/db/signals.py", "add_events"),
    ("      evidence chain: lock, newest entry", "hub/db/evidence.py", "chain"),
    ("      evidence chain (older code: with the insert)", "hub/db/evidence.py", "append_many"),
    ("      matching (Matcher.link)", "hub/services/matching.py", "link"),
    ("        blocking query", "hub/db/cases.py", "candidates"),
    ("        blocking: token hits, per signal (older code)", "hub/db/cases.py", "token_hits"),
    ("        blocking: lock + token hits of the batch", "hub/db/cases.py", "lock_and_find"),
    ("        blocking: candidate records", "hub/db/cases.py", "candidate_records"),
    ("        blocked pairs (municipality splits)", "hub/db/cases.py", "blocked_pairs"),
    ("        scoring (domain.matching.assess)", "hub/domain/matching.py", "assess"),
    ("        open case (older code)", "hub/db/cases.py", "open_case"),
    ("        add member (older code)", "hub/db/cases.py", "add_member"),
    ("        add cases, members, persons, links, events", "hub/db/cases.py", "add_records"),
    ("      reports (record_linked)", "hub/services/report_changes.py", "record_linked"),
    ("      reports (older code: record_changes)", "hub/services/report_changes.py", "record_changes"),
    ("  marshmallow Schema.dump (dump_signal and the response)", "marshmallow/schema.py", "dump"),
    ("SQL executed (all statements, incl. waits)", "sqlalchemy/engine/base.py", "_execute_context"),
    ("  commit", "sqlalchemy/engine/base.py", "_commit_impl"),
)


#: (label, module, attribute path) of the functions timed in the unprofiled run; missing ones are skipped.
PHASE_TIMERS = (
    ("authenticate (digest, Ed25519, nonce + rate rows)", "hub.services.auth", "Authenticator.authenticate"),
    ("schema load of the batch (marshmallow)", "marshmallow.schema", "Schema.load"),
    ("SignalService.submit", "hub.services.signals", "SignalService.submit"),
    ("  dump_signal (wire form again)", "hub.services.signals", "dump_signal"),
    ("  checks (routing, keys, directory)", "hub.services.signals", "SignalService._check"),
    ("  store", "hub.services.signals", "SignalService._store"),
    ("    token re-keying (HMAC)", "hub.crypto", "rekey_token"),
    ("    insert signals, blobs, tokens, evidence entries", "hub.db.signals", "insert"),
    ("    outbox events", "hub.db.signals", "add_events"),
    ("    evidence chain: lock, newest entry", "hub.db.evidence", "chain"),
    ("    evidence chain (older code: with the insert)", "hub.db.evidence", "append_many"),
    ("    matching (Matcher.link)", "hub.services.matching", "Matcher.link"),
    ("      blocking query", "hub.db.cases", "candidates"),
    ("      blocking: token hits, per signal (older code)", "hub.db.cases", "token_hits"),
    ("      blocking: lock + token hits of the batch", "hub.db.cases", "lock_and_find"),
    ("      blocking: candidate records", "hub.db.cases", "candidate_records"),
    ("      blocked pairs (municipality splits)", "hub.db.cases", "blocked_pairs"),
    ("      scoring (domain.matching.assess)", "hub.domain.matching", "assess"),
    ("      open case (older code)", "hub.db.cases", "open_case"),
    ("      add member (older code)", "hub.db.cases", "add_member"),
    ("      add cases, members, persons, links, events", "hub.db.cases", "add_records"),
    ("    reports (record_linked)", "hub.services.signals", "record_linked"),
    ("    reports (older code: record_changes)", "hub.services.signals", "record_changes"),
    ("SQL statements (SQLAlchemy execute, incl. waits)", "sqlalchemy.engine.base", "Connection._execute_context"),
    ("commit", "sqlalchemy.engine.default", "DefaultDialect.do_commit"),
)


class Timers:
    """Wall-clock timers around named functions; a function re-entered (nested schemas) counts once."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.depth: dict[str, int] = {}
        self.undo: list[Callable[[], None]] = []

    def wrap(self, label: str, module_name: str, path: str) -> bool:
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for part in parents:
            owner = getattr(owner, part, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None:
            return False
        self.seconds[label], self.calls[label], self.depth[label] = 0.0, 0, 0

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.depth[label] += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.depth[label] -= 1
                if self.depth[label] == 0:
                    self.seconds[label] += time.perf_counter() - started
                    self.calls[label] += 1

        setattr(owner, name, timed)
        self.undo.append(lambda: setattr(owner, name, original))
        return True

    def restore(self) -> None:
        for undo in reversed(self.undo):
            undo()


def phase_table(stats: pstats.Stats, total: float) -> list[str]:
    index: dict[tuple[str, str], tuple[float, int]] = {}
    for (filename, _line, name), (_cc, calls, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        key = (filename.replace("\\", "/"), name)
        index[key] = (index.get(key, (0.0, 0))[0] + cumulative, index.get(key, (0.0, 0))[1] + calls)
    lines = []
    for label, suffix, name in PHASES:
        found = [
            (cum, calls) for (filename, fn), (cum, calls) in index.items() if fn == name and filename.endswith(suffix)
        ]
        if not found:
            lines.append(f"{label:<55} {'-':>9}")
            continue
        cumulative = max(cum for cum, _ in found)  # a name can appear at several lines of a file (recursion)
        calls = sum(c for _, c in found)
        lines.append(f"{label:<55} {cumulative:>8.2f}s {100 * cumulative / total:>5.1f}% {calls:>9} calls")
    return lines


_UNDER_CALLGRIND = "SIGNAALHUB_BENCH_UNDER_CALLGRIND"


def under_callgrind(args: argparse.Namespace, argv: list[str]) -> int:
    """Run this script again under callgrind, counting only inside ``counted_run``, and print the
    instructions counted per signal."""
    if not shutil.which("valgrind"):
        raise SystemExit("--instructions needs valgrind (Debian: apt install valgrind)")
    with scratch_dir() as scratch:
        out = scratch / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        env = {**os.environ, _UNDER_CALLGRIND: "1"}
        done = subprocess.run([*command, sys.executable, __file__, *argv], env=env, check=False)
        if done.returncode or not out.exists():
            raise SystemExit(f"the run under valgrind failed (exit status {done.returncode})")
        totals = [line for line in out.read_text().splitlines() if line.startswith(("summary:", "totals:"))]
    count = int(totals[-1].split()[1])
    signals = args.single or args.batches * args.batch
    print(f"\ninstructions: {count:,} for {signals} signals, {count / signals / 1e6:.2f} million per signal")
    print("(the app's process only: Flask, marshmallow, the hub, SQLAlchemy and psycopg; not PostgreSQL's)")
    return 0


Request = tuple[str, bytes, dict[str, str]]  # path, body, signed headers


def counted_run(test_client: Any, build: Callable[[int], Request], args: argparse.Namespace) -> None:
    """--instructions, inside valgrind: every request is built and signed first; callgrind counts only
    while the app handles them. The first few are handled uncounted, to warm up."""
    requests = [build(index) for index in range(_WARM_UP + (args.single or args.batches))]
    refused = []
    for index, (path, body, headers) in enumerate(requests):
        if index == _WARM_UP:
            _callgrind("on")
        response = test_client.post(path, data=body, headers=headers, base_url="http://localhost")
        if response.status_code != 201:
            refused.append(f"{response.status_code} {response.data[:300]!r}")
    _callgrind("off")
    if refused:
        raise SystemExit(f"refused: {refused[0]}")


_WARM_UP = 5


def _callgrind(state: str) -> None:
    control = shutil.which("callgrind_control") or "/usr/bin/callgrind_control"
    subprocess.run([control, "-i", state, str(os.getpid())], check=True, capture_output=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server and base name (default: SQLite in a scratch dir)")
    parser.add_argument("--prefill", type=int, default=20000, help="signals stored before profiling (default 20000)")
    parser.add_argument("--batches", type=int, default=10, help="batches profiled (default 10)")
    parser.add_argument("--batch", type=int, default=1000, help="signals per batch (default 1000)")
    parser.add_argument(
        "--single",
        type=int,
        default=0,
        metavar="N",
        help="after the prefill, profile N single-signal requests (POST /v1/signals) instead of batches",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="instead of timing: count the app's CPU instructions per signal under valgrind's callgrind (the "
        "same on a busy machine as on an idle one; the requests are built and signed first, outside the count)",
    )
    parser.add_argument("--top", type=int, default=30, help="functions listed by own time (default 30)")
    parser.add_argument("--dump", type=Path, help="write the pstats here")
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="PostgreSQL: do not ANALYZE after the prefill (this cluster runs with autovacuum=off)",
    )
    return parser.parse_args(argv)


def timed_run(
    post: Callable[[int], None], args: argparse.Namespace, app_cpu: Callable[[], float], backends: str | None
) -> None:
    """The phase timers' run; also the CPU the app took (this thread, inside the test client's calls) and,
    on PostgreSQL, the CPU of the database's backends, per signal."""
    timers = Timers()
    missing = [label for label, module, path in PHASE_TIMERS if not timers.wrap(label, module, path)]
    database_cpu = cpu_seconds(postgres_backends(backends)) if backends else 0.0
    app_cpu_before = app_cpu()
    started = time.perf_counter()
    for index in range(args.batches):
        post(index)
    wall = time.perf_counter() - started
    app_took = app_cpu() - app_cpu_before
    database_took = cpu_seconds(postgres_backends(backends)) - database_cpu if backends else None
    timers.restore()
    signals = args.batches * args.batch
    print(f"\nphase timers: {args.batches} batches of {args.batch} in {wall:.1f} s ({signals / wall:.0f}/s)")
    print(f"{'phase (wall time, outermost calls)':<55} {'time':>9} {'share':>6} {'ms/signal':>9}")
    for label, _module, _path in PHASE_TIMERS:
        if label in timers.seconds:
            took = timers.seconds[label]
            print(f"{label:<55} {took:>8.2f}s {100 * took / wall:>5.1f}% {1000 * took / signals:>9.3f}")
    print(f"{'whole run (the requests, built before it)':<55} {wall:>8.2f}s {100.0:>5.1f}%")
    cpu = f"CPU per signal: the app {1000 * app_took / signals:.3f} ms (this thread, inside the test client's calls)"
    if database_took is not None:
        cpu += f", PostgreSQL backends {1000 * database_took / signals:.3f} ms"
    print(cpu)
    if missing:
        print(f"not found (the code changed?): {', '.join(missing)}")


def profiled_run(post: Callable[[int], None], args: argparse.Namespace) -> None:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for index in range(args.batches):
        post(index)
    profiler.disable()
    wall = time.perf_counter() - started
    signals = args.batches * args.batch
    print(f"\ncProfile: {args.batches} batches of {args.batch} in {wall:.1f} s under cProfile ({signals / wall:.0f}/s)")
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    requests = [v[3] for k, v in stats.stats.items() if k[2] == "open" and k[0].endswith("werkzeug/test.py")]  # type: ignore[attr-defined]
    print(f"\n{'phase (cumulative wall time)':<55} {'time':>9} {'share':>6}")
    for line in phase_table(stats, max(requests, default=wall)):
        print(line)
    print(f"\ntop {args.top} functions by own time:")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()[:1].isdigit() or "ncalls" in line))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.instructions and not os.environ.get(_UNDER_CALLGRIND):
        return under_callgrind(args, sys.argv[1:] if argv is None else list(argv))
    with scratch_dir() as scratch, database(args.database_url, scratch, "profile") as url:
        for line in machine_lines(url):
            print(line)
        registry = register(url)
        deriver = Deriver(registry, build_pool(registry, 10))
        app = create_app(
            Settings(
                env="development",
                data_dir=scratch / "hubdata",
                database_url=url,
                rate_limit_per_minute=10**9,
                # requests are signed before each measured run, which may take minutes (under cProfile,
                # or valgrind): the window must not close on the last of them
                signature_window_seconds=86400,
            )
        )
        freeze_for_serving()  # as hub/wsgi.py and `hub serve` do once the app is built
        test_client = app.test_client()
        app_cpu = [0.0]  # CPU seconds this thread spent inside the app (test client calls), so far
        backends = url.rsplit("/", 1)[1] if is_postgres(url) else None
        clients = [Client("http://localhost", party) for party in registry.creditors]

        def build(index: int, single: bool = bool(args.single)) -> Request:
            client = clients[index % len(clients)]
            if single:
                path, body = "/v1/signals", dumps(deriver.signal(client.party))
            else:
                path, body = "/v1/signals/batch", dumps({"signals": deriver.batch(client.party, args.batch)})
            return path, body, client.headers("POST", path, body)

        def post(index: int, single: bool = False) -> None:
            send(build(index, single))

        def send(request: Request) -> None:
            path, body, headers = request
            started = time.thread_time()
            response = test_client.post(path, data=body, headers=headers, base_url="http://localhost")
            app_cpu[0] += time.thread_time() - started
            if response.status_code != 201:
                raise SystemExit(f"refused: {response.status_code} {response.data[:300]!r}")

        started = time.perf_counter()
        with AutoAnalyze(url, 0 if args.no_analyze else 10):  # autovacuum's rule while prefilling
            for index in range(args.prefill // args.batch):
                post(index)
        print(f"prefill: {args.prefill} signals in {time.perf_counter() - started:.1f} s (not profiled)")
        if not args.no_analyze:
            analyzed = AutoAnalyze(url, 1).run_once()
            if analyzed:
                print(f"analyzed (as autovacuum would have): {', '.join(analyzed)}")
        if args.instructions:
            counted_run(test_client, build, args)
        else:
            single = bool(args.single)
            if single:
                args.batches, args.batch = args.single, 1

            def built() -> Callable[[int], None]:
                """The measured runs send requests built and signed before they start, and what the bench
                holds by then (the people it derives signals of, the requests) is frozen for the collector,
                as the app is: the app's collections then walk what a worker's would, its requests' objects."""
                requests = [build(index, single) for index in range(args.batches)]
                gc.collect()
                gc.freeze()
                return lambda index: send(requests[index])

            timed_run(built(), args, lambda: app_cpu[0], backends)
            profiled_run(built(), args)
        app.extensions["signaalhub"].engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

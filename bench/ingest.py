#!/usr/bin/env python3
"""End-to-end batch ingest into a running hub, side by side with the plain-insert limit of the same rows.

    /tmp/probe/bin/python bench/ingest.py                       # SQLite, 10k and 100k stored signals
    /tmp/probe/bin/python bench/ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/signaalhub_bench
    /tmp/probe/bin/python bench/ingest.py --database-url ... --sizes 10000,100000,1000000

End to end: `hub serve` (gunicorn, --workers) on a fresh, migrated database; organisations, keys and the
sample routing table registered through the hub's own services; signed `POST /v1/signals/batch` requests
of --batch realistic sealed signals from --concurrency client threads, until the store holds each of
--sizes signals. The figure at each size is the rate over the last --window signals before it (at least a
tenth of the size), so that it shows the speed at that store size rather than an average since empty.

Signals: --pool real signals per (creditor, municipality) are built and sealed by adapters.signals.build_signal
(hybrid ML-KEM-768+X25519 by default, --suite); the rest are derived from them with a new signal_id and new
token values (benchlib.Deriver): the hub cannot open sealed blobs, so a reused blob under another id is
indistinguishable to it. --link-share of the signals reuse the tokens of an earlier household so the hub
links them into cases.

The limit: after each size is reached (the hub idle), the rows the hub wrote for those signals (signals,
signal_blobs, signal_tokens, outbox, evidence, cases, case_signals, signal_persons, signal_links, reports,
report_changes) are read back and written into a second fresh database with the same schema, one transaction
per hub transaction, in the hub's commit order, by the fastest plain path: psycopg binary COPY (PostgreSQL)
or sqlite3 executemany (SQLite), no HTTP, no validation, no matching. Only the writes are timed. The ratio
is end to end / limit. Both sides are also measured in CPU time (the hub's gunicorn workers and PostgreSQL
backends per signal; the plain writer and its backend per signal), which other load on a shared machine does
not change; the CPU ratio (limit CPU / hub CPU) is what the ratio would be on a machine where CPU is the
only bound.

PostgreSQL: this machine's cluster runs with autovacuum=off, and without statistics the hub's blocking
query is planned as a scan of case_signals per signal. --autoanalyze (default every 10 s) applies
autovacuum's analyze rule from the bench, as a default server would; --autoanalyze 0 shows the cluster as is.

Databases: SQLite files in a scratch directory by default; with --database-url the script creates the
databases <name>_hub and <name>_plain (they must not exist) and drops them afterwards (--keep keeps them).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from benchlib import (
    AutoAnalyze,
    BatchLoader,
    CpuMeter,
    Deriver,
    HubServer,
    build_pool,
    count_rows,
    cpu_seconds,
    database,
    describe_split,
    is_postgres,
    log,
    machine_lines,
    percentile,
    register,
    scratch_dir,
)

from hub.db import tables

#: How the plain path finds the rows the hub wrote in one transaction (a group of signal ids), in the order
#: the hub writes them. Rows of a signal: by its id. Rows of a case (opened, or joined for the first time):
#: with the first group whose signals are in it. Append-only logs: in their own order, shared out over the
#: groups by count. The evidence entries define the groups.
BY_SIGNAL = {
    "signals": "id",
    "signal_blobs": "signal_id",
    "signal_tokens": "signal_id",
    "case_signals": "signal_id",
    "signal_persons": "signal_id",
    "signal_links": "signal_id",
}
BY_CASE = {"cases": "id", "reports": "case_id"}
LOGS = {"outbox": "id", "report_changes": "seq"}
WRITE_ORDER = (
    "signals",
    "signal_blobs",
    "signal_tokens",
    "outbox",
    "evidence",
    "cases",
    "case_signals",
    "signal_persons",
    "signal_links",
    "reports",
    "report_changes",
)
#: Written per request by authentication, not per signal; not part of the comparison.
NOT_COMPARED = frozenset({"request_nonces", "rate_windows", "scheduler_lock", "alembic_version"})
SETUP_TABLES = ("organisations", "organisation_keys", "routing_versions", "routing_entries", "evidence")


# --- the plain path ------------------------------------------------------------------------------------


def _columns(name: str) -> list[str]:
    """The columns the hub writes: database-assigned keys (serial ids) are left to the database."""
    table = tables.metadata.tables[name]
    return [
        c.name
        for c in table.columns
        if not (c.primary_key and c.autoincrement is True and name != "evidence" and name not in SETUP_TABLES)
    ]


class Raw:
    """A DB-API connection without SQLAlchemy: sqlite3 or psycopg."""

    def __init__(self, url: str) -> None:
        parsed = sa.make_url(url)
        self.postgres = parsed.get_backend_name() == "postgresql"
        if self.postgres:
            self.conn: Any = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False))
        else:
            self.conn = sqlite3.connect(str(parsed.database), isolation_level=None)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
                self.conn.execute(f"PRAGMA {pragma}")
        self.mark = "%s" if self.postgres else "?"
        self.types: dict[str, dict[str, str]] = {}
        self.backend = [int(self.select("SELECT pg_backend_pid()")[0][0])] if self.postgres else []

    def cpu(self) -> float:
        """CPU seconds so far of this process and (PostgreSQL) the server process of this connection."""
        return time.process_time() + cpu_seconds(self.backend)

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        sql = sql.replace("?", self.mark)
        if self.postgres:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall()
            self.conn.commit()
            return rows
        return self.conn.execute(sql, params).fetchall()

    def where_in(self, table: str, column: str, values: Sequence[Any], order: str = "") -> list[tuple[Any, ...]]:
        if not values:
            return []
        cols = ", ".join(_columns(table))
        marks = ", ".join("?" * len(values))
        return self.select(f"SELECT {cols} FROM {table} WHERE {column} IN ({marks}) {order}", values)  # noqa: S608

    def write(self, rows_by_table: list[tuple[str, list[str], list[tuple[Any, ...]]]]) -> tuple[float, float]:
        """Write each table's rows in one transaction; the seconds it took, commit included, and the CPU
        seconds it cost (this process and its PostgreSQL server process: unaffected by other load)."""
        types = {table: self.types_of(table) for table, _, rows in rows_by_table if rows and self.postgres}
        started, cpu_started = time.perf_counter(), self.cpu()
        if self.postgres:
            with self.conn.transaction(), self.conn.cursor() as cur:
                for table, cols, rows in rows_by_table:
                    if rows:
                        with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT BINARY)") as copy:
                            copy.set_types([types[table][c] for c in cols])
                            for row in rows:
                                copy.write_row(row)
        else:
            self.conn.execute("BEGIN IMMEDIATE")
            for table, cols, rows in rows_by_table:
                if rows:
                    marks = ", ".join("?" * len(cols))
                    self.conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)  # noqa: S608
            self.conn.execute("COMMIT")
        return time.perf_counter() - started, self.cpu() - cpu_started

    def types_of(self, table: str) -> dict[str, str]:
        """PostgreSQL type names of the table's columns (binary COPY needs them); read outside any timing."""
        if table not in self.types:
            with self.conn.cursor() as cur:
                cur.execute(
                    "SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = %s", (table,)
                )
                self.types[table] = dict(cur.fetchall())
            self.conn.commit()
        return self.types[table]

    def close(self) -> None:
        self.conn.close()


@dataclass
class Group:
    """One hub transaction: the evidence entries of one signed batch request, in commit order."""

    ids: list[str]
    evidence: list[tuple[Any, ...]]


class LogStream:
    """New rows of an append-only table in key order, shared out over the groups of a phase by count."""

    def __init__(self, source: Raw, table: str, key: str, after: int) -> None:
        self.source, self.table, self.key, self.after = source, table, key, after
        self.cols = _columns(table)
        self.buffer: list[tuple[Any, ...]] = []

    def pending(self) -> int:
        return int(self.source.select(f"SELECT count(*) FROM {self.table} WHERE {self.key} > ?", (self.after,))[0][0])  # noqa: S608

    def take(self, count: int) -> list[tuple[Any, ...]]:
        while len(self.buffer) < count:
            rows = self.source.select(
                f"SELECT {self.key}, {', '.join(self.cols)} FROM {self.table} "  # noqa: S608
                f"WHERE {self.key} > ? ORDER BY {self.key} LIMIT 20000",
                (self.after,),
            )
            if not rows:
                break
            self.after = rows[-1][0]
            self.buffer.extend(row[1:] for row in rows)
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken


class PlainCopier:
    """Writes the rows the hub wrote, group by group, into a second database by the fastest plain path."""

    def __init__(self, source_url: str, target_url: str) -> None:
        self.source, self.target = Raw(source_url), Raw(target_url)
        present = set(tables.metadata.tables)
        self.order = [name for name in WRITE_ORDER if name in present]
        self.evidence_cols = _columns("evidence")
        self.last_evidence = 0
        self.logs = {name: LogStream(self.source, name, key, 0) for name, key in LOGS.items() if name in present}
        self.copied_cases: set[str] = set()
        self.timings: list[tuple[int, float, float]] = []  # (signals, seconds, CPU seconds) per group, in order

    def setup(self) -> None:
        """Copy the directory, the routing table and the evidence so far (not timed)."""
        if self.target.postgres:
            for name in self.order:
                self.target.types_of(name)  # read once, before any timing
        for name in SETUP_TABLES:
            cols = _columns(name)
            rows = self.source.select(f"SELECT {', '.join(cols)} FROM {name}")  # noqa: S608
            self.target.write([(name, cols, rows)])
        self.last_evidence = int(self.source.select("SELECT coalesce(max(seq), 0) FROM evidence")[0][0])

    def _groups(self) -> list[Group]:
        seq_at = self.evidence_cols.index("seq")
        sig_at, obj_at = self.evidence_cols.index("signature"), self.evidence_cols.index("object_id")
        cols = ", ".join(self.evidence_cols)
        groups: list[Group] = []
        key = None
        while True:
            rows = self.source.select(
                f"SELECT {cols} FROM evidence WHERE seq > ? ORDER BY seq LIMIT 20000",  # noqa: S608
                (self.last_evidence,),
            )
            if not rows:
                return groups
            self.last_evidence = rows[-1][seq_at]
            for row in rows:
                if not groups or row[sig_at] != key:
                    groups.append(Group([], []))
                    key = row[sig_at]
                groups[-1].ids.append(row[obj_at])
                groups[-1].evidence.append(row)

    def copy_new(self) -> None:
        """Copy every group committed since the last call, timing each group's transaction."""
        groups = self._groups()
        signals = sum(len(g.ids) for g in groups)
        due = {name: stream.pending() for name, stream in self.logs.items()}
        shared = dict.fromkeys(self.logs, 0)
        done = 0
        for index, group in enumerate(groups):
            done += len(group.ids)
            rows = self._rows(group)
            for name, stream in self.logs.items():
                share = due[name] if index == len(groups) - 1 else due[name] * done // signals
                rows[name] = stream.take(share - shared[name])
                shared[name] = share
            if index == len(groups) - 1:  # cases absorbed by a merge before any later signal joined them
                unseen = self._unseen_cases()
                rows["cases"] += self._cases(unseen)
                if "reports" in rows:
                    rows["reports"] += self.source.where_in("reports", "case_id", unseen)
            writes = [(name, _columns(name), rows[name]) for name in self.order]
            self.timings.append((len(group.ids), *self.target.write(writes)))

    def _unseen_cases(self) -> list[str]:
        return [row[0] for row in self.source.select("SELECT id FROM cases") if row[0] not in self.copied_cases]

    def _cases(self, case_ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """Cases as the hub inserted them (open); a later merge is an update the plain path does not repeat."""
        cols = _columns("cases")
        state, into, by = cols.index("state"), cols.index("merged_into"), cols.index("merged_by")
        rows = []
        for row in self.source.where_in("cases", "id", list(case_ids), "ORDER BY seq"):
            values = list(row)
            values[state], values[into], values[by] = "open", None, None
            rows.append(tuple(values))
            self.copied_cases.add(values[cols.index("id")])
        return rows

    def _rows(self, group: Group) -> dict[str, list[tuple[Any, ...]]]:
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.order}
        for name, column in BY_SIGNAL.items():
            if name in rows:
                order = "ORDER BY seq" if name == "signals" else "ORDER BY id" if "id" in _all_columns(name) else ""
                rows[name] = self.source.where_in(name, column, group.ids, order)
        rows["evidence"] = group.evidence
        case_at = _columns("case_signals").index("case_id")
        new_cases = sorted({member[case_at] for member in rows["case_signals"]} - self.copied_cases)
        rows["cases"] = self._cases(new_cases)
        if "reports" in rows:
            rows["reports"] = self.source.where_in("reports", "case_id", new_cases)
        return rows

    def window(self, first: int, last: int) -> tuple[float, float]:
        """Signals per second of writing, and CPU milliseconds per signal, of the groups in the window."""
        total, seconds, cpu, signals = 0, 0.0, 0.0, 0
        for count, took, cpu_took in self.timings:
            if total >= first:
                seconds += took
                cpu += cpu_took
                signals += count
            total += count
            if total >= last:
                break
        if not seconds:
            return float("nan"), float("nan")
        return signals / seconds, 1000 * cpu / signals

    def differences(self, source_url: str, target_url: str) -> list[str]:
        """Tables whose row counts differ between the hub's database and the plain one."""
        out = []
        for name in sorted(set(tables.metadata.tables) - NOT_COMPARED):
            hub, plain = count_rows(source_url, name), count_rows(target_url, name)
            if hub != plain:
                out.append(f"{name}: hub {hub}, plain {plain}")
        return out

    def close(self) -> None:
        self.source.close()
        self.target.close()


def _all_columns(name: str) -> list[str]:
    return [c.name for c in tables.metadata.tables[name].columns]


# --- the run -------------------------------------------------------------------------------------------


def rows_per_signal(url: str, stored: int) -> str:
    counts = {name: count_rows(url, name) for name in WRITE_ORDER if name in tables.metadata.tables}
    return ", ".join(f"{name} {count / stored:.2f}" for name, count in counts.items())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server and base name (default: SQLite in a scratch dir)")
    parser.add_argument(
        "--sizes", default="10000,100000", help="stored-signal counts to measure at (default 10000,100000)"
    )
    parser.add_argument("--batch", type=int, default=1000, help="signals per batch request (default 1000)")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads posting batches (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--window", type=int, default=5000, help="signals per measurement window (default 5000)")
    parser.add_argument("--pool", type=int, default=30, help="real signals per creditor x municipality (default 30)")
    parser.add_argument("--link-share", type=float, default=0.25, help="share reusing an earlier household's tokens")
    parser.add_argument("--suite", default="mlkem768-x25519", choices=("mlkem768-x25519", "x25519"))
    parser.add_argument(
        "--autoanalyze",
        type=float,
        default=10,
        help="PostgreSQL: every so many seconds ANALYZE the tables autovacuum would (default 10; 0: never)",
    )
    parser.add_argument("--no-plain", action="store_true", help="skip the plain-insert limit")
    parser.add_argument("--keep", action="store_true", help="keep the databases and scratch directory")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    with scratch_dir(args.keep) as scratch, database(args.database_url, scratch, "hub", keep=args.keep) as hub_url:
        plain_db = nullcontext(None) if args.no_plain else database(args.database_url, scratch, "plain", keep=args.keep)
        with plain_db as plain_url:
            return run(args, sizes, scratch, hub_url, plain_url)


HEADER = (
    f"{'stored':>9} {'window':>15} {'e2e sig/s':>9} {'limit sig/s':>11} {'ratio':>6} "
    f"{'batch p50/p99 s':>15} {'hub CPU ms/sig':>14} {'limit CPU ms/sig':>16} {'CPU ratio':>9}"
)


def measure(
    ingest: BatchLoader,
    copier: PlainCopier | None,
    args: argparse.Namespace,
    *,
    mark: int,
    previous: int,
    pg_name: str | None,
) -> str:
    """Ingest up to ``mark`` stored signals, copy the same rows by the plain path, and report the window."""
    meter = CpuMeter(ingest.server, pg_name)
    phase_start = time.monotonic()
    ingest.run_until(mark)
    elapsed = time.monotonic() - phase_start
    split = meter.split()
    first = max(previous, mark - max(args.window, mark // 10))
    rate, inside = ingest.window(first, mark)
    plain, plain_ms = float("nan"), float("nan")
    if copier:
        copy_start = time.perf_counter()
        copier.copy_new()
        plain, plain_ms = copier.window(first, mark)
        log(f"  plain copy of {mark - previous} signals: {time.perf_counter() - copy_start:.0f} s wall")
    seconds = sorted(d.seconds for d in inside)
    hub_ms = 1000 * (split["hub"] + split.get("postgres", 0.0)) * elapsed / (mark - previous)
    row = (
        f"{mark:>9} {f'{first}-{mark}':>15} {rate:>9.0f} {plain:>11.0f} {rate / plain:>6.2f} "
        f"{percentile(seconds, 0.5):>7.2f}/{percentile(seconds, 0.99):<7.2f} {hub_ms:>14.2f} "
        f"{plain_ms:>16.3f} {plain_ms / hub_ms:>9.2f}"
    )
    print(f"\n{HEADER}\n{row}")
    print(
        f"  {mark - previous} signals since {previous} at {(mark - previous) / elapsed:.0f}/s on average; "
        f"{describe_split(split)}"
    )
    return row


def run(args: argparse.Namespace, sizes: list[int], scratch: Path, hub_url: str, plain_url: str | None) -> int:
    for line in machine_lines(hub_url):
        print(line)
    print(f"command: {' '.join(sys.argv)}")
    registry = register(hub_url, args.suite)
    started = time.perf_counter()
    pool = build_pool(registry, args.pool)
    print(
        f"pool: {sum(len(v) for v in pool.values())} real signals ({args.suite}) built by build_signal in "
        f"{time.perf_counter() - started:.1f} s; {len(registry.creditors)} creditors, "
        f"{len(registry.municipalities)} municipalities"
    )
    deriver = Deriver(registry, pool, link_share=args.link_share)
    copier = PlainCopier(hub_url, plain_url) if plain_url else None
    if copier:
        copier.setup()
    pg_name = sa.make_url(hub_url).database if is_postgres(hub_url) else None
    print(
        f"end to end: {'PostgreSQL' if pg_name else 'SQLite'}, gunicorn workers {args.workers}, "
        f"{args.concurrency} client threads, batches of {args.batch}; "
        f"limit: {'psycopg binary COPY' if pg_name else 'sqlite3 executemany'}, one transaction per hub transaction"
    )
    results = []
    analyzer = AutoAnalyze(hub_url, args.autoanalyze)
    with (
        HubServer(hub_url, scratch / "hubdata", scratch / "hub.log", workers=args.workers) as server,
        analyzer,
    ):
        ingest = BatchLoader(server, registry, deriver, args.batch, args.concurrency)
        previous = 0
        for mark in sizes:
            results.append(measure(ingest, copier, args, mark=mark, previous=previous, pg_name=pg_name))
            previous = mark
    if analyzer.url:
        print(f"\nautoanalyze (autovacuum's rule, every {args.autoanalyze:.0f} s): {analyzer.runs} ANALYZE runs")
    print(f"\nlinked share: {deriver.linked / max(deriver.made, 1):.2f} of {deriver.made} derived signals")
    print(f"rows per signal written by the hub: {rows_per_signal(hub_url, previous)}")
    if copier:
        copier.close()
        missing = copier.differences(hub_url, str(plain_url))
        print("plain database: same row counts as the hub's in every table" if not missing else "")
        for line in missing:
            print(f"  differs: {line}")
    print(f"\n{HEADER}")
    for row in results:
        print(row)
    print("hub CPU ms/sig: CPU of the gunicorn workers (and PostgreSQL backends of the hub's database) per signal")
    print("limit CPU ms/sig: CPU of the plain writer (this process and its PostgreSQL backend) per signal; CPU")
    print("ratio = limit CPU / hub CPU: the e2e/limit ratio on a machine where CPU is the bound and nothing else runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

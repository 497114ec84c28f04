#!/usr/bin/env python3
"""What PostgreSQL spends on a batch's token rows, for the hub's table design and three others.

    /tmp/probe/bin/python bench/token_rows.py --database-url postgresql+psycopg://postgres@127.0.0.1:5499/tokrows
    /tmp/probe/bin/python bench/token_rows.py --database-url ... --stored 1000000      # about 12 minutes

A design question, not a figure of the issue: the token rows are the largest part of an ingest's writes
(9 per signal, 3 indexes and a foreign-key check each; docs/benchmarks.md, "Not done, and next").
The server must run on this machine: the CPU is read from /proc. The script creates the database
<name>_tokens (benchlib.database, unmigrated; it must not exist; dropped afterwards unless --keep) and in it
a parent table with the two keys of ``signals`` (``seq``, the order of arrival, and ``id``, the signal's
UUID) and four token tables:

- ``hub``: as ``signal_tokens`` is now: a serial ``id`` key, ``signal_id`` (UUID text, ``COLLATE "C"``)
  with its index and a foreign key to the parent's ``id``, and the index on (``token_hash``, ``id``);
- ``seq``: the same with the parent's ``seq`` (bigint) in place of its UUID;
- ``seq_pk``: keyed by (``signal_seq``, position in the signal), without the serial ``id``; the token index
  on (``token_hash``, ``signal_seq``): one index fewer;
- ``seq_pk_nofk``: ``seq_pk`` without the foreign key (what the per-row check costs).

Each table is filled with the tokens of --stored signals (random 32-byte hashes, by SQL; then a
checkpoint), then each design takes --batches new batches of --batch signals per round: the batch's parent
rows, then their tokens, by binary COPY, one transaction per batch, as the hub writes a batch (so the
foreign-key checks find parents just written, as the hub's do). The rows are built before the clock starts.
A first round warms up (after the checkpoint, the first change to each page writes the whole page to the
WAL) and is not counted; the --rounds that follow are, the designs in a rotated order each round. Every
table grows by (--rounds + 1) x --batches x --batch signals over the run. Printed per design, the median of
the rounds: the CPU of the session's backend per signal (user + system time from /proc; the WAL writer's
and the checkpointer's are not in it), which includes the parent rows' COPY, the same in every design;
and the wall rate of the COPYs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import psycopg
import sqlalchemy as sa
from benchlib import cpu_seconds, database, is_postgres, log, machine_lines, postgres_backends

TOKENS_PER_SIGNAL = 9
COLUMNS = "kind varchar(32) NOT NULL, debtor smallint, token_hash bytea NOT NULL, created_at timestamptz NOT NULL"
#: Each design: its columns, and the indexes beside its primary key.
DESIGNS = {
    "hub": (
        f'id bigserial PRIMARY KEY, signal_id varchar(36) COLLATE "C" NOT NULL REFERENCES parent (id), {COLUMNS}',
        ("signal_id", "token_hash, id"),
    ),
    "seq": (
        f"id bigserial PRIMARY KEY, signal_seq bigint NOT NULL REFERENCES parent (seq), {COLUMNS}",
        ("signal_seq", "token_hash, id"),
    ),
    "seq_pk": (
        f"signal_seq bigint NOT NULL REFERENCES parent (seq), n smallint NOT NULL, {COLUMNS}, "
        "PRIMARY KEY (signal_seq, n)",
        ("token_hash, signal_seq",),
    ),
    "seq_pk_nofk": (
        f"signal_seq bigint NOT NULL, n smallint NOT NULL, {COLUMNS}, PRIMARY KEY (signal_seq, n)",
        ("token_hash, signal_seq",),
    ),
}
#: The columns each design's COPY sets, and the type of each for binary COPY.
COPIED = {
    "hub": (("signal_id", "varchar"),),
    "seq": (("signal_seq", "int8"),),
    "seq_pk": (("signal_seq", "int8"), ("n", "int2")),
    "seq_pk_nofk": (("signal_seq", "int8"), ("n", "int2")),
}
REST = (("kind", "varchar"), ("debtor", "int2"), ("token_hash", "bytea"), ("created_at", "timestamptz"))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="PostgreSQL server and the name of a new database")
    parser.add_argument("--stored", type=int, default=10000, help="signals stored first (default 10000)")
    parser.add_argument("--batches", type=int, default=10, help="batches per design per round (default 10)")
    parser.add_argument("--batch", type=int, default=1000, help="signals per batch (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the designs (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    if not is_postgres(args.database_url) or not sa.make_url(args.database_url).database:
        parser.error("--database-url must name a PostgreSQL server and a database name")
    if min(args.stored, args.batches, args.batch, args.rounds) < 1:
        parser.error("--stored, --batches, --batch and --rounds must be at least 1")
    return args


def conninfo(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (benchlib.database yields ``postgresql+psycopg://...``)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def setup(conn: psycopg.Connection, stored: int) -> None:
    started = time.perf_counter()
    conn.execute('CREATE TABLE parent (seq bigint PRIMARY KEY, id varchar(36) COLLATE "C" NOT NULL UNIQUE)')
    conn.execute("INSERT INTO parent SELECT n, gen_random_uuid()::text FROM generate_series(1, %s) AS n", (stored,))
    for design, (body, indexes) in DESIGNS.items():
        conn.execute(f"CREATE TABLE tok_{design} ({body})")
        for index in indexes:
            conn.execute(f"CREATE INDEX ON tok_{design} ({index})")
        key = "p.id" if design == "hub" else "p.seq"
        names = ", ".join(name for name, _ in COPIED[design] + REST)
        position = ", t.n - 1" if design.startswith("seq_pk") else ""
        conn.execute(  # names from this script's own DESIGNS and COPIED, never from input
            f"""INSERT INTO tok_{design} ({names})
            SELECT {key}{position}, 'k' || (t.n - 1), 1, sha256((p.seq * 100 + t.n)::text::bytea), now()
            FROM parent AS p CROSS JOIN generate_series(1, {TOKENS_PER_SIGNAL}) AS t (n) WHERE p.seq <= %s""",  # noqa: S608
            (stored,),
        )
        conn.commit()
        log(f"  {design}: tokens of {stored} signals stored ({time.perf_counter() - started:.0f} s so far)")
    conn.autocommit = True  # VACUUM runs outside a transaction
    conn.execute("VACUUM ANALYZE")
    conn.execute("CHECKPOINT")
    conn.autocommit = False


Batch = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


def build_batch(design: str, first: int, count: int) -> Batch:
    """The parent rows of signals ``first``.. and their token rows in this design, built before any timing."""
    now = dt.datetime.now(dt.UTC)
    parents: list[tuple[object, ...]] = [(seq, str(uuid.uuid4())) for seq in range(first, first + count)]
    tokens: list[tuple[object, ...]] = []
    for seq, signal_id in parents:
        key = (signal_id,) if design == "hub" else (seq,)
        for n in range(TOKENS_PER_SIGNAL):
            token_hash = hashlib.sha256(f"{design}|{seq}|{n}".encode()).digest()
            position = (n,) if design.startswith("seq_pk") else ()
            tokens.append((*key, *position, f"k{n}", 1, token_hash, now))
    return parents, tokens


def copy_batch(conn: psycopg.Connection, design: str, batch: Batch) -> None:
    """The batch's parent rows, then their tokens, in one transaction (as the hub writes a batch)."""
    parents, tokens = batch
    with conn.cursor() as cursor, cursor.copy("COPY parent (seq, id) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "varchar"])
        for row in parents:
            copy.write_row(row)
    columns = COPIED[design] + REST
    statement = f"COPY tok_{design} ({', '.join(n for n, _ in columns)}) FROM STDIN (FORMAT BINARY)"
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([kind for _, kind in columns])
        for row in tokens:
            copy.write_row(row)
    conn.commit()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with database(args.database_url, Path(), "tokens", keep=args.keep, migrate=False) as url:
        for line in machine_lines(url):
            print(line)
        print(f"command: bench/token_rows.py {' '.join(sys.argv[1:] if argv is None else argv)}")
        with psycopg.connect(conninfo(url)) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
            if backend not in postgres_backends(sa.make_url(url).database or ""):
                raise SystemExit("the database server runs elsewhere: its CPU cannot be read from /proc here")
            log(f"storing the tokens of {args.stored} signals in each of {len(DESIGNS)} tables")
            setup(conn, args.stored)
            figures: dict[str, list[tuple[float, float]]] = {design: [] for design in DESIGNS}
            designs = list(DESIGNS)
            next_seq = args.stored + 1
            for round_ in range(args.rounds + 1):  # round 0 warms up, uncounted
                order = designs[round_ % len(designs) :] + designs[: round_ % len(designs)]
                for design in order:
                    signals = args.batches * args.batch
                    batches = [build_batch(design, next_seq + i * args.batch, args.batch) for i in range(args.batches)]
                    next_seq += signals
                    cpu, wall = cpu_seconds([backend]), time.perf_counter()
                    for batch in batches:
                        copy_batch(conn, design, batch)
                    if round_:
                        figures[design].append(
                            ((cpu_seconds([backend]) - cpu) / signals * 1e6, signals / (time.perf_counter() - wall))
                        )
                log(f"  round {round_} of {args.rounds} done" + (" (warm-up, not counted)" if not round_ else ""))
    grown = args.stored + (args.rounds + 1) * args.batches * args.batch
    print(f"\ntokens of {args.stored:,} signals stored first, {grown:,} at the end in each table; a warm-up round")
    print(f"and {args.rounds} rounds of {args.batches} batches of {args.batch}; backend: the CPU of the session's")
    print("PostgreSQL backend per signal (not the WAL writer's or the checkpointer's); COPY sig/s: their wall rate")
    print(f"{'design':>12} {'backend CPU us/signal':>22} {'COPY sig/s':>11}  rounds (backend CPU us/signal)")
    for design, rows in figures.items():
        cpus = [cpu for cpu, _ in rows]
        print(
            f"{design:>12} {statistics.median(cpus):>22.0f} {statistics.median(rate for _, rate in rows):>11,.0f}  "
            + " / ".join(f"{c:.0f}" for c in cpus)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

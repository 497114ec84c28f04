#!/usr/bin/env python3
"""Submit thousands of signals about known synthetic people through the real hub, then scan the whole
store for any of their identifiers: every column of every table, the raw SQLite file (and WAL), or a
pg_dump. Prints what it measured; exits 1 if anything was found.

    .venv/bin/python scripts/privacy_scan.py --people 3000
    .venv/bin/python scripts/privacy_scan.py --people 3000 --database-url postgresql+psycopg://postgres@127.0.0.1/scan
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from hub import Settings, create_app
from hub.db import migrate
from hub.db.engine import make_engine
from tests.support.chain import Chain
from tests.support.privacy import people, scan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3000, help="signals to submit, one person each")
    parser.add_argument("--batch", type=int, default=500, help="signals per batch request")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/scan.sqlite3"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app(Settings(env="test", data_dir=Path(scratch), database_url=url))
        chain = Chain(app)
        gm = chain.add("gm0363", "municipality", "0363")
        creditors = [chain.add("woonstad", "housing"), chain.add("vattenfall", "energy"), chain.add("vitens", "water")]
        persons = people(args.people)
        started = time.perf_counter()
        for index, creditor in enumerate(creditors):
            mine = persons[index::3]
            for start in range(0, len(mine), args.batch):
                batch = [chain.signal(creditor, gm, p.identity()) for p in mine[start : start + args.batch]]
                response = creditor.client.post("/v1/signals/batch", {"signals": batch})
                if response.status_code != 201:
                    print(f"batch refused: {response.status_code} {response.data[:300]!r}", file=sys.stderr)
                    return 2
            print(f"  {creditor.org_id}: {len(mine)} signals submitted", file=sys.stderr)
        elapsed = time.perf_counter() - started
        engine = app.extensions["signaalhub"].engine
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM signals")).scalar_one()
        needles = [n for p in persons for n in p.needles()]
        parsed = sa.make_url(url)
        raw: list[Path] = []
        dump = None
        if parsed.get_backend_name() == "sqlite":
            engine.dispose()
            raw = [Path(f"{parsed.database}{s}") for s in ("", "-wal")]
        elif shutil.which("pg_dump"):
            dump = subprocess.run(
                ["pg_dump", parsed.set(drivername="postgresql").render_as_string(False)],
                check=True,
                capture_output=True,
                env=dict(os.environ),
            ).stdout
        scan_started = time.perf_counter()
        hits = scan(engine, needles, raw, dump)
        size = sum(p.stat().st_size for p in raw if p.exists()) if raw else len(dump or b"")
        print(f"signals stored: {stored}; submit+seal time: {elapsed:.1f} s ({stored / elapsed:.0f}/s incl. sealing)")
        print(
            f"needles: {len(set(needles))} distinct identifiers; scanned {size / 1e6:.1f} MB raw "
            f"{'SQLite file' if raw else 'pg_dump'} plus every column of every table "
            f"in {time.perf_counter() - scan_started:.1f} s"
        )
        print(f"hits: {len(hits)}")
        for where, needle in hits[:20]:
            print(f"  FOUND {needle!r} in {where}")
        engine.dispose()
        return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())

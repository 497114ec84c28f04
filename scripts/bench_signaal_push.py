#!/usr/bin/env python3
"""Measure ``signaal signals push`` against a real hub on loopback: a synthetic energy export of N rows
(the sample export's valid rows repeated under new customer numbers) read, validated, routed, sealed for
18 municipalities and posted in batches. Prints rows per second per stage.

    .venv/bin/python scripts/bench_signaal_push.py --rows 5000
    .venv/bin/python scripts/bench_signaal_push.py --rows 5000 --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from adapters import crypto
from adapters.config import load_config
from adapters.exports import LAYOUTS, read_export
from adapters.push import Push
from adapters.setup import InitOptions, initialise
from hub import Settings, create_app
from hub.db import migrate
from hub.db.engine import make_engine
from hub.domain.evidence import Actor
from tests.support.chain import LINKAGE_KEY, Chain
from tests.support.servers import serve
from tests.support.signaal import municipality_codes, sample


def synthetic_export(rows: int, target: Path) -> None:
    """The energy sample's rows repeated, each copy under its own customer number."""
    with sample("energy").open(encoding="utf-8", newline="") as handle:
        header, *body = list(csv.reader(handle))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for index in range(rows):
        row = list(body[index % len(body)])
        row[0] = f"{90000000 + index}"
        writer.writerow(row)
    target.write_text(out.getvalue(), encoding="utf-8")


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000, help="rows in the synthetic export")
    parser.add_argument("--batch-size", type=int, default=200, help="signals per request")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        url = args.database_url or f"sqlite:///{root}/bench.sqlite3"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app(Settings(env="test", data_dir=root / "var", database_url=url))
        chain = Chain(app)
        for code in sorted(municipality_codes(dt.date.today())):
            chain.add(f"gm{code}", "municipality", code)
        export = root / "export.csv"
        synthetic_export(args.rows, export)
        (root / "linkage.key").write_bytes(LINKAGE_KEY)
        with serve(app) as hub_url:
            home = root / "signaal"
            options = InitOptions(home, hub_url, "eneco", "energy", "Eneco", linkage_key_file=root / "linkage.key")
            initialise(options)
            _register(app, home)
            config = load_config(home)
            started = time.perf_counter()
            reading = read_export(export, LAYOUTS["energy"])
            validated = time.perf_counter() - started
            started = time.perf_counter()
            result = Push(config).run(export, batch_size=args.batch_size)
            pushed = time.perf_counter() - started
        app.extensions["signaalhub"].engine.dispose()
    sent = result.counts.sent
    print(f"rows: {reading.total}, valid: {len(reading.rows)}, sent: {sent}, batch size: {args.batch_size}")
    print(f"read + validate: {validated:.2f} s ({reading.total / validated:.0f} rows/s)")
    print(f"push end to end (read, validate, route, seal, post, state): {pushed:.2f} s ({sent / pushed:.0f} rows/s)")
    return 0


def _register(app: Flask, home: Path) -> None:
    """Register the creditor and its keys directly, as the operator's `hub org add` / `hub key add` would."""
    directory = app.extensions["signaalhub"].directory
    directory.add_organisation(Actor.operator(), "eneco", "Eneco", "energy")
    signing = crypto.signing_key_from_pem((home / "keys" / "signing.pem").read_bytes())
    encryption = crypto.encryption_key_from_file((home / "keys" / "encryption.key").read_bytes())
    directory.add_key(Actor.operator(), "eneco", "signing", crypto.signing_public_bytes(signing), key_id="eneco-sig-1")
    directory.add_key(Actor.operator(), "eneco", "encryption", encryption.public_bytes(), key_id="eneco-enc-1")


if __name__ == "__main__":
    sys.exit(main())

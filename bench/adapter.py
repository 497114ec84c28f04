#!/usr/bin/env python3
"""Adapter-side cost per row: read + validate + normalise, route, tokens, seal, and the whole build.

    /tmp/probe/bin/python bench/adapter.py                      # the sample exports in ../shared/samples
    /tmp/probe/bin/python bench/adapter.py --synthetic 5000     # synthetic identities instead
    /tmp/probe/bin/python bench/adapter.py --seconds 10         # longer per measurement

What `signaal signals push` does to each row before it is posted, with the adapter's own code, in one
process (one core), for both encryption suites:

- read: `adapters.exports.read_export` (CSV/JSON lines, the layout's column mapping, amounts and dates,
  name and address splitting, identity validation and normalisation, the facts checked with the signal
  schema); with --synthetic: `schemas.v1.identity.load_identity` on ready-made identity payloads;
- route: the sample routing table (`schemas.v1.routing.RoutingTable.route`);
- tokens: `adapters.tokens.derive_tokens` (normalised keys, phonetic keys, date variants, HMAC-SHA256);
- seal: `adapters.crypto.seal` of the identity for the municipality and of the reference for the creditor
  (HPKE; hybrid ML-KEM-768+X25519 or X25519);
- build: `adapters.signals.build_signal` as `adapters.sending.Sealer` calls it (validates the identity
  again, seals both blobs, derives the tokens, and validates the envelope with the hub's signal schema);
- row total: read + route + build, i.e. a push's work per row without the network.

Each measurement repeats the rows until it has run --seconds, and reports rows per second.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchlib import LINKAGE_KEY, ROUTING_SAMPLE, active_ranges, log, machine_lines, synthetic_facts, synthetic_identity

from adapters import crypto, tokens
from adapters.exports import LAYOUTS, ExportRow, read_export
from adapters.signals import RecipientKey, build_signal, canonical_json
from hub.domain.routing_files import parse
from schemas.v1 import vocab
from schemas.v1.identity import dump_identity, load_identity
from schemas.v1.routing import RoutingTable

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
FILES = {
    "housing-corporation.csv": "housing",
    "energy-supplier.csv": "energy",
    "water-company.csv": "water",
    "health-insurer.csv": "health_insurer",
    "municipality-taxes.jsonl": "municipal_taxes",
}


def repeat(step: Callable[[], int], seconds: float) -> tuple[float, float]:
    """Call ``step`` (which handles some rows and returns how many) until ``seconds`` passed; rows per
    second of this process's CPU time (one thread: a core's worth, whatever else runs on the machine) and
    rows per wall-clock second."""
    rows, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while True:
        rows += step()
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return rows / max(time.process_time() - cpu_started, 1e-9), rows / elapsed


class Rows:
    """The valid rows to push, with a way to read them again (the `read` measurement)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.items: list[tuple[ExportRow | tuple[dict[str, Any], Any], str]] = []  # (row, sector)
        if args.synthetic:
            rng = random.Random(3)  # noqa: S311 - synthetic people
            ranges = [r for spans in active_ranges().values() for r in spans]
            sectors = ("huur", "energie", "water", "zorg")
            for index in range(args.synthetic):
                sector = sectors[index % 4]
                identity = synthetic_identity(rng, ranges, sector, index)
                self.items.append(((identity, synthetic_facts(rng, sector, "0363", "v")), sector))
            self.description = f"{args.synthetic} synthetic identities"
        else:
            total = 0
            for name, layout in FILES.items():
                reading = read_export(SAMPLES / name, LAYOUTS[layout])
                total += reading.total
                self.items.extend((row, LAYOUTS[layout].sector) for row in reading.rows)
            self.description = f"{len(self.items)} valid rows of {total} in the {len(FILES)} sample exports"

    def read(self) -> int:
        if self.args.synthetic:
            for (identity, _facts), sector in self.items:  # type: ignore[misc]
                load_identity(identity, sector=sector)
            return len(self.items)
        count = 0
        for name, layout in FILES.items():
            count += read_export(SAMPLES / name, LAYOUTS[layout]).total
        return count

    def identities(self) -> list[tuple[dict[str, Any], str]]:
        """(identity wire form, sector) of every row."""
        out = []
        for row, sector in self.items:
            if isinstance(row, ExportRow):
                out.append((dump_identity(row.identity), sector))
            else:
                out.append((row[0], sector))
        return out


def facts_of(row: Any, sector: str, code: str, version: str) -> Any:
    if isinstance(row, ExportRow):
        return row.facts.signal_facts(uuid.uuid4(), sector, code, version)
    return dataclasses.replace(row[1], signal_id=uuid.uuid4(), municipality_code=code, routing_version=version)


def measure(rows: Rows, suite: str, seconds: float) -> dict[str, tuple[float, float]]:
    """(CPU, wall) rows/s per step for one suite."""
    municipality_key = crypto.generate_encryption_key(suite)
    creditor_key = crypto.generate_encryption_key(suite)
    municipality = RecipientKey("gm0363", "gm0363-enc-1", suite, municipality_key.public_bytes())
    creditor = RecipientKey("bench-creditor", "bench-creditor-enc-1", suite, creditor_key.public_bytes())
    table = RoutingTable("bench", parse(ROUTING_SAMPLE.read_text(encoding="utf-8")))
    identities = rows.identities()
    loaded = [load_identity(identity, sector=sector) for identity, sector in identities]
    today = dt.date.today()

    def route() -> int:
        for identity in identities:
            address = identity[0]["address"]
            table.route(address["postcode"].replace(" ", "").upper(), address["house_number"], today)
        return len(identities)

    def derive() -> int:
        for identity in loaded:
            tokens.derive_tokens(identity, linkage_key=LINKAGE_KEY, creditor_org_id=creditor.org_id)
        return len(loaded)

    def seal() -> int:
        for identity in loaded:
            signal_id = str(uuid.uuid4())
            crypto.seal(
                canonical_json(dump_identity(identity)),
                municipality.public_key,
                suite,
                crypto.sealing_info(vocab.KIND_SIGNAL_IDENTITY, signal_id, municipality.org_id, municipality.key_id),
            )
            crypto.seal(
                canonical_json({"creditor_reference": identity["creditor_reference"]}),
                creditor.public_key,
                suite,
                crypto.sealing_info(vocab.KIND_SIGNAL_REFERENCE, signal_id, creditor.org_id, creditor.key_id),
            )
        return len(loaded)

    def build() -> int:
        for (row, sector), (identity, _) in zip(rows.items, identities, strict=True):
            facts = facts_of(row, sector, "0363", "bench")
            build_signal(identity, facts, municipality=municipality, creditor=creditor, linkage_key=LINKAGE_KEY)
        return len(identities)

    figures = {}
    for name, step in (("read", rows.read), ("route", route), ("tokens", derive), ("seal", seal), ("build", build)):
        figures[name] = repeat(step, seconds)
        log(f"  {suite} {name}: {figures[name][0]:.0f} rows per CPU second, {figures[name][1]:.0f} per wall second")
    figures["row total"] = (
        1 / sum(1 / figures[name][0] for name in ("read", "route", "build")),
        1 / sum(1 / figures[name][1] for name in ("read", "route", "build")),
    )
    return figures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help="N synthetic identities, not the samples")
    parser.add_argument("--seconds", type=float, default=3, help="seconds per measurement (default 3)")
    parser.add_argument(
        "--suites", default="mlkem768-x25519,x25519", help="encryption suites (default mlkem768-x25519,x25519)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for line in machine_lines():
        print(line)
    print(f"command: {' '.join(sys.argv)}")
    rows = Rows(args)
    print(f"rows: {rows.description}; one process, {args.seconds:g} s per measurement")
    results = {suite: measure(rows, suite, args.seconds) for suite in args.suites.split(",")}
    steps = ("read", "route", "tokens", "seal", "build", "row total")
    for clock, at in (("CPU", 0), ("wall", 1)):
        print(f"\n{f'rows/s ({clock})':<18}" + "".join(f"{step:>11}" for step in steps))
        for suite, figures in results.items():
            print(f"{suite:<18}" + "".join(f"{figures[step][at]:>11.0f}" for step in steps))
    print("CPU: rows per second of this process's CPU time (one core's worth, unaffected by other load);")
    print("wall: per elapsed second, lower when the machine is shared.")
    print("read: read_export (parse, validate, normalise); build: build_signal (validate, seal x2, tokens, envelope")
    print("check); row total: read + route + build. Per core: a push runs in one process.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

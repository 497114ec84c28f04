#!/usr/bin/env python3
"""Matching benchmark: synthetic signals through the real adapter code and the real hub, scored against
the ground truth. Prints pairwise precision, recall and F1 for persons and households, repeat-report
detection, and linking throughput when the store holds 10k and 100k signals.

    python tools/match_bench.py --signals 10000
    python tools/match_bench.py --signals 100000 --seed 1
    python tools/match_bench.py --signals 10000 --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    python tools/match_bench.py --input population.jsonl

``--input`` scores a data set made elsewhere instead of the generator's: JSON lines in the form
``tools/synth.py`` prints (``tools.synth.load``: the identity as a creditor writes it, the signal's facts,
and its truth: the person behind each debtor, the dwelling, the household and the contract). Its
creditors are registered with the kinds it names; its municipality codes must be in the sample routing
table (hub/data/routing-sample.csv).

Each signal is built by ``adapters.signals.build_signal`` (identity validation, HPKE sealing for the
municipality and the creditor, linkage tokens under a shared linkage key), loaded with the hub's
``SignalSchema`` and submitted to the hub's ``SignalService`` in one batch per creditor per day, as an
adapter would post it; HTTP and request signing are left out so that the figures measure the hub's
storing and linking rather than the test client. The hub's clock follows the signal dates. The store
is a temporary SQLite file unless ``--database-url`` names an empty database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from hub.db.tables import case_signals, cases, signal_persons
from tools import linkage_metrics
from tools.bench_hub import BenchHub, Timings
from tools.synth import SyntheticSignal, generate, load
from tools.synth_write import ErrorRates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signals", type=int, default=10_000, help="signals to generate and submit")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic population")
    parser.add_argument("--input", type=Path, help="score this JSON-lines data set instead (see above)")
    parser.add_argument("--days", type=int, help="period of the signal dates (default: tools.synth.period_days)")
    parser.add_argument("--error-scale", type=float, default=1.0, help="multiply every error rate of the population")
    parser.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite file)")
    parser.add_argument("--jobs", type=int, default=0, help="processes building signals (default: all cores)")
    parser.add_argument("--span", type=int, default=5_000, help="signals over which throughput is measured")
    parser.add_argument("--window-days", type=int, help="the linking window (default: HUB_MATCH_WINDOW_DAYS's default)")
    parser.add_argument("--checkpoints", default="10000,100000", help="store sizes at which to report throughput")
    args = parser.parse_args()

    started = time.perf_counter()
    if args.input:
        try:
            signals = load(args.input)
        except (OSError, ValueError) as exc:
            parser.error(str(exc))
        if not signals:
            parser.error(f"{args.input} holds no signals")
        origin = f"read from {args.input}"
    else:
        signals = generate(args.signals, args.seed, days=args.days, rates=ErrorRates().scaled(args.error_scale))
        origin = f"generated (seed {args.seed})"
    days = (signals[-1].signal_date - signals[0].signal_date).days + 1
    print(f"{len(signals)} signals over {days} days {origin} in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
        hub = BenchHub(url, Path(scratch), signals, args.window_days)
        try:
            envelopes = hub.build(signals, jobs=args.jobs)
            timings = hub.submit(signals, envelopes)
            outcome = _read(hub, envelopes)
        finally:
            hub.close()
    _report(signals, hub.model.window_days, outcome)
    _throughput(timings, args.span, tuple(int(mark) for mark in args.checkpoints.split(",")))
    return 0


@dataclass(frozen=True)
class Outcome:
    """What the hub decided, by signal index: case, person per debtor, repeat flags; and bridged merges."""

    cases_of: dict[int, str]
    persons_of: dict[tuple[int, int], str]
    repeats: set[int]
    merged: int


def _read(hub: BenchHub, envelopes: Sequence[dict[str, object]]) -> Outcome:
    index = {str(e["signal_id"]): i for i, e in enumerate(envelopes)}
    with hub.engine.connect() as conn:
        members = conn.execute(sa.select(case_signals.c.signal_id, case_signals.c.case_id, case_signals.c.repeat_of))
        cases_of, repeats = {}, set()
        for row in members:
            cases_of[index[row.signal_id]] = row.case_id
            if row.repeat_of is not None:
                repeats.add(index[row.signal_id])
        persons = conn.execute(
            sa.select(signal_persons.c.signal_id, signal_persons.c.debtor, signal_persons.c.person_id)
        )
        persons_of = {(index[r.signal_id], r.debtor): r.person_id for r in persons}
        merged = conn.execute(sa.select(sa.func.count()).where(cases.c.merged_by == "signal")).scalar_one()
    return Outcome(cases_of, persons_of, repeats, int(merged))


def _report(signals: Sequence[SyntheticSignal], window_days: int, outcome: Outcome) -> None:
    window = dt.timedelta(days=window_days)
    cases_of, persons_of, repeats = outcome.cases_of, outcome.persons_of, outcome.repeats
    lines = [
        ("persons", linkage_metrics.pairwise(persons_of, linkage_metrics.person_truth(signals, window))),
        ("households", linkage_metrics.pairwise(cases_of, linkage_metrics.household_truth(signals, window))),
        ("families (info)", linkage_metrics.pairwise(cases_of, linkage_metrics.family_truth(signals, window))),
    ]
    print(f"\nmatching quality on {len(signals)} signals (pairwise, window {window_days} days)")
    print(f"  {'level':16} {'precision':>9} {'recall':>9} {'F1':>9} {'true pairs':>11} {'linked pairs':>13}")
    for name, s in lines:
        print(f"  {name:16} {s.precision:9.4f} {s.recall:9.4f} {s.f1:9.4f} {s.true_pairs:11d} {s.predicted_pairs:13d}")
    expected = {i for i, s in enumerate(signals) if s.truth.repeat}
    hit = len(expected & repeats)
    print(
        f"  repeat reports: {len(repeats)} flagged, {len(expected)} expected, precision "
        f"{hit / len(repeats) if repeats else 1:.4f}, recall {hit / len(expected) if expected else 1:.4f}"
    )
    print(f"  cases: {len(set(cases_of.values()))} open, {outcome.merged} merged by a bridging signal")


def _throughput(timings: Timings, span: int, checkpoints: tuple[int, ...]) -> None:
    print(f"\nthroughput in signals per second, over the {span} signals before each mark")
    print("  (wall: elapsed time; cpu: this process's CPU time, unaffected by other load on the machine)")
    names = ("link", "link_cpu", "hub", "hub_cpu")
    print(f"  {'stored':>8} {'linking wall':>13} {'linking cpu':>12} {'hub wall':>9} {'hub cpu':>8}")
    marks = [m for m in checkpoints if m <= timings.count] or [timings.count]
    for mark in marks:
        rates = (timings.rate(name, max(0, mark - span), mark) for name in names)
        print(f"  {mark:8d} " + " ".join(f"{rate:{w}.0f}" for rate, w in zip(rates, (13, 12, 9, 8), strict=True)))
    if len(marks) > 1:
        for name in ("link", "link_cpu"):
            low, high = (timings.rate(name, max(0, m - span), m) for m in (marks[0], marks[-1]))
            label = name.replace("_", " ")
            print(f"  {label} throughput at {marks[-1]}: {100 * high / low:.1f}% of that at {marks[0]}")
    print("  hub = load (SignalSchema) + checks + store + link, in one transaction per batch")
    print(f"  adapter build (tokens + sealing, {timings.count} signals): {timings.build_seconds:.1f} s")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Estimate the m/u probabilities of the matching model from labelled data, as a model file.

Runs the synthetic population through the adapters' real token derivation (``adapters.tokens``; token
equality is what the hub sees, so the values are compared before keying), blocks exactly as the hub does
(earlier signals of the same municipality within the window sharing a token), and counts each comparison
level of ``hub.domain.matching`` among the true matches (m) and the non-matches (u) of those candidate
pairs. With real data, the labels come from cases municipalities confirmed or corrected.

    python tools/match_estimate.py --signals 20000 --seed 7 --output model.json
    HUB_MATCH_MODEL_FILE=model.json hub serve
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.tokens import linkage_values
from hub.domain import match_levels, match_model
from schemas.v1.identity import load_identity
from tools import linkage_metrics
from tools.synth import SyntheticSignal, generate

_Values = dict[int | None, dict[str, set[str]]]  # debtor (None: household) -> kind -> values


def values_of(signal: SyntheticSignal) -> _Values:
    loaded = load_identity(signal.identity, sector=signal.sector)
    found: _Values = defaultdict(lambda: defaultdict(set))
    for item in linkage_values(loaded, creditor_org_id=signal.creditor):
        found[item.debtor][item.kind].add(item.value)
    return found


def _agreed(one: dict[str, set[str]], other: dict[str, set[str]]) -> set[str]:
    return {kind for kind in one.keys() & other.keys() if one[kind] & other[kind]}


class Counts:
    def __init__(self) -> None:
        self.levels: dict[tuple[str, bool], Counter[tuple[str, str]]] = defaultdict(Counter)
        self.pairs: Counter[tuple[str, bool]] = Counter()

    def add(self, table: str, match: bool, levels: dict[str, str]) -> None:
        self.pairs[(table, match)] += 1
        self.levels[(table, match)].update(levels.items())

    def model(self, smoothing: float = 0.5) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
        result: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
        for table, features in match_model.FEATURES.items():
            result[table] = {}
            for feature, levels in features.items():
                result[table][feature] = {}
                for level in levels:
                    m = self._rate(table, True, feature, level, smoothing)
                    u = self._rate(table, False, feature, level, smoothing)
                    result[table][feature][level] = {"m": round(m, 6), "u": round(u, 6)}
        return result

    def _rate(self, table: str, match: bool, feature: str, level: str, smoothing: float) -> float:
        total = self.pairs[(table, match)]
        return (self.levels[(table, match)][(feature, level)] + smoothing) / (total + 2 * smoothing)


def estimate(signals: Sequence[SyntheticSignal], model: match_model.MatchModel) -> Counts:
    window = dt.timedelta(days=model.window_days)
    persons = linkage_metrics.person_truth(signals, window)
    households = linkage_metrics.household_truth(signals, window)
    index: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    values: list[_Values] = []
    counts = Counts()
    for i, signal in enumerate(signals):
        mine = values_of(signal)
        values.append(mine)
        candidates: set[int] = set()
        for kinds in mine.values():
            for kind, found in kinds.items():
                for value in found:
                    key = (signal.municipality_code, kind, value)
                    candidates.update(j for j in index[key] if signal.signal_date - signals[j].signal_date <= window)
                    index[key].append(i)
        for j in sorted(candidates):
            _count_pair(counts, model, (i, mine, persons, households), (j, values[j]))
    return counts


def _count_pair(
    counts: Counts,
    model: match_model.MatchModel,
    new: tuple[int, _Values, dict[linkage_metrics.Record, Hashable], dict[int, Hashable]],
    old: tuple[int, _Values],
) -> None:
    i, mine, persons, households = new
    j, theirs = old
    house = _agreed(mine.get(None, {}), theirs.get(None, {}))
    house_kinds_i, house_kinds_j = set(mine.get(None, {})), set(theirs.get(None, {}))
    best = None
    for d in (k for k in mine if k is not None):
        for e in (k for k in theirs if k is not None):
            agreed = _agreed(mine[d], theirs[e]) | house
            joint = sum(k is not None for k in mine) > 1 or sum(k is not None for k in theirs) > 1
            levels = match_levels.person_levels(
                agreed, set(mine[d]) | house_kinds_i, set(theirs[e]) | house_kinds_j, joint=joint
            )
            counts.add("person", persons[(i, d)] == persons[(j, e)], levels)
            score = model.score("person", levels)
            best = score if best is None else max(best, score)
    person = "same" if best is not None and best >= model.person_threshold else "none"
    levels = match_levels.household_levels(house, house_kinds_i, house_kinds_j, person)
    counts.add("household", households[i] == households[j], levels)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signals", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, help="write the model file here (default: print it)")
    args = parser.parse_args()
    signals = generate(args.signals, args.seed)
    counts = estimate(signals, match_model.build_model())
    model = counts.model()
    for (table, match), total in sorted(counts.pairs.items()):
        print(f"{table:9} {'matches' if match else 'non-matches':11} {total:8d} candidate pairs", file=sys.stderr)
    for table, features in model.items():
        for feature, levels in features.items():
            for level, mu in levels.items():
                weight = match_model.build_model({table: {feature: {level: mu}}}).weight(table, feature, level)
                print(
                    f"{table:9} {feature:10} {level:13} m={mu['m']:.5f} u={mu['u']:.5f} w={weight:+6.2f}",
                    file=sys.stderr,
                )
    text = json.dumps(model, indent=2, sort_keys=True)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

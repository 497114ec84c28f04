"""Ground-truth clusters of the synthetic signals and pairwise precision, recall and F1 against them.

The hub links within one municipality and within the linking window, so the truth does too:

- persons: debtor records of the same real person, routed to the same municipality, chained in time
  (each record within the window of the one before it);
- households, as docs/matching.md defines them: signals about the same dwelling within the window, or
  sharing a person within the window, closed transitively (a household that moves stays one case; a
  student house is one household of several persons);
- families (reported for information): signals about the same family, chained in time.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tools.synth import SyntheticSignal

Record = tuple[int, int]  # (signal index, debtor index)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int


def pairwise(predicted: Mapping[K, Hashable], truth: Mapping[K, Hashable]) -> Scores:
    """Pairwise scores over the items of ``truth``; an item missing from ``predicted`` is a singleton."""
    joint: Counter[tuple[Hashable, Hashable]] = Counter()
    sizes_p: Counter[Hashable] = Counter()
    sizes_t: Counter[Hashable] = Counter()
    for item, cluster in truth.items():
        mine = predicted.get(item, ("singleton", item))
        joint[(mine, cluster)] += 1
        sizes_p[mine] += 1
        sizes_t[cluster] += 1
    tp = sum(n * (n - 1) // 2 for n in joint.values())
    pp = sum(n * (n - 1) // 2 for n in sizes_p.values())
    tt = sum(n * (n - 1) // 2 for n in sizes_t.values())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tt, pp)


class _Union:
    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, item: Hashable) -> Hashable:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, one: Hashable, other: Hashable) -> None:
        self.parent[self.find(one)] = self.find(other)


def _chains(
    keyed: Iterable[tuple[Hashable, dt.date, Hashable]], window: dt.timedelta
) -> Iterable[tuple[Hashable, Hashable]]:
    """Pairs (previous, item) of the same key whose dates lie within ``window`` of each other."""
    groups: dict[Hashable, list[tuple[dt.date, Hashable]]] = defaultdict(list)
    for key, day, item in keyed:
        groups[key].append((day, item))
    for members in groups.values():
        members.sort(key=lambda m: m[0])
        for (day_a, a), (day_b, b) in itertools.pairwise(members):
            if day_b - day_a <= window:
                yield a, b


def person_truth(signals: Sequence[SyntheticSignal], window: dt.timedelta) -> dict[Record, Hashable]:
    union = _Union()
    keyed = [
        ((s.municipality_code, person), s.signal_date, (i, d))
        for i, s in enumerate(signals)
        for d, person in enumerate(s.truth.persons)
    ]
    for _, _, record in keyed:
        union.find(record)
    for a, b in _chains(keyed, window):
        union.union(a, b)
    return {record: union.find(record) for _, _, record in keyed}


def household_truth(signals: Sequence[SyntheticSignal], window: dt.timedelta) -> dict[int, Hashable]:
    union = _Union()
    dwellings = [((s.municipality_code, s.truth.dwelling), s.signal_date, i) for i, s in enumerate(signals)]
    people = [
        ((s.municipality_code, person), s.signal_date, i) for i, s in enumerate(signals) for person in s.truth.persons
    ]
    for i in range(len(signals)):
        union.find(i)
    for a, b in (*_chains(dwellings, window), *_chains(people, window)):
        union.union(a, b)
    return {i: union.find(i) for i in range(len(signals))}


def family_truth(signals: Sequence[SyntheticSignal], window: dt.timedelta) -> dict[int, Hashable]:
    union = _Union()
    keyed = [((s.municipality_code, s.truth.household), s.signal_date, i) for i, s in enumerate(signals)]
    for i in range(len(signals)):
        union.find(i)
    for a, b in _chains(keyed, window):
        union.union(a, b)
    return {i: union.find(i) for i in range(len(signals))}

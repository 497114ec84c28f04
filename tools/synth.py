#!/usr/bin/env python3
"""A synthetic Dutch population in payment arrears, as creditors would signal it, with the ground truth.

Households (singles, couples, families with adult children, single parents, student houses) fall into
arrears at some moment of the period; several of their creditors signal, some more than once (repeat
reports when the amount has not grown). Some households move (creditors update the address late), some
couples separate, and new households move into vacated dwellings. Every identity is written the way its
creditor writes it (``synth_write``) and passes ``schemas.v1.identity.load_identity``.

Ground truth per signal: the person behind each debtor, the dwelling the household actually lived in on
the signal date, the household (family) and the contract. Print a sample, or write a data set in the
JSON-lines form that ``tools/match_bench.py --input`` reads (``load``):

    python tools/synth.py --signals 20 --seed 1
    python tools/synth.py --signals 50000 --seed 7 > population.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import synth_households as households
from tools import synth_names as names
from tools.synth_people import Household, Population
from tools.synth_write import ErrorRates, Writer

_SIGNAL_CHANCE = {"huur": 0.5, "energie": 0.45, "water": 0.22, "overige": 0.18, "zorg": 0.3}
_SIGNALS_PER_HOUSEHOLD = 2.6  # about what the chances above give, including successors
_DWELLINGS_PER_HOUSEHOLD = 8  # one signalling household in eight dwellings over the period
_DAILY_SIGNALS = 50  # arrival rate of long runs: the linking window holds the same number of signals
_MIN_DAYS = 450
_FIRST_DAY = dt.date(2021, 2, 1)  # signal dates start after the Wgs duty to signal began


def period_days(n_signals: int, today: dt.date | None = None) -> int:
    """The default period: 15 months, or longer at about 50 signals a day, so that a run of 100,000
    signals reaches a steady state (a full linking window of about 9,000 signals) by its 10,000th."""
    longest = ((today or dt.date.today()) - _FIRST_DAY).days
    return min(longest, max(_MIN_DAYS, -(-n_signals // _DAILY_SIGNALS)))


@dataclass(frozen=True)
class Truth:
    persons: tuple[str, ...]  # the person behind each debtor
    dwelling: str  # where the household actually lived on the signal date
    household: str  # the family (or student house) the signal is about
    contract: str
    repeat: bool = False  # a repeat report: same contract, within the window, amount not grown


@dataclass(frozen=True)
class SyntheticSignal:
    creditor: str
    creditor_kind: str
    sector: str
    municipality_code: str  # of the address as written (where the creditor routes it)
    signal_date: dt.date
    amount_cents: int
    periodic_charge_cents: int
    periods_in_arrears: int
    crisis: tuple[str, dt.date] | None
    identity: dict[str, Any]
    truth: Truth


class Generator:
    def __init__(
        self,
        n_signals: int,
        seed: int,
        *,
        days: int | None = None,
        window_days: int = 183,
        rates: ErrorRates | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
        today = today or dt.date.today()  # the signals end yesterday: the same seed and day, the same signals
        self.end = today - dt.timedelta(days=1)
        self.start = self.end - dt.timedelta(days=days or period_days(n_signals, today))
        self.window = dt.timedelta(days=window_days)
        households_needed = n_signals / _SIGNALS_PER_HOUSEHOLD
        streets = max(4, int(households_needed * _DWELLINGS_PER_HOUSEHOLD / 20 / len(names.MUNICIPALITIES)))
        self.pop = Population(self.rng, today=today, streets_per_municipality=streets)
        self.writer = Writer(self.rng, rates)
        self.n_signals = n_signals
        self._lags: dict[tuple[str, str], dt.timedelta] = {}

    def signals(self) -> list[SyntheticSignal]:
        made: list[SyntheticSignal] = []
        while len(made) < self.n_signals:
            home = households.household(self.pop, self.pop.municipality(), self.start)
            made.extend(self._episode(home, self._day(self.start, self.end)))
        surplus = set(self.rng.sample(range(len(made)), len(made) - self.n_signals))
        kept = [s for i, s in enumerate(made) if i not in surplus]
        kept.sort(key=lambda s: (s.signal_date, s.creditor, s.truth.contract))
        return _mark_repeats(kept, self.window)

    def _day(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def _episode(self, home: Household, start: dt.date) -> list[SyntheticSignal]:
        rng = self.rng
        owned = households.contracts(self.pop, home)
        made: list[SyntheticSignal] = []
        if home.kind in ("couple", "family") and rng.random() < 0.06:
            households.separate(self.pop, home, owned, start + dt.timedelta(days=rng.randint(-30, 200)))
        if rng.random() < 0.12:
            day = start + dt.timedelta(days=rng.randint(-60, 200))
            if self.start < day < self.end:
                households.move(self.pop, home, day)
                if rng.random() < 0.35:
                    arrival = day + dt.timedelta(days=rng.randint(10, 90))
                    newcomer = households.successor(self.pop, home, arrival)
                    made.extend(self._episode(newcomer, arrival + dt.timedelta(days=rng.randint(0, 120))))
        chosen = [c for c in owned if rng.random() < _SIGNAL_CHANCE[c.sector]] or [rng.choice(owned)]
        for contract in chosen:
            made.extend(self._contract_signals(contract, start + dt.timedelta(days=rng.randint(0, 60))))
        return made

    def _contract_signals(self, contract: households.Contract, day: dt.date) -> list[SyntheticSignal]:
        rng = self.rng
        periods = rng.randint(1, 3)
        amount = contract.periodic_cents * periods
        made = []
        while day <= self.end:
            made.append(self._signal(contract, day, amount, periods))
            if len(made) >= 4 or rng.random() >= 0.35:
                break
            day += dt.timedelta(days=rng.randint(28, 100))
            change = rng.random()
            if change < 0.6:
                periods += rng.randint(1, 2)
                amount = contract.periodic_cents * periods
            elif change > 0.85:
                amount = max(100, int(amount * rng.uniform(0.6, 0.95)))
        return made

    def _signal(self, contract: households.Contract, day: dt.date, amount: int, periods: int) -> SyntheticSignal:
        rng = self.rng
        home = contract.household_on(day)
        lag = self._lags.setdefault(
            (contract.creditor, home.id),
            dt.timedelta(0) if rng.random() < 0.85 else dt.timedelta(days=rng.randint(15, 75)),
        )
        written = home.dwelling_on(day - lag)
        town = names.MUNICIPALITIES[written.municipality][0]
        identity = {
            "debtors": [self.writer.debtor(contract.creditor, contract.sector, p) for p in contract.debtors],
            "address": self.writer.address(contract.creditor, written, town),
            "creditor_reference": contract.id.upper().replace("C", "K-", 1),
        }
        crisis = None
        if contract.sector == "huur" and rng.random() < 0.08:
            crisis = ("eviction", day + dt.timedelta(days=rng.randint(14, 90)))
        elif contract.sector in ("energie", "water") and rng.random() < 0.06:
            crisis = ("end_of_supply", day + dt.timedelta(days=rng.randint(20, 60)))
        truth = Truth(tuple(p.id for p in contract.debtors), home.dwelling_on(day).id, home.id, contract.id)
        return SyntheticSignal(
            creditor=contract.creditor,
            creditor_kind=contract.kind,
            sector=contract.sector,
            municipality_code=written.municipality,
            signal_date=day,
            amount_cents=max(100, amount),
            periodic_charge_cents=contract.periodic_cents,
            periods_in_arrears=periods,
            crisis=crisis,
            identity=identity,
            truth=truth,
        )


def _mark_repeats(signals: list[SyntheticSignal], window: dt.timedelta) -> list[SyntheticSignal]:
    """Truth of the repeat rule: the previous signal of the contract lies within the window and the
    amount has not grown since."""
    last: dict[str, SyntheticSignal] = {}
    marked = []
    for signal in signals:
        before = last.get(signal.truth.contract)
        repeat = (
            before is not None
            and signal.signal_date - before.signal_date <= window
            and signal.amount_cents <= before.amount_cents
        )
        kept = dataclasses.replace(signal, truth=dataclasses.replace(signal.truth, repeat=True)) if repeat else signal
        marked.append(kept)
        last[signal.truth.contract] = kept
    return marked


def generate(n_signals: int, seed: int = 1, **options: Any) -> list[SyntheticSignal]:
    """``n_signals`` synthetic signals in order of signal date, ending the day before ``today`` (an option;
    the real today by default): reproducible by ``seed`` and that day."""
    return Generator(n_signals, seed, **options).signals()


def dump(signal: SyntheticSignal) -> str:
    """One JSON line: the form ``load`` reads (dates as ``YYYY-MM-DD``)."""
    return json.dumps(asdict(signal), default=str, ensure_ascii=False)


def load(path: Path) -> list[SyntheticSignal]:
    """Signals with their truth from a JSON-lines file in the form ``dump`` writes, in order of signal
    date (stable), so that a data set made elsewhere can be scored by tools/match_bench.py. A line that
    does not have that form stops the load with its line number."""
    signals = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                signals.append(_signal(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"{path}:{number}: not a signal with its truth ({type(exc).__name__}: {exc})"
                ) from None
    return sorted(signals, key=lambda s: s.signal_date)


def _signal(item: dict[str, Any]) -> SyntheticSignal:
    truth = item["truth"]
    crisis = item.get("crisis")
    return SyntheticSignal(
        creditor=str(item["creditor"]),
        creditor_kind=str(item["creditor_kind"]),
        sector=str(item["sector"]),
        municipality_code=str(item["municipality_code"]),
        signal_date=dt.date.fromisoformat(item["signal_date"]),
        amount_cents=int(item["amount_cents"]),
        periodic_charge_cents=int(item["periodic_charge_cents"]),
        periods_in_arrears=int(item["periods_in_arrears"]),
        crisis=(str(crisis[0]), dt.date.fromisoformat(crisis[1])) if crisis else None,
        identity=dict(item["identity"]),
        truth=Truth(
            persons=tuple(str(p) for p in truth["persons"]),
            dwelling=str(truth["dwelling"]),
            household=str(truth["household"]),
            contract=str(truth["contract"]),
            repeat=bool(truth.get("repeat", False)),
        ),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signals", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for signal in generate(args.signals, args.seed):
        print(dump(signal))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The synthetic population of the matching benchmark: reproducible, valid for the exchange standard,
with the variations it promises, and scored the way docs/benchmarks.md says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from adapters.tokens import linkage_values
from schemas.v1.identity import load_identity
from tools import linkage_metrics
from tools.synth import dump, generate, load

#: The day the population is made on: signals end the day before, so a test run across midnight gets the same.
TODAY = dt.date(2026, 11, 24)
SIGNALS = generate(600, seed=5, today=TODAY)


def test_the_same_seed_gives_the_same_signals() -> None:
    again = generate(600, seed=5, today=TODAY)
    assert [s.identity for s in again] == [s.identity for s in SIGNALS]
    assert [s.truth for s in again] == [s.truth for s in SIGNALS]
    assert [s.identity for s in generate(600, seed=6, today=TODAY)] != [s.identity for s in SIGNALS]
    assert max(s.signal_date for s in SIGNALS) < TODAY


def test_a_population_made_on_another_day_ends_on_that_day() -> None:
    """What made the test above fail across midnight: the population's dates follow the day it is made on."""
    later = generate(600, seed=5, today=TODAY + dt.timedelta(days=1))
    assert max(s.signal_date for s in later) < TODAY + dt.timedelta(days=1)
    assert [s.identity for s in later] != [s.identity for s in SIGNALS]


def test_every_identity_passes_the_exchange_standard_and_yields_tokens() -> None:
    assert len(SIGNALS) == 600
    assert [s.signal_date for s in SIGNALS] == sorted(s.signal_date for s in SIGNALS)
    for signal in SIGNALS:
        loaded = load_identity(signal.identity, sector=signal.sector)
        assert len(loaded["debtors"]) == len(signal.truth.persons)
        assert {v.debtor for v in linkage_values(loaded, creditor_org_id=signal.creditor)} >= {None, 0}


def test_the_population_has_the_variations_real_exports_have() -> None:
    debtors = [d for s in SIGNALS for d in s.identity["debtors"]]
    surnames = [d["surname"] for d in debtors]
    assert any("," in name for name in surnames)  # "Berg, van der"
    assert any(name.isupper() for name in surnames)
    assert any("name_prefix" in d for d in debtors)
    assert any("date_of_birth" not in d for d in debtors)
    assert any("initials" in d and "first_names" not in d for d in debtors)
    assert any(len(s.truth.persons) == 2 for s in SIGNALS)  # joint contracts
    assert any(s.truth.repeat for s in SIGNALS)
    additions = {s.identity["address"].get("house_number_addition") for s in SIGNALS} - {None}
    assert len(additions) > 5  # written in many ways
    households_per_person: dict[str, set[str]] = {}
    for signal in SIGNALS:
        for person in signal.truth.persons:
            households_per_person.setdefault(person, set()).add(signal.truth.dwelling)
    assert any(len(dwellings) > 1 for dwellings in households_per_person.values())  # people move


def test_pairwise_scores() -> None:
    truth = {1: "a", 2: "a", 3: "a", 4: "b"}
    perfect = linkage_metrics.pairwise({1: "x", 2: "x", 3: "x", 4: "y"}, truth)
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    split = linkage_metrics.pairwise({1: "x", 2: "x", 3: "y", 4: "z"}, truth)
    assert (split.precision, split.recall) == (1.0, 1 / 3)
    merged = linkage_metrics.pairwise({1: "x", 2: "x", 3: "x", 4: "x"}, truth)
    assert (merged.precision, merged.recall) == (0.5, 1.0)


def test_truth_chains_within_the_window_and_municipality() -> None:
    window = dt.timedelta(days=183)
    persons = linkage_metrics.person_truth(SIGNALS, window)
    households = linkage_metrics.household_truth(SIGNALS, window)
    groups: dict[object, list[tuple[int, int]]] = {}
    for record, cluster in persons.items():
        groups.setdefault(cluster, []).append(record)
    assert any(len(group) > 1 for group in groups.values())
    for group in groups.values():
        assert len({SIGNALS[i].truth.persons[d] for i, d in group}) == 1
        assert len({SIGNALS[i].municipality_code for i, _ in group}) == 1
        assert len({households[i] for i, _ in group}) == 1  # one person, one household


def test_a_data_set_written_as_json_lines_loads_back_equal(tmp_path: Path) -> None:
    signals = generate(300, seed=4)
    path = tmp_path / "population.jsonl"
    path.write_text("".join(dump(s) + "\n" for s in reversed(signals)), encoding="utf-8")
    loaded = load(path)
    assert [s.signal_date for s in loaded] == sorted(s.signal_date for s in signals)
    assert sorted(loaded, key=dump) == sorted(signals, key=dump)


def test_a_line_without_truth_is_named_by_its_number(tmp_path: Path) -> None:
    path = tmp_path / "population.jsonl"
    path.write_text(dump(generate(1, seed=4)[0]) + "\n\n" + '{"creditor": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"population.jsonl:3: not a signal"):
        load(path)

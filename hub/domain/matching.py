"""Household matching (koppelen): which stored signals a new signal belongs with, and why. Pure rules.

The hub sees only which linkage tokens two records share and which token kinds each record carries
(``schemas.v1.vocab``). From that it derives Fellegi-Sunter comparison levels (``match_levels``) and
scores them with the m/u weights of ``match_model``:

- person level, one new debtor record against one stored debtor record: name and date of birth
  (``surname_dob`` > ``phonetic_dob`` > ``initial_dob``; initials that differ while surname and date
  agree, or dates that differ), surname + initial + postcode, e-mail, phone, BSN, address, contract;
- household level, the new signal against one stored signal: address (exact, or only postcode and house
  number), contract, and the best person score between their debtors.

:func:`assess` scores every candidate the blocking query found; :func:`plan` turns the scores into one
decision: the case to join (the best above the household threshold), the cases it bridges (merged into
it unless a municipality split them apart), and the person each new debtor is (each at most once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from hub.domain.match_levels import household_levels, ordered, person_levels
from hub.domain.match_model import MatchModel


@dataclass(frozen=True)
class Probe:
    """The signal being linked: hub-readable facts and the kinds of tokens it carries."""

    signal_id: str
    creditor_id: str
    signal_date: dt.date
    amount_cents: int
    active: bool
    supersedes: str | None
    household_kinds: frozenset[str]
    debtors: Mapping[int, frozenset[str]]  # debtor index -> its person kinds


@dataclass
class CandidateDebtor:
    debtor: int
    person_id: str
    kinds: frozenset[str]
    agreed: dict[int, set[str]] = field(default_factory=dict)  # new debtor -> person kinds shared


@dataclass
class Candidate:
    """A stored signal sharing at least one token with the probe, within the window."""

    signal_id: str
    case_id: str
    creditor_id: str
    signal_date: dt.date
    amount_cents: int
    active: bool
    household_kinds: frozenset[str]
    agreed: set[str] = field(default_factory=set)  # household kinds shared with the probe
    debtors: dict[int, CandidateDebtor] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """Why the probe (or one of its debtors) was linked to a stored signal (or one of its debtors)."""

    level: str  # "person" or "household"
    debtor: int | None
    target_signal_id: str
    target_debtor: int | None
    score: float
    agreed: tuple[str, ...]
    disagreed: tuple[str, ...]


@dataclass(frozen=True)
class PersonMatch:
    debtor: int
    person_id: str
    case_id: str
    link: Link


@dataclass(frozen=True)
class CaseMatch:
    case_id: str
    link: Link


@dataclass(frozen=True)
class Assessment:
    cases: tuple[CaseMatch, ...]  # household score at or above the threshold, best first
    persons: tuple[PersonMatch, ...]  # person score at or above the threshold, best first
    repeat_of: str | None


@dataclass(frozen=True)
class Plan:
    case: CaseMatch | None  # the case to join; None: open a new one
    merged: tuple[CaseMatch, ...]  # cases the probe bridges, to merge into ``case``
    persons: Mapping[int, PersonMatch]  # new debtor -> the person it is; absent: a new person
    bridges: Mapping[int, tuple[PersonMatch, ...]]  # other persons the debtor matches, to merge if compatible
    repeat_of: str | None


def assess(probe: Probe, candidates: Sequence[Candidate], model: MatchModel) -> Assessment:
    """Score every candidate at both levels; keep what clears the thresholds."""
    persons: dict[tuple[int, str], PersonMatch] = {}
    cases: dict[str, CaseMatch] = {}
    for candidate in candidates:
        best: Link | None = None
        for pair in _person_links(probe, candidate, model):
            if best is None or pair.link.score > best.score:
                best = pair.link
            key = (pair.debtor, pair.person_id)
            if pair.link.score >= model.person_threshold and (
                key not in persons or pair.link.score > persons[key].link.score
            ):
                persons[key] = pair
        link = _household_link(probe, candidate, best, model)
        if link.score >= model.household_threshold and (
            candidate.case_id not in cases or link.score > cases[candidate.case_id].link.score
        ):
            cases[candidate.case_id] = CaseMatch(candidate.case_id, link)
    return Assessment(
        cases=tuple(sorted(cases.values(), key=_strongest_case)),
        persons=tuple(sorted(persons.values(), key=_strongest_person)),
        repeat_of=repeat_of(probe, candidates),
    )


def _strongest_case(match: CaseMatch) -> tuple[float, str]:
    # ties go to the lowest signal id: decisions must not depend on random ids or iteration order
    return -match.link.score, match.link.target_signal_id


def _strongest_person(match: PersonMatch) -> tuple[float, int, str, int]:
    return -match.link.score, match.debtor, match.link.target_signal_id, match.link.target_debtor or 0


def _person_links(probe: Probe, candidate: Candidate, model: MatchModel) -> Iterable[PersonMatch]:
    for debtor, kinds in probe.debtors.items():
        mine = kinds | probe.household_kinds
        for stored in candidate.debtors.values():
            agreed = frozenset(stored.agreed.get(debtor, ())) | candidate.agreed
            theirs = stored.kinds | candidate.household_kinds
            joint = len(probe.debtors) > 1 or len(candidate.debtors) > 1
            score = model.score("person", person_levels(agreed, mine, theirs, joint=joint))
            link = Link(
                "person",
                debtor,
                candidate.signal_id,
                stored.debtor,
                score,
                ordered(agreed),
                ordered(mine & theirs - agreed),
            )
            yield PersonMatch(debtor, stored.person_id, candidate.case_id, link)


def _household_link(probe: Probe, candidate: Candidate, best: Link | None, model: MatchModel) -> Link:
    person = "same" if best is not None and best.score >= model.person_threshold else "none"
    levels = household_levels(candidate.agreed, probe.household_kinds, candidate.household_kinds, person)
    agreed = set(candidate.agreed) | (set(best.agreed) if person == "same" and best is not None else set())
    disagreed = (probe.household_kinds & candidate.household_kinds) - candidate.agreed
    return Link(
        "household",
        None,
        candidate.signal_id,
        None,
        model.score("household", levels),
        ordered(agreed),
        ordered(disagreed),
    )


def repeat_of(probe: Probe, candidates: Sequence[Candidate]) -> str | None:
    """The earlier signal this one repeats: the most recent earlier signal of the same creditor and
    contract in the window, when the amount has not grown since (DOMAIN: "herhaalde melding"). A signal
    that names what it supersedes is a correction, not a repeat."""
    if not probe.active:
        return None
    earlier = [
        c
        for c in candidates
        if "contract" in c.agreed
        and c.creditor_id == probe.creditor_id
        and c.active
        and c.signal_date <= probe.signal_date
        and c.signal_id != probe.supersedes
    ]
    if not earlier:
        return None
    latest = max(earlier, key=lambda c: (c.signal_date, c.signal_id))
    return latest.signal_id if probe.amount_cents <= latest.amount_cents else None


def plan(assessment: Assessment, blocked: AbstractSet[frozenset[str]]) -> Plan:
    """Decide: join the best case, merge the others it bridges unless a split keeps them apart, and
    give each new debtor its best person in those cases (never one person to both debtors)."""
    ranked = list(assessment.cases)
    ranked.extend(
        CaseMatch(p.case_id, p.link) for p in assessment.persons if all(c.case_id != p.case_id for c in ranked)
    )
    ranked.sort(key=_strongest_case)
    joined: list[CaseMatch] = []
    for case in ranked:
        if all(case.case_id != j.case_id and frozenset((case.case_id, j.case_id)) not in blocked for j in joined):
            joined.append(case)
    ids = {j.case_id for j in joined}
    persons: dict[int, PersonMatch] = {}
    taken: set[str] = set()
    for person in assessment.persons:
        if person.case_id in ids and person.debtor not in persons and person.person_id not in taken:
            persons[person.debtor] = person
            taken.add(person.person_id)
    bridges: dict[int, list[PersonMatch]] = {}
    for person in assessment.persons:
        if person.case_id in ids and person.debtor in persons and person.person_id not in taken:
            bridges.setdefault(person.debtor, []).append(person)
            taken.add(person.person_id)
    return Plan(
        case=joined[0] if joined else None,
        merged=tuple(joined[1:]),
        persons=persons,
        bridges={debtor: tuple(found) for debtor, found in bridges.items()},
        repeat_of=assessment.repeat_of,
    )

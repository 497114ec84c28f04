"""Households of the synthetic population and the contracts creditors hold with them.

A household is one of: a single person, a couple, a family (with adult children at home, some named
after their father), a single parent, or a student house of unrelated young adults sharing one address.
Married women may also use their partner's surname; partners sometimes share an e-mail address or phone.
Contracts: rent (joint for many couples), energy, water, local taxes, and one health insurance per adult.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from tools import synth_names as names
from tools.synth_people import Household, Person, Population

KINDS = ("single", "couple", "family", "single_parent", "students")
_KIND_WEIGHTS = (36, 20, 20, 14, 10)


@dataclass
class Contract:
    """A creditor's contract with one or two debtors of a household; signals are sent about it."""

    id: str
    creditor: str
    kind: str  # organisation kind of the creditor
    sector: str
    debtors: list[Person]
    household: Household
    periodic_cents: int
    moved_to: tuple[dt.date, Household] | None = None  # a debtor who left took the contract along

    def household_on(self, day: dt.date) -> Household:
        if self.moved_to is not None and day >= self.moved_to[0]:
            return self.moved_to[1]
        return self.household


def household(pop: Population, code: str, since: dt.date) -> Household:
    """A new household living in a fresh dwelling of municipality ``code`` from ``since``."""
    rng = pop.rng
    kind = rng.choices(KINDS, _KIND_WEIGHTS)[0]
    if kind == "single":
        adults = [pop.person(rng.choice("mf"), (20, 85))]
    elif kind in ("couple", "family"):
        adults = _couple(pop)
        if kind == "family":
            adults += _children(pop, adults[0], rng.choices((0, 1, 2), (65, 25, 10))[0])
    elif kind == "single_parent":
        parent = pop.person("f" if rng.random() < 0.8 else "m", (25, 60))
        adults = [parent, *_children(pop, parent, rng.choices((0, 1, 2), (55, 35, 10))[0])]
    else:
        adults = [pop.person(rng.choice("mf"), (18, 26)) for _ in range(rng.randint(3, 6))]
    for person in adults:
        if person.phone and rng.random() < 0.08:
            person.old_phone = f"06{rng.randint(10_000_000, 99_999_999)}"
    return Household(pop.next_id("h"), kind, adults, [(since, pop.dwelling(code))])


def _couple(pop: Population) -> list[Person]:
    rng = pop.rng
    one = pop.person("m", (22, 80))
    other = pop.person("f", (20, 78))
    if rng.random() < 0.35:
        other.partner_name = (one.prefix, one.surname)
    if one.email and rng.random() < 0.1:
        other.email = one.email  # a family address
    if one.phone and rng.random() < 0.05:
        other.phone = one.phone
    return [one, other]


def _children(pop: Population, parent: Person, count: int) -> list[Person]:
    rng = pop.rng
    children = []
    for _ in range(count):
        child = pop.person(rng.choice("mf"), (18, 24), (parent.prefix, parent.surname))
        if child.sex == parent.sex and rng.random() < 0.1:  # named after the parent: same initials
            child.first_names, child.call_name = parent.first_names, parent.call_name
        children.append(child)
    return children


def contracts(pop: Population, home: Household) -> list[Contract]:
    """Every contract of the household: what its creditors could signal about."""
    rng, code = pop.rng, home.moves[0][1].municipality
    main = home.adults[0]
    found: list[Contract] = []

    def add(creditor: str, kind: str, sector: str, debtors: list[Person], periodic: int) -> None:
        found.append(Contract(pop.next_id("c"), creditor, kind, sector, debtors, home, periodic))

    if home.kind == "students" or rng.random() < 0.75:
        joint = home.kind in ("couple", "family") and rng.random() < 0.6
        rent = rng.randint(45_000, 140_000) if home.kind != "students" else rng.randint(30_000, 60_000)
        add(rng.choice(names.housing_corporations(code)), "housing", "huur", home.adults[:2] if joint else [main], rent)
    energy_debtor = home.adults[1] if len(home.adults) > 1 and rng.random() < 0.3 else main
    add(rng.choice(names.ENERGY), "energy", "energie", [energy_debtor], rng.randint(8_000, 25_000))
    add(names.WATER.get(code, names.WATER_DEFAULT), "water", "water", [main], rng.randint(2_000, 5_000))
    if home.kind != "students":
        add(names.tax_office(code), "municipal_taxes", "overige", [main], rng.randint(10_000, 90_000))
    insurer = rng.choice(names.HEALTH_INSURERS)
    for person in home.adults:
        own = insurer if home.kind != "students" and rng.random() < 0.7 else rng.choice(names.HEALTH_INSURERS)
        add(own, "health_insurer", "zorg", [person], rng.randint(12_000, 16_000))
    return found


def separate(pop: Population, home: Household, owned: list[Contract], day: dt.date) -> Household | None:
    """The second adult of a couple leaves on ``day`` for a dwelling of their own, taking along the
    contracts in their name alone; a joint contract stays at the old address."""
    if home.kind not in ("couple", "family") or len(home.adults) < 2:
        return None
    leaver = home.adults[1]
    code = home.moves[0][1].municipality if pop.rng.random() < 0.8 else pop.municipality()
    alone = Household(pop.next_id("h"), "split", [leaver], [(day, pop.dwelling(code))])
    for contract in owned:
        if contract.debtors == [leaver]:
            contract.moved_to = (day, alone)
    return alone


def move(pop: Population, home: Household, day: dt.date) -> None:
    """The household moves on ``day``: mostly within its municipality."""
    current = home.moves[-1][1].municipality
    code = current if pop.rng.random() < 0.85 else pop.municipality()
    home.moves.append((day, pop.dwelling(code)))


def successor(pop: Population, left: Household, day: dt.date) -> Household:
    """A new household moving into the dwelling ``left`` leaves on ``day``."""
    dwelling = left.dwelling_on(day - dt.timedelta(days=1))
    newcomer = household(pop, dwelling.municipality, day)
    return dataclasses.replace(newcomer, moves=[(day, dwelling)])

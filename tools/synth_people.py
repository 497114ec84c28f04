"""The synthetic population: people, dwellings on streets, and households that live in them.

Everything is drawn from one seeded ``random.Random``, so a seed always gives the same population. The
people carry what a register knows (official first names, call name, legal surname, date of birth, BSN,
phone, e-mail); how creditors *write* them, with their errors, is ``synth_write``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from tools import synth_names as names

_LETTERS = "ABCDEFGHJKLMNPRTVWXZ"
_ZIPF = tuple(itertools.accumulate(1 / rank for rank in range(1, len(names.COMMON_SURNAMES) + 1)))
_FLOORS = (("H", "1", "2", "3"), ("1", "2", "3", "4"), ("A", "B", "C", "D"), ("1", "2"), ("A", "B"))


@dataclass
class Person:
    id: str
    sex: str
    first_names: tuple[str, ...]  # official, as in the register
    call_name: str  # the name the person goes by (roepnaam)
    prefix: str  # legal surname: tussenvoegsel and name
    surname: str
    dob: dt.date
    bsn: str
    phone: str | None
    email: str | None
    old_phone: str | None = None  # the number some creditors still have
    partner_name: tuple[str, str] | None = None  # the partner's surname, when this person also uses it


@dataclass(frozen=True)
class Dwelling:
    id: str
    municipality: str
    street: str
    postcode: str
    number: int
    addition: str | None  # canonical: "1", "A", "H"; written in many ways


@dataclass
class Household:
    id: str
    kind: str  # single, couple, family, single_parent, students, or split (a partner who left)
    adults: list[Person]
    moves: list[tuple[dt.date, Dwelling]] = field(default_factory=list)  # dwelling from each date on

    def dwelling_on(self, day: dt.date) -> Dwelling:
        current = self.moves[0][1]
        for since, dwelling in self.moves:
            if since <= day:
                current = dwelling
        return current


@dataclass
class _Street:
    name: str
    postcode: str
    units: list[tuple[int, str | None]]


class Population:
    """Draws people, dwellings and households for the municipalities of ``synth_names``."""

    def __init__(self, rng: random.Random, *, today: dt.date, streets_per_municipality: int) -> None:
        self.rng, self.today = rng, today
        self._streets_per_municipality = streets_per_municipality
        self._streets: dict[str, list[_Street]] = {}
        self._postcodes: set[str] = set()
        self._free: dict[str, list[tuple[_Street, int, str | None]]] = {}
        self._counter = 0
        self._used_bsn: set[str] = set()

    def next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def municipality(self) -> str:
        codes = list(names.MUNICIPALITIES)
        return self.rng.choices(codes, weights=[names.MUNICIPALITIES[c][1] for c in codes])[0]

    # --- dwellings ---------------------------------------------------------------------------------
    def dwelling(self, code: str) -> Dwelling:
        """A dwelling no household of this population has lived in yet."""
        free = self._free.get(code)
        if free is None:
            free = self._free[code] = [
                (street, number, addition) for street in self._make_streets(code) for number, addition in street.units
            ]
            self.rng.shuffle(free)
        if not free:
            free.extend((s, n, a) for s in self._make_streets(code) for n, a in s.units)
            self.rng.shuffle(free)
        street, number, addition = free.pop()
        return Dwelling(self.next_id("d"), code, street.name, street.postcode, number, addition)

    def _make_streets(self, code: str) -> list[_Street]:
        made = [self._street(code) for _ in range(self._streets_per_municipality)]
        self._streets.setdefault(code, []).extend(made)
        return made

    def _street(self, code: str) -> _Street:
        ranges = names.MUNICIPALITIES[code][2]
        while True:
            low, high = self.rng.choice(ranges)
            letters = self.rng.choice(_LETTERS) + self.rng.choice(_LETTERS)
            postcode = f"{self.rng.randint(low, high)}{letters}"
            if postcode not in self._postcodes and letters not in ("SA", "SD", "SS"):
                self._postcodes.add(postcode)
                break
        name = self.rng.choice(names.STREET_STEMS) + self.rng.choice(names.STREET_KINDS)
        first = self.rng.randint(1, 200)
        units: list[tuple[int, str | None]] = []
        for number in range(first, first + 2 * self.rng.randint(6, 16), 2):
            if self.rng.random() < 0.4:
                units.extend((number, addition) for addition in self.rng.choice(_FLOORS))
            else:
                units.append((number, None))
        return _Street(name, postcode, units)

    # --- people ------------------------------------------------------------------------------------
    def person(self, sex: str, ages: tuple[int, int], name: tuple[str, str] | None = None) -> Person:
        """A person aged within ``ages`` with surname ``name`` (a fresh one when not given)."""
        rng = self.rng
        prefix, surname = name or self.surname()
        pool = names.MALE_NAMES if sex == "m" else names.FEMALE_NAMES
        official = rng.sample(pool, rng.choices((1, 2, 3), weights=(45, 40, 15))[0])
        call_name = official[0][1] if official[0][1] and rng.random() < 0.7 else official[0][0]
        born = self.today - dt.timedelta(days=rng.randint(ages[0] * 365 + 30, ages[1] * 365 - 30))
        return Person(
            id=self.next_id("p"),
            sex=sex,
            first_names=tuple(n for n, _ in official),
            call_name=call_name,
            prefix=prefix,
            surname=surname,
            dob=born,
            bsn=self._bsn(),
            phone=f"06{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.85 else None,
            email=self._email(call_name, surname) if rng.random() < 0.7 else None,
        )

    def _email(self, first: str, surname: str) -> str:
        local = "".join(c for c in f"{first}.{surname}".lower() if c.isascii() and (c.isalnum() or c == "."))
        domain = self.rng.choice(("gmail.com", "hotmail.nl", "ziggo.nl", "kpnmail.nl", "outlook.com"))
        return f"{local}{self.rng.randint(1, 999)}@{domain}"

    def surname(self) -> tuple[str, str]:
        """A (prefix, surname): 12% from the common names (Zipf: weight 1/rank), the rest from the tail."""
        rng = self.rng
        if rng.random() < 0.12:
            return rng.choices(names.COMMON_SURNAMES, cum_weights=_ZIPF)[0]
        prefix = rng.choices([p for p, _ in names.TAIL_PREFIXES], weights=[w for _, w in names.TAIL_PREFIXES])[0]
        return prefix, rng.choice(names.ROOTS) + rng.choice(names.SUFFIXES)

    def _bsn(self) -> str:
        while True:
            digits = [self.rng.randint(0, 9) for _ in range(8)]
            check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
            if check < 10 and digits[0] != 0:
                bsn = "".join(map(str, digits)) + str(check)
                if bsn not in self._used_bsn:
                    self._used_bsn.add(bsn)
                    return bsn

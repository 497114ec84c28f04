"""Linkage tokens: the same person written differently links; clearly different people never do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from adapters import tokens
from schemas.v1 import clock, vocab
from schemas.v1.identity import load_identity
from tests.unit import signal_data

SURNAMES = ("Meer", "Berg", "Jansen", "Bakker", "Visser", "Stettijn", "Dekker", "Brink", "Leeuwen", "Mulder")
OTHER_SURNAMES = ("Smit", "Vos", "Hendriks", "Koster", "Dijkstra", "Wolters", "Boers", "Elberts", "Galijn")
PREFIXES = ("", "van", "van der", "de", "van den", "ter", "'t")
ACCENTED = str.maketrans({"e": "é", "a": "á", "i": "ï", "o": "ö", "u": "ü"})


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(signal_data.TODAY):
        yield


@dataclass(frozen=True)
class Person:
    surname: str
    prefix: str
    first_names: str
    born: dt.date
    postcode: str
    number: int
    addition: str


people = st.builds(
    Person,
    surname=st.sampled_from(SURNAMES),
    prefix=st.sampled_from(PREFIXES),
    first_names=st.sampled_from(("Pieter Cornelis", "Anna", "Jan Willem", "Fatima", "Linn")),
    born=st.dates(dt.date(1930, 1, 1), dt.date(2005, 12, 31)),
    postcode=st.from_regex(r"[1-9][0-9]{3}[A-Z]{2}", fullmatch=True),
    number=st.integers(1, 999),
    addition=st.sampled_from(("", "A", "B", "1", "2", "H")),
)


def surname_as_written(person: Person, style: str) -> tuple[str, str | None]:
    """(surname, name_prefix) as one creditor's system writes them."""
    if not person.prefix:
        return person.surname, None
    return {
        "separate": (person.surname, person.prefix),
        "inside": (f"{person.surname} {person.prefix}", None),
        "front": (f"{person.prefix} {person.surname}", None),
        "comma": (f"{person.surname}, {person.prefix}", None),
        "dropped": (person.surname, None),
    }[style]


ADDITION_STYLES = {
    "": ("",),
    "A": ("A", "a", " a", "-A"),
    "B": ("B", "b", "-b"),
    "1": ("1", "-1", "I", "1-hoog", "1 hoog"),
    "2": ("2", "-2", "II", "2-hoog"),
    "H": ("H", "hs", "huis", "-H"),
}


@st.composite
def writings(draw: st.DrawFn, person: Person) -> dict[str, Any]:
    """The identity payload of ``person`` as some creditor writes it: prefix, case, accents, spacing, ij/y,
    initials or first names, postcode spacing, house-number addition style."""
    surname, prefix = surname_as_written(
        person, draw(st.sampled_from(("separate", "inside", "front", "comma", "dropped")))
    )
    if draw(st.booleans()):
        surname = surname.replace("ij", "y")
    surname = draw(st.sampled_from((str.upper, str.lower, str.title, lambda text: text.translate(ACCENTED))))(surname)
    surname = surname.replace(" ", draw(st.sampled_from((" ", "  ", "   "))))
    names: dict[str, str] = draw(
        st.sampled_from(
            (
                {"first_names": person.first_names},
                {"initials": ".".join(word[0] for word in person.first_names.split()) + "."},
                {"initials": "".join(word[0] for word in person.first_names.split()).lower()},
            )
        )
    )
    postcode = draw(
        st.sampled_from((person.postcode, f"{person.postcode[:4]} {person.postcode[4:]}", person.postcode.lower()))
    )
    debtor = {"surname": surname, "name_prefix": prefix, "date_of_birth": person.born.isoformat(), **names}
    address = {
        "street": "Kerkstraat",
        "house_number": person.number,
        "house_number_addition": draw(st.sampled_from(ADDITION_STYLES[person.addition])),
        "postcode": postcode,
        "town": "Oudeschans",
    }
    return {"debtors": [debtor], "address": address, "creditor_reference": draw(st.sampled_from(("HC1", "r-77")))}


def token_set(identity: dict[str, Any]) -> set[tuple[str, str]]:
    loaded = load_identity(identity, sector="huur")
    derived = tokens.derive_tokens(loaded, linkage_key=signal_data.LINKAGE_KEY, creditor_org_id=signal_data.CREDITOR)
    return {(token["kind"], token["value"]) for token in derived}


def kinds(shared: set[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in shared}


@given(data=st.data(), person=people)
def test_the_same_person_written_differently_shares_name_and_address_tokens(
    data: st.DataObject, person: Person
) -> None:
    one, other = data.draw(writings(person)), data.draw(writings(person))
    shared = kinds(token_set(one) & token_set(other))
    assert {"surname_dob", "phonetic_dob", "initial_dob", "surname_initial_postcode"} <= shared
    assert {"address", "postcode_house_number"} <= shared


@given(data=st.data(), person=people, swap=st.booleans())
def test_a_mistyped_date_of_birth_still_links_on_the_swapped_date(
    data: st.DataObject, person: Person, swap: bool
) -> None:
    assume(person.born.day <= 12 and person.born.day != person.born.month)
    one, other = data.draw(writings(person)), data.draw(writings(person))
    if swap:
        swapped = person.born.replace(day=person.born.month, month=person.born.day)
        other["debtors"][0]["date_of_birth"] = swapped.isoformat()
    assert "surname_dob" in kinds(token_set(one) & token_set(other))


@given(data=st.data(), person=people, stranger=people, surname=st.sampled_from(OTHER_SURNAMES))
def test_clearly_different_people_share_no_token(
    data: st.DataObject, person: Person, stranger: Person, surname: str
) -> None:
    assume(stranger.born.isoformat() not in _date_variants(person.born))
    assume(stranger.postcode != person.postcode)
    stranger = Person(
        surname,
        stranger.prefix,
        stranger.first_names,
        stranger.born,
        stranger.postcode,
        stranger.number,
        stranger.addition,
    )
    one, other = data.draw(writings(person)), data.draw(writings(stranger))
    other["creditor_reference"] = "OTHER-CONTRACT"
    assert token_set(one).isdisjoint(token_set(other))


def _date_variants(day: dt.date) -> set[str]:
    swapped = {day.replace(day=day.month, month=day.day).isoformat()} if day.day <= 12 else set()
    return {day.isoformat()} | swapped


def test_person_tokens_name_their_debtor_and_household_tokens_none() -> None:
    identity = signal_data.identity()
    identity["debtors"].append({"initials": "A.", "surname": "Jansen", "email": "a.jansen@example.nl"})
    loaded = load_identity(identity, sector="huur")
    derived = tokens.derive_tokens(loaded, linkage_key=signal_data.LINKAGE_KEY, creditor_org_id=signal_data.CREDITOR)
    for token in derived:
        if token["kind"] in vocab.PERSON_TOKEN_KINDS:
            assert token["debtor"] in (0, 1)
        else:
            assert token["kind"] in vocab.HOUSEHOLD_TOKEN_KINDS
            assert token["debtor"] is None
    assert {token["debtor"] for token in derived} == {0, 1, None}
    assert len(derived) <= vocab.MAX_TOKENS_PER_SIGNAL


def test_linkage_values_are_the_documented_strings() -> None:
    loaded = load_identity(signal_data.identity(), sector="huur")
    values = {(item.kind, item.value) for item in tokens.linkage_values(loaded, creditor_org_id="woonstad-rdam")}
    assert ("surname_dob", "meer|1974-06-17") in values
    assert ("phonetic_dob", "mer|1974-06-17") in values
    assert ("initial_dob", "p|1974-06-17") in values
    assert ("surname_initial_postcode", "meer|p|4110KP") in values
    assert ("phone", "+31628447326") in values
    assert ("email", "p.vandermeer@example.nl") in values
    assert ("address", "4110KP|126|1") in values
    assert ("postcode_house_number", "4110KP|126") in values
    assert ("contract", "woonstad-rdam|HC632510") in values


def test_bsn_and_birth_surname_tokens() -> None:
    identity = signal_data.identity()
    identity["debtors"][0].update(bsn="999998365", surname="Bovenen-Jansen", birth_surname="Meer")
    loaded = load_identity(identity, sector="zorg")
    values = {(item.kind, item.value) for item in tokens.linkage_values(loaded, creditor_org_id="zk-vgz")}
    assert ("bsn", "999998365") in values
    assert {("surname_dob", f"{key}|1974-06-17") for key in ("meer", "jansen", "bovenen")} <= values

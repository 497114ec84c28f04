"""Rows of the synthetic creditor exports (../shared/samples) as identity payloads, and their linking.

The rows are copied here so the test needs nothing outside the repository; they are synthetic (BSNs in the
99999xxxx test range). Mapping a row to a payload is the CSV adapters' work; this only shows that what
they will produce loads, and that one household written by two creditors links.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import ValidationError

from adapters import normalise, tokens
from schemas.v1 import clock
from schemas.v1.identity import load_identity
from tests.unit import signal_data

HOUSING = (
    "HC632510;PC;Pieter Cornelis;;Stettyn;17-06-1974;Nadiakade;126I;;4110KP;Oudeschans;06 28447326;"
    "fam.stettyn@gmail.com"
)
ENERGY = "89649817,P. STETTYN,1974-06-17,NADIAKADE 126-I,4110 KP,OUDESCHANS,+31628447326,"
HEALTH = "R2993884|999998365|M||Mansveld|19930629|Lizzsteeg|46||4732 DL|Aalsmeer"
HEALTH_NO_INITIALS = "R6180814|999995935|||Wyland|20071115|Lensensingel|1||4810 TT|Waaxens"
TAXES = (
    '{"aanslagnummer": "5308726043", "voorletters": "M.", "voornamen": null, "voorvoegsel": null, '
    '"achternaam": "Mansveld", "geboortedatum": "1993-06-29", "adres": {"straat": "Lizzsteeg", '
    '"huisnummer": "46", "toevoeging": null, "postcode": "4732 DL", "woonplaats": "Aalsmeer"}}'
)
TAXES_NO_POSTCODE = (
    '{"aanslagnummer": "3807102116", "voorletters": "sa", "voornamen": "SAAR ANNA", "voorvoegsel": null, '
    '"achternaam": "DEN HAG", "geboortedatum": "2003-04-21", "adres": {"straat": "TIJMENGRACHT", '
    '"huisnummer": "104", "toevoeging": null, "postcode": null, "woonplaats": "ADORP"}}'
)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(signal_data.TODAY):
        yield


def housing(row: str) -> dict[str, Any]:
    ref, initials, first, prefix, surname, born, street, number, addition, postcode, town, phone, email = row.split(";")
    house, glued = normalise.split_house_number(number)
    day, month, year = born.split("-")
    debtor = {"initials": initials, "first_names": first, "name_prefix": prefix, "surname": surname}
    debtor |= {"date_of_birth": f"{year}-{month}-{day}", "phone": phone, "email": email}
    address = {"street": street, "house_number": house, "house_number_addition": addition or glued}
    return {"debtors": [debtor], "address": address | {"postcode": postcode, "town": town}, "creditor_reference": ref}


def energy(row: str) -> dict[str, Any]:
    ref, name, born, street_and_number, postcode, town, phone, email = row.split(",")
    initials, surname = name.split(" ", 1)  # the energy adapter's name splitting is its own work
    street, number = street_and_number.split(" ", 1)
    house, addition = normalise.split_house_number(number)
    debtor = {"initials": initials, "surname": surname, "date_of_birth": born, "phone": phone, "email": email}
    address = {"street": street, "house_number": house, "house_number_addition": addition}
    return {"debtors": [debtor], "address": address | {"postcode": postcode, "town": town}, "creditor_reference": ref}


def health(row: str) -> dict[str, Any]:
    ref, bsn, initials, prefix, surname, born, street, number, addition, postcode, town = row.split("|")
    debtor = {"bsn": bsn, "initials": initials, "name_prefix": prefix, "surname": surname}
    debtor["date_of_birth"] = f"{born[:4]}-{born[4:6]}-{born[6:]}"
    address = {"street": street, "house_number": int(number), "house_number_addition": addition}
    return {"debtors": [debtor], "address": address | {"postcode": postcode, "town": town}, "creditor_reference": ref}


def taxes(line: str) -> dict[str, Any]:
    row = json.loads(line)
    debtor = {key: row[source] for key, source in (("initials", "voorletters"), ("first_names", "voornamen"))}
    debtor |= {"name_prefix": row["voorvoegsel"], "surname": row["achternaam"], "date_of_birth": row["geboortedatum"]}
    house, addition = normalise.split_house_number(row["adres"]["huisnummer"])
    address = {"street": row["adres"]["straat"], "house_number": house, "house_number_addition": addition}
    address |= {"postcode": row["adres"]["postcode"], "town": row["adres"]["woonplaats"]}
    return {"debtors": [debtor], "address": address, "creditor_reference": row["aanslagnummer"]}


def token_set(identity: dict[str, Any], sector: str, creditor: str) -> set[tuple[str, str]]:
    loaded = load_identity(identity, sector=sector)
    derived = tokens.derive_tokens(loaded, linkage_key=signal_data.LINKAGE_KEY, creditor_org_id=creditor)
    return {(token["kind"], token["value"]) for token in derived}


def test_sample_rows_load_as_identity_payloads() -> None:
    loaded = load_identity(housing(HOUSING), sector="huur")
    assert loaded["address"] == {
        "street": "Nadiakade",
        "house_number": 126,
        "house_number_addition": "I",
        "postcode": "4110KP",
        "town": "Oudeschans",
    }
    assert load_identity(energy(ENERGY), sector="energie")["debtors"][0]["phone"] == "+31628447326"
    assert load_identity(health(HEALTH), sector="zorg")["debtors"][0]["bsn"] == "999998365"
    assert "initials" not in load_identity(health(HEALTH_NO_INITIALS), sector="zorg")["debtors"][0]
    assert load_identity(taxes(TAXES), sector="overige")["address"]["postcode"] == "4732DL"


def test_the_defective_sample_row_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        load_identity(taxes(TAXES_NO_POSTCODE), sector="overige")
    assert caught.value.messages == {"address": {"postcode": ["Postcode is required."]}}


def test_one_household_written_by_two_creditors_links() -> None:
    housing_tokens = token_set(housing(HOUSING), "huur", "woonstad-rdam")
    energy_tokens = token_set(energy(ENERGY), "energie", "eneco")
    shared = {kind for kind, _ in housing_tokens & energy_tokens}
    assert {"surname_dob", "initial_dob", "address", "phone"} <= shared
    assert "contract" not in shared


def test_health_insurer_and_municipality_link_the_same_person() -> None:
    shared = {
        kind for kind, _ in token_set(health(HEALTH), "zorg", "zk-vgz") & token_set(taxes(TAXES), "overige", "gm0363")
    }
    assert {"surname_dob", "phonetic_dob", "address", "postcode_house_number"} <= shared


def test_different_households_in_the_samples_do_not_link() -> None:
    assert token_set(housing(HOUSING), "huur", "woonstad-rdam").isdisjoint(token_set(health(HEALTH), "zorg", "zk-vgz"))

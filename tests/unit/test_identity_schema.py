"""The plaintext identity payload: what it accepts, how it normalises, and what it refuses, by field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import ValidationError

from schemas.v1 import clock
from schemas.v1.identity import dump_identity, load_identity
from tests.unit import signal_data


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(signal_data.TODAY):
        yield


def errors_of(data: dict[str, Any], sector: str = "huur") -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        load_identity(data, sector=sector)
    messages: dict[str, Any] = caught.value.messages  # type: ignore[assignment]
    return messages


def test_valid_payload_loads_normalised() -> None:
    loaded = load_identity(signal_data.identity(), sector="huur")
    debtor = loaded["debtors"][0]
    assert debtor["phone"] == "+31628447326"
    assert debtor["date_of_birth"] == dt.date(1974, 6, 17)
    assert loaded["address"]["postcode"] == "4110KP"


def test_dump_gives_the_wire_form_and_loads_back_unchanged() -> None:
    loaded = load_identity(signal_data.identity(), sector="huur")
    wire = dump_identity(loaded)
    assert wire["debtors"][0]["date_of_birth"] == "1974-06-17"
    assert load_identity(wire, sector="huur") == loaded


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("06-12345678", "+31612345678"),
        ("+31 6 1234 5678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("+31 (0)6 12345678", "+31612345678"),
        ("010 123 4567", "+31101234567"),
        ("+32 470 12 34 56", "+32470123456"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(written: str, e164: str) -> None:
    data = signal_data.identity()
    data["debtors"][0]["phone"] = written
    assert load_identity(data, sector="huur")["debtors"][0]["phone"] == e164


@pytest.mark.parametrize("written", ["1234 AB", "1234ab", " 1234 aB "])
def test_postcodes_are_normalised(written: str) -> None:
    data = signal_data.identity()
    data["address"]["postcode"] = written
    assert load_identity(data, sector="huur")["address"]["postcode"] == "1234AB"


def test_blank_and_null_optional_fields_are_left_out() -> None:
    data = signal_data.identity()
    data["debtors"][0].update(name_prefix="", email=None, phone="  ")
    data["address"]["house_number_addition"] = None
    loaded = load_identity(data, sector="huur")
    assert {"name_prefix", "email", "phone"}.isdisjoint(loaded["debtors"][0])
    assert "house_number_addition" not in loaded["address"]


def test_whitespace_in_names_is_collapsed() -> None:
    data = signal_data.identity()
    data["debtors"][0]["first_names"] = "  Pieter   Cornelis "
    assert load_identity(data, sector="huur")["debtors"][0]["first_names"] == "Pieter Cornelis"


def test_unknown_fields_are_refused_at_every_level() -> None:
    data = signal_data.identity()
    data["iban"] = "NL00BANK0123456789"
    data["debtors"][0]["gender"] = "m"
    data["address"]["country"] = "NL"
    errors = errors_of(data)
    assert "not part of the exchange standard" in errors["iban"][0]
    assert "gender" in errors["debtors"][0]
    assert "country" in errors["address"]


def test_every_bad_field_is_named_with_a_clear_message() -> None:
    data = signal_data.identity()
    data["debtors"][0].update(surname="J4nsen", phone="12", email="x@", date_of_birth="17-06-1974")
    data["address"].update(street="", house_number="126", postcode="0123 AB")
    data["creditor_reference"] = "a|b"
    errors = errors_of(data)
    debtor = errors["debtors"][0]
    assert debtor["surname"] == ["Surname may contain only letters, spaces, hyphens, apostrophes, dots and commas."]
    assert "06 12345678" in debtor["phone"][0]
    assert "name@example.nl" in debtor["email"][0]
    assert "YYYY-MM-DD" in debtor["date_of_birth"][0]
    assert errors["address"]["street"] == ["Street is required."]
    assert errors["address"]["house_number"] == ["House number must be a whole number."]
    assert "1234 AB" in errors["address"]["postcode"][0]
    assert "letters, digits" in errors["creditor_reference"][0]


def test_messages_never_repeat_the_submitted_value() -> None:
    data = signal_data.identity()
    data["debtors"][0].update(surname="Geheim7", email="geheim@", phone="geheim")
    assert "geheim" not in str(errors_of(data)).lower()


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("2027-01-01", "lies in the future"),
        ("1900-01-01", "age over 120"),
        ("2015-01-01", "age under 16"),
    ],
)
def test_date_of_birth_must_be_plausible(born: str, message: str) -> None:
    data = signal_data.identity()
    data["debtors"][0]["date_of_birth"] = born
    assert message in errors_of(data)["debtors"][0]["date_of_birth"][0]


def test_one_or_two_debtors() -> None:
    data = signal_data.identity()
    data["debtors"] = []
    assert errors_of(data)["debtors"] == ["A signal names one debtor, or two for a joint contract."]
    data["debtors"] = [signal_data.identity()["debtors"][0]] * 3
    assert errors_of(data)["debtors"] == ["A signal names one debtor, or two for a joint contract."]
    data["debtors"] = [signal_data.identity()["debtors"][0], {"initials": "A", "surname": "Jansen"}]
    assert len(load_identity(data, sector="huur")["debtors"]) == 2


def test_surname_and_address_and_reference_are_required() -> None:
    errors = errors_of({"debtors": [{"initials": "A."}]})
    assert errors["debtors"][0]["surname"] == ["Surname is required."]
    assert errors["address"] == ["Address is required."]
    assert "is required" in errors["creditor_reference"][0]


def test_a_debtor_without_initials_or_first_names_is_accepted() -> None:
    """Health insurers' exports lack initials on about one row in six; those rows are valid signals."""
    data = signal_data.identity()
    data["debtors"][0] = {"surname": "Wyland", "date_of_birth": "2007-11-15"}
    assert load_identity(data, sector="zorg")["debtors"][0]["surname"] == "Wyland"


def test_bsn_is_allowed_only_from_health_insurers_and_the_cak() -> None:
    data = signal_data.identity()
    data["debtors"][0]["bsn"] = "9999 98 365"
    for sector in ("zorg", "cak_zorgverzekeringen", "cak_eigen_bijdrage"):
        assert load_identity(data, sector=sector)["debtors"][0]["bsn"] == "999998365"
    assert errors_of(data, sector="energie")["debtors"][0]["bsn"] == [
        "Only health insurers and the CAK may send a BSN; leave it out."
    ]


def test_bsn_error_names_the_right_debtor_when_another_debtor_is_invalid() -> None:
    data = signal_data.identity()
    data["debtors"] = [{"surname": "J4nsen"}, {"surname": "Jansen", "bsn": "999998365"}]
    errors = errors_of(data, sector="water")
    assert "surname" in errors["debtors"][0]
    assert "bsn" in errors["debtors"][1]


@pytest.mark.parametrize("bsn", ["999998366", "12345678A", "000000000", "1234"])
def test_bsn_must_pass_the_elfproef(bsn: str) -> None:
    data = signal_data.identity()
    data["debtors"][0]["bsn"] = bsn
    assert "9 digits" in errors_of(data, sector="zorg")["debtors"][0]["bsn"][0]


def test_unknown_sector_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        load_identity(signal_data.identity(), sector="telecom")
    assert "sector" in caught.value.messages_dict

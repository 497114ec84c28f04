"""The five sample exports (tests/data/samples, copies of ../shared/samples) read with the shipped
layouts: exactly the defective lines the samples' README lists are rejected, naming line, field and
column; every other row loads as an identity payload with its facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from adapters.exports import LAYOUTS, read_export
from schemas.v1 import clock
from schemas.v1.identity import dump_identity
from tests.support.signaal import DEFECTIVE_LINES, SAMPLE_FILES, sample

#: The day the samples were made for: line 39 of the tax export is dated after it.
TODAY = dt.date(2026, 11, 23)
#: Data rows per file (lines minus the header).
ROWS = {"housing": 26, "energy": 118, "water": 73, "health_insurer": 123, "municipal_taxes": 79}
EXPECTED_FIELDS = {
    "housing": {17: {("amount_cents", "Achterstand")}},
    "energy": {
        61: {("arrears_since", "oudste_vervaldatum")},
        92: {("address.postcode", "postcode")},
        116: {("arrears_since", "oudste_vervaldatum")},
    },
    "water": {66: {("arrears_since", "oudste_vervaldatum")}},
    "health_insurer": {
        31: {("attestations.written_reminder_sent", "Herinnering")},
        58: {("attestations.written_reminder_sent", "Herinnering")},
        121: {("amount_cents", "Premieachterstand")},
    },
    "municipal_taxes": {
        12: {("address.postcode", "adres.postcode")},
        17: {("address.postcode", "adres.postcode")},
        39: {("signal_date", "signaaldatum")},
        66: {("address.postcode", "adres.postcode")},
    },
}


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(TODAY):
        yield


@pytest.mark.parametrize("kind", sorted(SAMPLE_FILES))
def test_exactly_the_defective_lines_are_rejected(kind: str) -> None:
    reading = read_export(sample(kind), LAYOUTS[kind])
    assert reading.rejected_lines == DEFECTIVE_LINES[kind]
    assert len(reading.rows) == ROWS[kind] - len(DEFECTIVE_LINES[kind])
    assert reading.total == ROWS[kind]
    named = {line: {(p.field, p.column) for p in reading.problems if p.line == line} for line in DEFECTIVE_LINES[kind]}
    assert named == EXPECTED_FIELDS[kind]
    assert all(problem.reason for problem in reading.problems)


def test_a_housing_row_reads_dutch_amounts_dates_and_glued_additions() -> None:
    row = read_export(sample("housing"), LAYOUTS["housing"]).rows[0]
    assert row.line == 2
    assert dump_identity(row.identity) == {
        "debtors": [
            {
                "initials": "PC",
                "first_names": "Pieter Cornelis",
                "surname": "Stettyn",
                "date_of_birth": "1974-06-17",
                "phone": "+31628447326",
                "email": "fam.stettyn@gmail.com",
            }
        ],
        "address": {
            "street": "Nadiakade",
            "house_number": 126,
            "house_number_addition": "I",
            "postcode": "4110KP",
            "town": "Oudeschans",
        },
        "creditor_reference": "HC632510",
    }
    facts = row.facts
    assert (facts.amount_cents, facts.periodic_charge_cents, facts.periods_in_arrears) == (85698, 84611, 1)
    assert (facts.arrears_since, facts.signal_date) == (dt.date(2025, 5, 14), dt.date(2026, 5, 1))
    assert facts.attestations.transfer_offered == dt.date(2026, 3, 28)


def test_windows_1252_accents_survive() -> None:
    rows = read_export(sample("housing"), LAYOUTS["housing"]).rows
    assert "Böökenkamp" in {row.identity["debtors"][0]["surname"] for row in rows}


def test_an_energy_row_splits_name_and_address_and_carries_the_end_of_supply() -> None:
    rows = {row.line: row for row in read_export(sample("energy"), LAYOUTS["energy"]).rows}
    debtor, address = rows[5].identity["debtors"][0], rows[5].identity["address"]
    assert debtor == {
        "first_names": "Linn",
        "surname": "Bovenen-Jansen",
        "name_prefix": "van",
        "date_of_birth": dt.date(1968, 5, 13),
        "phone": "+31661138358",
    }
    assert (address["street"], address["house_number"], address["postcode"]) == ("Puckdreef", 20, "4310KD")
    crises = [row.facts.crisis for row in rows.values() if row.facts.crisis is not None]
    assert crises and {crisis.kind for crisis in crises} == {"end_of_supply"}


def test_health_insurer_rows_carry_the_bsn_and_derive_the_monthly_premium() -> None:
    row = read_export(sample("health_insurer"), LAYOUTS["health_insurer"]).rows[0]
    assert row.identity["debtors"][0]["bsn"] == "999998365"
    assert row.identity["debtors"][0]["date_of_birth"] == dt.date(1993, 6, 29)
    assert row.facts.amount_cents == 69637 and row.facts.periods_in_arrears == 5
    assert row.facts.periodic_charge_cents == 13927  # 696,37 over 5 months, rounded to the cent


def test_municipal_tax_rows_read_nested_addresses_and_integer_cents() -> None:
    row = read_export(sample("municipal_taxes"), LAYOUTS["municipal_taxes"]).rows[0]
    assert row.identity["address"]["postcode"] == "8290EB"
    assert row.identity["debtors"][0]["surname"] == "Meer van der"
    assert row.facts.amount_cents == 15206
    assert row.facts.periods_in_arrears == 2  # arrears since 15 July, signalled 23 August

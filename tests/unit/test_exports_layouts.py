"""Column mappings an organisation overrides in its configuration, and exports that cannot be read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.exports import LAYOUTS, ExportFileError, LayoutError, layout_for, read_export
from schemas.v1 import clock
from tests.support.signaal import sample

HEADER = "Contract;Naam;Straat en nummer;Postcode;Plaats;Bedrag;Sinds;Signaal;Herinnering;Contact;Schuldhulp;Aanbod"
ROW = (
    "C-1;Jan Pieter van der Berg;Kerkstraat 12 A;1234 ab;Utrecht;1.234,56;"
    "2026-01-31;2026-05-01;2026-04-01;2026-04-10;2026-04-12;2026-04-01"
)
OVERRIDES = {
    "layout": "housing",
    "encoding": "utf-8",
    "date_format": "%Y-%m-%d",
    "columns": {
        "creditor_reference": "Contract",
        "name": "Naam",
        "street_and_number": "Straat en nummer",
        "town": "Plaats",
        "amount": "Bedrag",
        "arrears_since": "Sinds",
        "signal_date": "Signaal",
        "written_reminder_sent": "Herinnering",
        "personal_contact_attempted": "Contact",
        "debt_help_pointed_out": "Schuldhulp",
        "transfer_offered": "Aanbod",
        **dict.fromkeys(("initials", "first_names", "name_prefix", "surname"), ""),
        **dict.fromkeys(("street", "house_number", "house_number_addition", "date_of_birth"), ""),
        **dict.fromkeys(("phone", "email", "periodic_charge", "periods_in_arrears", "crisis_date"), ""),
    },
}


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(dt.date(2026, 11, 23)):
        yield


def test_an_organisation_maps_its_own_columns(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-8")
    reading = read_export(export, layout_for(OVERRIDES, default="housing"))
    assert reading.problems == []
    [row] = reading.rows
    assert row.identity["debtors"][0] == {"first_names": "Jan Pieter", "name_prefix": "van der", "surname": "Berg"}
    assert row.identity["address"]["postcode"] == "1234AB"
    # no columns for these: due dates 31 Jan, 28 Feb, 31 Mar, 30 Apr before 1 May, and the amount over them
    assert (row.facts.amount_cents, row.facts.periods_in_arrears, row.facts.periodic_charge_cents) == (123456, 4, 30864)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"columns": {"colour": "Kleur"}}, "unknown fields: colour"),
        ({"columns": {"name": "Naam"}}, "map either name or"),
        ({"columns": {"amount": ""}}, "must map amount"),
        ({"delimiter": ";", "separator": ";"}, r"unknown \[export\] settings: separator"),
        ({"amount_format": "roman"}, "amount_format must be one of"),
        ({"layout": "bakery"}, "export.layout must be one of"),
    ],
)
def test_inconsistent_overrides_say_what_to_change(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        layout_for(overrides, default="housing")


def test_a_missing_column_refuses_the_file_naming_the_column(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("Contractnummer;Achternaam\nHC1;Jansen\n", encoding="cp1252")
    with pytest.raises(ExportFileError, match="lacks the column") as raised:
        read_export(export, LAYOUTS["housing"])
    assert "Jansen" not in str(raised.value)


def test_a_windows_export_read_as_utf8_says_to_set_the_encoding() -> None:
    utf8_housing = LAYOUTS["housing"].with_overrides({"encoding": "utf-8"})
    with pytest.raises(ExportFileError, match=r"not valid utf-8; set export\.encoding"):
        read_export(sample("housing"), utf8_housing)


def test_a_row_with_too_many_fields_is_rejected_on_its_own(tmp_path: Path) -> None:
    lines = sample("housing").read_bytes().split(b"\r\n")
    lines[3] += b";extra"
    export = tmp_path / "export.csv"
    export.write_bytes(b"\r\n".join(lines))
    reading = read_export(export, LAYOUTS["housing"])
    assert reading.rejected_lines == [4, 17]
    assert [p.field for p in reading.problems if p.line == 4] == ["row"]


def test_a_bsn_outside_the_health_sector_is_refused(tmp_path: Path) -> None:
    layout = LAYOUTS["housing"].with_overrides({"columns": {"bsn": "Telefoon", "phone": ""}})
    lines = sample("housing").read_bytes().split(b"\r\n")
    export = tmp_path / "export.csv"
    export.write_bytes(b"\r\n".join([lines[0], lines[1].replace(b"06 28447326", b"999998365")]))
    [problem] = read_export(export, layout).problems
    assert (problem.line, problem.field, problem.column) == (2, "debtors.0.bsn", "Telefoon")
    assert "999998365" not in problem.reason

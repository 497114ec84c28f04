"""Routing: postcode + house number + date -> municipality, and reading the two file layouts."""

import datetime as dt
from pathlib import Path

import pytest

from hub.domain.routing_files import RoutingFileError, parse
from schemas.v1.routing import RoutingEntry, RoutingFormatError, RoutingTable, first_difference

DATA = Path(__file__).resolve().parents[2] / "hub" / "data"
SAMPLE = RoutingTable("sample", parse((DATA / "routing-sample.csv").read_text()))
D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("postcode", "number", "day", "code"),
    [
        ("1111 AA", 10, "2025-06-01", "0384"),  # Diemen side of the border
        ("1111aa", 60, "2025-06-01", "0363"),  # Amsterdam side, same postcode
        ("1111AB", 10, "2025-06-01", "0384"),  # the rest of the area is Diemen
        ("1382CD", 5, "2022-03-23", "0457"),  # Weesp, the day before the merger
        ("1382CD", 5, "2022-03-24", "0363"),  # Amsterdam from the merger on
        ("9999ZZ", 1, "2026-01-01", "0014"),
        ("1000AA", 1, "2013-12-31", None),  # before the table's first day
    ],
)
def test_sample_routes_by_postcode_house_number_and_date(
    postcode: str, number: int, day: str, code: str | None
) -> None:
    assert SAMPLE.route(postcode, number, D(day)) == code


def test_sample_covers_every_four_digit_area() -> None:
    for area in range(1000, 10000):
        assert SAMPLE.route(f"{area}MN", 1, D("2026-06-01")) is not None, area


def test_more_specific_entries_win() -> None:
    table = RoutingTable(
        "t",
        [
            RoutingEntry.for_postcodes("1000", "1999", municipality_code="0001", valid_from=D("2020-01-01")),
            RoutingEntry.for_postcodes("1200", "1299", municipality_code="0002", valid_from=D("2020-01-01")),
            RoutingEntry.for_postcodes("1234AB", municipality_code="0003", valid_from=D("2020-01-01")),
            RoutingEntry.for_postcodes(
                "1234AB", municipality_code="0004", valid_from=D("2020-01-01"), house_number_from=10, house_number_to=20
            ),
        ],
    )
    assert [
        table.route(pc, n, D("2024-01-01")) for pc, n in [("1500AA", 1), ("1250AA", 1), ("1234AB", 1), ("1234AB", 15)]
    ] == ["0001", "0002", "0003", "0004"]


def test_entries_refuse_nonsense() -> None:
    with pytest.raises(RoutingFormatError):
        RoutingEntry.for_postcodes("2000", "1000", municipality_code="0363", valid_from=D("2020-01-01"))
    with pytest.raises(RoutingFormatError):
        RoutingEntry.for_postcodes("1000", municipality_code="363x", valid_from=D("2020-01-01"))
    with pytest.raises(RoutingFormatError):
        RoutingEntry.for_postcodes(
            "1000", municipality_code="0363", valid_from=D("2020-01-01"), valid_to=D("2019-01-01")
        )


def test_cbs_layout_folds_house_numbers_into_ranges() -> None:
    entries = parse((DATA / "routing-cbs-sample.csv").read_text())
    table = RoutingTable("cbs", entries)
    assert table.route("1111AA", 5, D("2024-06-01")) == "0384"
    assert table.route("1111AA", 51, D("2024-06-01")) == "0363"
    assert table.route("1111AA", 20, D("2024-06-01")) is None  # not in the file
    assert table.route("1111AA", 5, D("2023-12-31")) is None  # before Gemeente2024 takes effect
    assert {(e.house_number_from, e.house_number_to) for e in entries if e.postcode_from == "1111AA"} == {
        (1, 7),
        (50, 53),
    }


def test_bad_lines_are_all_reported_and_nothing_is_returned() -> None:
    text = (
        "postcode,from,to,gemeentecode,valid_from,valid_to\n1000-1099,,,0363,2020-01-01,\n"
        "12AB,,,0363,2020-01-01,\n1100,,,0363,2020-13-01,\n1200,,,0363\n"
    )
    with pytest.raises(RoutingFileError) as raised:
        parse(text)
    assert [e.line for e in raised.value.errors] == [3, 4, 5]


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(RoutingFileError, match="unknown layout"):
        parse("a,b,c\n1,2,3\n")


def test_first_difference_is_the_earliest_changed_entry() -> None:
    old = [RoutingEntry.for_postcodes("1000", municipality_code="0001", valid_from=D("2020-01-01"))]
    merged = [
        RoutingEntry.for_postcodes(
            "1000", municipality_code="0001", valid_from=D("2020-01-01"), valid_to=D("2027-01-01")
        ),
        RoutingEntry.for_postcodes("1000", municipality_code="0002", valid_from=D("2027-01-01")),
    ]
    assert first_difference(old, old) is None
    assert first_difference(old, merged) == D("2020-01-01")  # conservative: the changed entry's start


def test_wire_form_round_trips() -> None:
    assert RoutingTable.from_wire(SAMPLE.to_wire()).entries == SAMPLE.entries

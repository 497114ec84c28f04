"""Reading the values of creditors' exports: amounts, dates, combined name and address fields. Errors
say how to write a value and never repeat it (they end up in reports and logs)."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.exports import names, values


@pytest.mark.parametrize(
    ("raw", "style", "cents"),
    [
        ("1.234,56", "comma", 123456),
        ("856,98", "comma", 85698),
        ("12", "comma", 1200),
        ("7,5", "comma", 750),
        ("€ 1.000,00", "comma", 100000),
        ("1234.56", "dot", 123456),
        ("64.00", "dot", 6400),
        ("15206", "cents", 15206),
        (15206, "cents", 15206),
        ("", "comma", None),
        (None, "cents", None),
    ],
)
def test_amounts(raw: object, style: str, cents: int | None) -> None:
    assert values.amount_cents(raw, style) == cents


@pytest.mark.parametrize(
    ("raw", "style"),
    [
        ("n.v.t.", "comma"),
        ("1,234.56", "comma"),
        ("12,3456", "comma"),
        ("1.234,56", "dot"),
        ("12.5", "cents"),
        (True, "cents"),
    ],
)
def test_bad_amounts_are_refused_without_quoting_them(raw: object, style: str) -> None:
    with pytest.raises(ValueError, match="must be") as raised:
        values.amount_cents(raw, style)
    assert str(raw) not in str(raised.value)


def test_dates_in_each_layout_and_errors_without_the_value() -> None:
    assert values.date("31-12-2025", "%d-%m-%Y") == dt.date(2025, 12, 31)
    assert values.date("19930629", "%Y%m%d") == dt.date(1993, 6, 29)
    assert values.date(" ", "%Y-%m-%d") is None
    with pytest.raises(ValueError, match="written like 31-12-2025") as raised:
        values.date("31-13-2025", "%d-%m-%Y")
    assert "31-13" not in str(raised.value)


def test_derived_periods_count_the_due_dates_before_the_signal() -> None:
    assert values.months_in_arrears(dt.date(2025, 8, 26), dt.date(2026, 3, 24)) == 7
    assert values.months_in_arrears(dt.date(2025, 8, 20), dt.date(2026, 3, 24)) == 8
    assert values.months_in_arrears(dt.date(2026, 3, 1), dt.date(2026, 3, 2)) == 1
    assert values.charge_per_period(69637, 5) == 13927


def test_flags() -> None:
    assert values.flag("Ja") is True and values.flag("n") is False and values.flag("") is None
    with pytest.raises(ValueError, match="ja or nee"):
        values.flag("misschien")


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Jan Pieter van der Berg", {"first_names": "Jan Pieter", "name_prefix": "van der", "surname": "Berg"}),
        ("T. D. P. SCHAGEN", {"initials": "T. D. P.", "surname": "SCHAGEN"}),
        ("Linn Bovenen-Jansen van", {"first_names": "Linn", "name_prefix": "van", "surname": "Bovenen-Jansen"}),
        ("R. Ooijen, van", {"initials": "R.", "name_prefix": "van", "surname": "Ooijen"}),
        ("Meer, J. van der", {"initials": "J.", "name_prefix": "van der", "surname": "Meer"}),
        ("K. v. Stralen", {"initials": "K.", "name_prefix": "v.", "surname": "Stralen"}),
        ("SAM V. SCHEVINGHUIZEN", {"first_names": "SAM V.", "surname": "SCHEVINGHUIZEN"}),
        ("Ize Van Der Maath", {"first_names": "Ize", "name_prefix": "Van Der", "surname": "Maath"}),
        ("aBs Zuijdveld", {"initials": "aBs", "surname": "Zuijdveld"}),
        ("Bo Haag den", {"first_names": "Bo", "name_prefix": "den", "surname": "Haag"}),
        ("Wyland", {"surname": "Wyland"}),
    ],
)
def test_split_name(full: str, parts: dict[str, str]) -> None:
    assert names.split_name(full) == parts


def test_a_name_without_surname_is_refused() -> None:
    with pytest.raises(ValueError, match="surname"):
        names.split_name("   ")
    with pytest.raises(ValueError, match="surname"):
        names.split_name(", J.")


@pytest.mark.parametrize(
    ("address", "parts"),
    [
        ("Kerkstraat 12 A", ("Kerkstraat", 12, "A")),
        ("NADIAKADE 126-I", ("NADIAKADE", 126, "I")),
        ("Noudsingel 25-2-hoog", ("Noudsingel", 25, "2-hoog")),
        ("Mansveldweg 45 1-hoog", ("Mansveldweg", 45, "1-hoog")),
        ("Vincestr. 150 bis", ("Vincestr.", 150, "bis")),
        ("2e Jan Steenstraat 5", ("2e Jan Steenstraat", 5, None)),
        ("Melissastr. 8", ("Melissastr.", 8, None)),
    ],
)
def test_split_address(address: str, parts: tuple[str, int, str | None]) -> None:
    assert names.split_address(address) == parts


@pytest.mark.parametrize("address", ["Dorpsweg", "12 Dorpsweg", "", "Dorpsweg twaalf"])
def test_an_address_without_house_number_is_refused_without_quoting_it(address: str) -> None:
    with pytest.raises(ValueError, match="street followed by a house number") as raised:
        names.split_address(address)
    assert "Dorpsweg" not in str(raised.value)

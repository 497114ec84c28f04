"""Normalisation of names, dates and addresses: the variants creditors write map to one form, stably."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import normalise
from schemas.v1 import dutch


@pytest.mark.parametrize(
    "written",
    ["van der Meer", "Meer van der", "MEER, VAN DER", "Meer, v.d.", "v.d. Meer", "van  der   meer", "Meer"],
)
def test_prefix_position_case_and_spacing_do_not_matter(written: str) -> None:
    assert normalise.surname(written) == "meer"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Stettijn", "Stettyn"),
        ("Müller", "Muller"),
        ("Çelik", "Celik"),
        ("IJzerman", "Yzerman"),
        ("'t Hart", "Hart"),
        ("Østergaard", "Ostergaard"),
        ("Groß", "Gross"),
    ],
)
def test_accents_ij_and_special_letters_fold_together(one: str, other: str) -> None:
    assert normalise.surname(one) == normalise.surname(other)


def test_a_name_of_prefixes_only_is_kept() -> None:
    assert normalise.surname("Van") == "van"
    assert normalise.surname("de la") == "dela"


def test_surname_keys_cover_double_names_and_birth_names() -> None:
    assert normalise.surname_keys("Bovenen-Jansen van") == ["bovenenjansen", "bovenen", "jansen"]
    assert normalise.surname_keys("Jansen", "de Vries") == ["jansen", "vries"]
    assert len(normalise.surname_keys("A-Bb-Cc-Dd-Ee-Ff", "Gg")) == 4


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Smit", "Smid"),
        ("Mansveld", "Mansfelt"),
        ("Huysman", "Huisman"),
        ("Cornelissen", "Kornelisen"),
        ("Peeters", "Peters"),
    ],
)
def test_phonetic_key_merges_common_spelling_pairs(one: str, other: str) -> None:
    assert normalise.phonetic(normalise.surname(one)) == normalise.phonetic(normalise.surname(other))


def test_phonetic_key_keeps_different_names_apart() -> None:
    keys = {normalise.phonetic(normalise.surname(name)) for name in ("Jansen", "Bakker", "Visser", "Smit", "Meer")}
    assert len(keys) == 5


@pytest.mark.parametrize(
    ("initials", "first_names", "expected"),
    [
        ("P.C.", None, "p"),
        (None, "Pieter Cornelis", "p"),
        ("IJ.", None, "y"),
        (None, "IJsbrand", "y"),
        (" . ", "Ålf", "a"),
    ],
)
def test_first_initial(initials: str | None, first_names: str | None, expected: str) -> None:
    assert normalise.first_initial(initials, first_names) == expected


def test_first_initial_is_none_without_names() -> None:
    assert normalise.first_initial(None, None) is None


def test_date_variants_swap_day_and_month_when_that_is_a_date() -> None:
    assert normalise.date_variants(dt.date(1974, 6, 3)) == ["1974-06-03", "1974-03-06"]
    assert normalise.date_variants(dt.date(1974, 6, 17)) == ["1974-06-17"]
    assert normalise.date_variants(dt.date(1974, 6, 6)) == ["1974-06-06"]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("I", "1"), ("-1", "1"), ("1", "1"), ("1-hoog", "1"), ("1 HOOG", "1"), (" a", "A"), ("A", "A"), ("-a", "A"),
        ("II", "2"), ("2-hoog", "2"), ("hs", "H"), ("huis", "H"), ("bis", "BIS"), ("-BIS", "BIS"), ("01", "1"),
        (None, ""), ("", ""),
    ],
)  # fmt: skip
def test_house_number_additions_written_differently_agree(written: str | None, code: str) -> None:
    assert normalise.house_number_addition(written) == code


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("126I", (126, "I")),
        ("126-1", (126, "1")),
        ("126 A", (126, "A")),
        ("126a", (126, "a")),
        ("25-2-hoog", (25, "2-hoog")),
        (" 7 ", (7, None)),
    ],
)
def test_split_house_number(written: str, parts: tuple[int, str | None]) -> None:
    assert normalise.split_house_number(written) == parts


def test_split_house_number_needs_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        normalise.split_house_number("A12")


def test_email_phone_postcode_and_reference() -> None:
    assert normalise.email("  Jan.Jansen@Example.NL ") == "jan.jansen@example.nl"
    assert normalise.phone("06-12345678") == "+31612345678"
    assert normalise.postcode("1234 ab") == "1234AB"
    assert normalise.reference(" hc 632510 ") == "HC632510"
    with pytest.raises(ValueError, match="postcode"):
        normalise.postcode("123 AB")
    with pytest.raises(ValueError, match="telephone"):
        normalise.phone("12")


IDEMPOTENT: dict[str, Callable[[str], str | None]] = {
    "fold": normalise.fold,
    "surname": normalise.surname,
    "phonetic": normalise.phonetic,
    "house_number_addition": normalise.house_number_addition,
    "email": normalise.email,
    "reference": normalise.reference,
    "postcode": dutch.normalise_postcode,
    "phone": dutch.normalise_phone,
    "bsn": dutch.normalise_bsn,
}
NAMEISH = st.text(alphabet=st.sampled_from("abcdeijkmnorstuvyzAEIJKMNORSTVYZ éëïüöçßøÆ-'.,  ij"), max_size=40)
ANY_TEXT = st.text(max_size=40)


@pytest.mark.parametrize("name", sorted(IDEMPOTENT))
@given(text=st.one_of(NAMEISH, ANY_TEXT, st.from_regex(r"\+?[0-9 ()-]{6,16}", fullmatch=True)))
def test_normalisation_is_idempotent(name: str, text: str) -> None:
    function = IDEMPOTENT[name]
    once = function(text)
    if once is not None:
        assert function(once) == once


@given(text=NAMEISH)
def test_phonetic_of_a_surname_key_is_stable_under_renormalisation(text: str) -> None:
    key = normalise.surname(text)
    assert normalise.surname(key) == key
    assert normalise.phonetic(normalise.phonetic(key)) == normalise.phonetic(key)

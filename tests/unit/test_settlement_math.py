"""Settlement arithmetic: pro rata in integer cents, preferential creditors first, and rounding that never
loses or creates a cent (largest remainder)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.settlement_math import (
    SA,
    SANERINGSKREDIET,
    Claim,
    Offer,
    ProposalError,
    amount_offered,
    largest_remainder,
    mismatches,
    share_bp,
    shares,
)


def test_largest_remainder_gives_the_left_over_cents_to_the_largest_remainders() -> None:
    # 100 cents over three equal claims: 33.33 each; the one cent left goes to the first (a tie).
    assert largest_remainder([1, 1, 1], 100) == [34, 33, 33]
    # 10 over weights 1, 2, 3, 4 is exact; 11 puts the extra cent where the remainder is largest.
    assert largest_remainder([1, 2, 3, 4], 10) == [1, 2, 3, 4]
    assert largest_remainder([1, 2, 3, 4], 11) == [1, 2, 3, 5]
    assert largest_remainder([0, 0], 0) == [0, 0]
    with pytest.raises(ValueError, match="over nothing"):
        largest_remainder([0, 0], 1)


def test_regular_offer_is_capacity_times_term_shared_pro_rata() -> None:
    claims = [Claim("a", 100_000), Claim("b", 300_000), Claim("c", 600_000)]
    offer = Offer("regular", monthly_capacity_cents=5_000, term_months=18)
    assert amount_offered(offer, 1_000_000) == 90_000
    assert shares(offer, claims) == {"a": 9_000, "b": 27_000, "c": 54_000}


def test_offer_never_exceeds_the_claims_and_capacity_beyond_pays_in_full() -> None:
    claims = [Claim("a", 1_000), Claim("b", 2_000)]
    assert shares(Offer("regular", monthly_capacity_cents=10_000, term_months=18), claims) == {"a": 1_000, "b": 2_000}


def test_preferential_creditors_get_their_minimum_first_and_never_less_than_concurrent_ones() -> None:
    claims = [Claim("tax", 100_000, preferential=True), Claim("rent", 100_000), Claim("energy", 100_000)]
    offer = Offer("regular", monthly_capacity_cents=5_000, term_months=18, preferential_share_bp=4_000)
    result = shares(offer, claims)
    # 40,000 to the tax office first; the remaining 50,000 pro rata over 60,000 + 100,000 + 100,000 open:
    # 11,538.46, 19,230.77 and 19,230.77; the two cents left go to the two largest remainders.
    assert result == {"tax": 40_000 + 11_538, "rent": 19_231, "energy": 19_231}
    assert sum(result.values()) == 90_000


def test_when_the_offer_does_not_cover_the_preferential_minimum_only_they_share_it() -> None:
    claims = [Claim("tax", 100_000, preferential=True), Claim("rent", 100_000)]
    offer = Offer("regular", monthly_capacity_cents=1_000, term_months=18, preferential_share_bp=5_000)
    assert shares(offer, claims) == {"tax": 18_000, "rent": 0}


def test_saneringskrediet_shares_the_lump_sum_and_sa_offers_nothing() -> None:
    claims = [Claim("a", 70_001), Claim("b", 29_999)]
    assert shares(Offer(SANERINGSKREDIET, lump_sum_cents=33_333), claims) == {"a": 23_333, "b": 10_000}
    assert shares(Offer(SA), claims) == {"a": 0, "b": 0}
    with pytest.raises(ProposalError) as error:
        shares(Offer(SANERINGSKREDIET, lump_sum_cents=100_001), claims)
    assert error.value.field == "lump_sum_cents"


@pytest.mark.parametrize(
    ("offer", "field"),
    [
        (Offer("regular", monthly_capacity_cents=0, term_months=18), "monthly_capacity_cents"),
        (Offer("regular", monthly_capacity_cents=100, term_months=0), "term_months"),
        (
            Offer("regular", monthly_capacity_cents=100, term_months=18, preferential_share_bp=10_001),
            "preferential_share_bp",
        ),
        (Offer("lottery"), "kind"),
    ],
)
def test_incomplete_offers_are_refused_naming_the_field(offer: Offer, field: str) -> None:
    with pytest.raises(ProposalError) as error:
        shares(offer, [Claim("a", 100)])
    assert error.value.field == field


def test_share_bp_and_mismatches() -> None:
    assert share_bp(9_000, 100_000) == 900
    assert share_bp(0, 0) == 0
    assert mismatches({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 0}) == ["b", "c"]


_claims = st.lists(st.tuples(st.integers(min_value=0, max_value=100_000_000), st.booleans()), min_size=1, max_size=40)


@given(
    claims=_claims,
    capacity=st.integers(min_value=1, max_value=500_000),
    term=st.integers(min_value=1, max_value=120),
    preferential_bp=st.integers(min_value=0, max_value=10_000),
)
def test_shares_sum_to_the_cent_for_every_amount(
    claims: list[tuple[int, bool]], capacity: int, term: int, preferential_bp: int
) -> None:
    given_claims = [Claim(f"c{i}", amount, pref) for i, (amount, pref) in enumerate(claims)]
    offer = Offer("regular", monthly_capacity_cents=capacity, term_months=term, preferential_share_bp=preferential_bp)
    result = shares(offer, given_claims)
    total = sum(c.admitted_cents for c in given_claims)
    assert sum(result.values()) == amount_offered(offer, total) == min(capacity * term, total)
    assert all(0 <= result[c.key] <= c.admitted_cents for c in given_claims)
    assert list(result) == [c.key for c in given_claims]


@given(claims=_claims, lump=st.integers(min_value=1, max_value=4_000_000_000))
def test_saneringskrediet_sums_to_the_cent(claims: list[tuple[int, bool]], lump: int) -> None:
    given_claims = [Claim(f"c{i}", amount, pref) for i, (amount, pref) in enumerate(claims)]
    total = sum(c.admitted_cents for c in given_claims)
    if not 0 < lump <= total:
        return
    result = shares(Offer(SANERINGSKREDIET, lump_sum_cents=lump, preferential_share_bp=2_500), given_claims)
    assert sum(result.values()) == lump
    assert all(0 <= result[c.key] <= c.admitted_cents for c in given_claims)


@given(weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=50), data=st.data())
def test_largest_remainder_is_exact_and_within_one_cent_of_the_ideal(weights: list[int], data: st.DataObject) -> None:
    whole = sum(weights)
    total = data.draw(st.integers(min_value=0, max_value=whole)) if whole else 0
    parts = largest_remainder(weights, total)
    assert sum(parts) == total
    for weight, part in zip(weights, parts, strict=True):
        assert part <= weight
        # |part - weight * total / whole| < 1, in integers
        assert abs(part * whole - weight * total) < whole or whole == 0


@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10_000_000), min_size=2, max_size=20),
    capacity=st.integers(min_value=1, max_value=100_000),
    preferential_bp=st.integers(min_value=0, max_value=10_000),
)
def test_a_preferential_creditor_never_gets_a_smaller_part_than_a_concurrent_one(
    amounts: list[int], capacity: int, preferential_bp: int
) -> None:
    claims = [Claim(f"c{i}", a, preferential=i == 0) for i, a in enumerate(amounts)]
    result = shares(
        Offer("regular", monthly_capacity_cents=capacity, term_months=18, preferential_share_bp=preferential_bp), claims
    )
    # Each share is within a cent of its ideal, so compare the parts with a cent of slack on both sides.
    first = claims[0]
    assert all((result["c0"] + 1) * c.admitted_cents >= (result[c.key] - 1) * first.admitted_cents for c in claims[1:])

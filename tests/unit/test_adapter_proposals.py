"""The counsellor's adapter computes a proposal's shares before sending it; the hub recomputes them and
refuses a proposal whose shares differ. These properties hold the two computations to the same cent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.proposals import ClaimLine, Offer, OfferError, compute_shares
from hub.domain import settlement_math as hub_math

claims = st.lists(
    st.tuples(st.integers(min_value=0, max_value=5_000_000), st.booleans()), min_size=1, max_size=40
).filter(lambda items: sum(amount for amount, _ in items) > 0)


@settings(max_examples=300, deadline=None)
@given(
    claims=claims,
    kind=st.sampled_from(["regular", "saneringskrediet", "sa"]),
    capacity=st.integers(min_value=1, max_value=200_000),
    term=st.integers(min_value=1, max_value=120),
    lump_fraction=st.integers(min_value=1, max_value=100),
    preferential_bp=st.integers(min_value=0, max_value=10_000),
)
def test_the_adapter_and_the_hub_compute_the_same_shares(
    *, claims: list[tuple[int, bool]], kind: str, capacity: int, term: int, lump_fraction: int, preferential_bp: int
) -> None:
    admitted = sum(amount for amount, _ in claims)
    lump = max(1, admitted * lump_fraction // 100)
    lines = [ClaimLine(f"p{i}", amount, preferential) for i, (amount, preferential) in enumerate(claims)]
    ours = compute_shares(Offer(kind, capacity, term, lump, preferential_bp), lines)
    offer = hub_math.Offer(kind, capacity, term, lump, preferential_bp)
    theirs = hub_math.shares(offer, [hub_math.Claim(c.participant_id, c.admitted_cents, c.preferential) for c in lines])
    assert ours == theirs
    assert sum(ours.values()) == hub_math.amount_offered(offer, admitted)
    assert all(ours[c.participant_id] <= c.admitted_cents for c in lines)


@pytest.mark.parametrize(
    ("offer", "option"),
    [(Offer("regular", 0, 18), "--capacity"), (Offer("saneringskrediet", lump_sum_cents=20_000), "--lump-sum")],
)
def test_an_incomplete_offer_names_the_option_to_fix(offer: Offer, option: str) -> None:
    with pytest.raises(OfferError, match=option):
        compute_shares(offer, [ClaimLine("p", 10_000, False)])


def test_a_regular_offer_beyond_the_claims_pays_them_in_full() -> None:
    lines = [ClaimLine("a", 30_000, False), ClaimLine("b", 10_001, False)]
    assert compute_shares(Offer("regular", 10_000, 18), lines) == {"a": 30_000, "b": 10_001}

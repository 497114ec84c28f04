"""Settlement arithmetic in integer cents: what is offered, and each creditor's share of it.

Pondspondsgewijs: every creditor gets the same part of its admitted claim. The amount offered is

- ``regular``: the monthly repayment capacity times the term (18 months by NVVK norm), at most the total
  of the admitted claims;
- ``saneringskrediet``: one lump sum paid at once against final discharge (finale kwijting);
- ``sa``: nothing (a settlement without repayment capacity, formerly "0%-aanbod").

Preferential creditors come first: each gets ``preferential_share_bp`` (basis points of its claim) before
the rest is shared; when the offer does not cover that, the offer is shared among the preferential
creditors alone. The rest is then shared pro rata over what every claim still has open, so a preferential
creditor never gets a smaller part than a concurrent one. With ``preferential_share_bp`` 0 it is plain
pro rata over all claims.

Rounding never loses or creates a cent (largest remainder method): each share is rounded down, and the
cents left over go one each to the shares with the largest remainders, ties to the claim listed first.
The shares always add up exactly to the amount offered, and no share exceeds its claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

REGULAR: Final = "regular"
SANERINGSKREDIET: Final = "saneringskrediet"
SA: Final = "sa"
KINDS: Final = (REGULAR, SANERINGSKREDIET, SA)
BASIS_POINTS: Final = 10_000
MAX_TERM_MONTHS: Final = 120


class ProposalError(ValueError):
    """An offer that cannot be computed; ``field`` names the offending field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Claim:
    """An admitted claim: ``key`` identifies the creditor in the dossier; the amount is in cents."""

    key: str
    admitted_cents: int
    preferential: bool = False


@dataclass(frozen=True)
class Offer:
    """What the debt counsellor offers; ``lump_sum_cents`` is used by a saneringskrediet only."""

    kind: str
    monthly_capacity_cents: int = 0
    term_months: int = 0
    lump_sum_cents: int = 0
    preferential_share_bp: int = 0


def largest_remainder(weights: Sequence[int], total: int) -> list[int]:
    """Split ``total`` cents in proportion to ``weights``; the parts sum to ``total`` exactly.

    Each part is ``floor(weight * total / sum)``; the cents that leaves go one each to the parts with the
    largest remainders, ties to the earlier weight. With ``total <= sum(weights)`` no part exceeds its weight.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("weights and total must not be negative")
    whole = sum(weights)
    if whole == 0:
        if total:
            raise ValueError("cannot share a positive total over nothing")
        return [0] * len(weights)
    parts = [w * total // whole for w in weights]
    remainders = [w * total % whole for w in weights]
    left = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


def amount_offered(offer: Offer, total_admitted_cents: int) -> int:
    """The amount the creditors share, after checking that the offer is complete for its kind."""
    if offer.kind not in KINDS:
        raise ProposalError("kind", f"must be one of {', '.join(KINDS)}")
    if not 0 <= offer.preferential_share_bp <= BASIS_POINTS:
        raise ProposalError("preferential_share_bp", f"must be between 0 and {BASIS_POINTS} basis points")
    if offer.kind == SA:
        return 0
    if offer.kind == SANERINGSKREDIET:
        if not 0 < offer.lump_sum_cents <= total_admitted_cents:
            raise ProposalError("lump_sum_cents", "must be more than 0 and at most the total of the admitted claims")
        return offer.lump_sum_cents
    if not 1 <= offer.term_months <= MAX_TERM_MONTHS:
        raise ProposalError("term_months", f"must be between 1 and {MAX_TERM_MONTHS}")
    if offer.monthly_capacity_cents <= 0:
        raise ProposalError("monthly_capacity_cents", "must be more than 0 (use kind sa without capacity)")
    return min(offer.monthly_capacity_cents * offer.term_months, total_admitted_cents)


def shares(offer: Offer, claims: Sequence[Claim]) -> dict[str, int]:
    """Each claim's share of the amount offered, in the order of ``claims``; they sum to that amount."""
    if len({c.key for c in claims}) != len(claims):
        raise ValueError("each claim must have its own key")
    if any(c.admitted_cents < 0 for c in claims):
        raise ProposalError("claims", "an admitted claim cannot be negative")
    amount = amount_offered(offer, sum(c.admitted_cents for c in claims))
    preferential = [c.admitted_cents if c.preferential else 0 for c in claims]
    first_target = sum(p * offer.preferential_share_bp for p in preferential) // BASIS_POINTS
    first = largest_remainder(preferential, min(amount, first_target))
    open_amounts = [c.admitted_cents - f for c, f in zip(claims, first, strict=True)]
    rest = largest_remainder(open_amounts, amount - sum(first))
    return {c.key: f + r for c, f, r in zip(claims, first, rest, strict=True)}


def share_bp(share_cents: int, claim_cents: int) -> int:
    """A share as basis points of its claim, rounded down (0 for an empty claim)."""
    return share_cents * BASIS_POINTS // claim_cents if claim_cents else 0


def mismatches(expected: dict[str, int], proposed: dict[str, int]) -> list[str]:
    """Keys whose proposed share differs from the expected one, or that one side lacks, in expected order."""
    keys = list(expected) + [k for k in proposed if k not in expected]
    return [k for k in keys if expected.get(k) != proposed.get(k)]

"""The debt counsellor's own computation of a settlement proposal (betaalvoorstel), before the hub checks it.

The rule is the exchange standard's (docs/settlements.md, "The arithmetic"): the amount offered is the
monthly repayment capacity times the term, at most the admitted claims (``regular``), a lump sum
(``saneringskrediet``) or nothing (``sa``). Preferential creditors first get ``preferential_share_bp`` of
their claim (shared among them alone when the offer does not cover it); the rest goes pro rata over what
each claim still has open. Cents are never lost or made: every share is rounded down and the cents left
go one each to the largest remainders, ties to the creditor added first. The hub recomputes the shares
and refuses a proposal that differs (``shares_incorrect``), so what is shown here is what is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

BASIS_POINTS: Final = 10_000


class OfferError(ValueError):
    """An offer that is incomplete for its kind; the message names the option to fix."""


@dataclass(frozen=True)
class Offer:
    kind: str  # regular, saneringskrediet or sa
    monthly_capacity_cents: int = 0
    term_months: int = 0
    lump_sum_cents: int = 0
    preferential_share_bp: int = 0

    def amount(self, admitted_cents: int) -> int:
        """What the creditors share together."""
        if self.kind == "sa":
            return 0
        if self.kind == "saneringskrediet":
            if not 0 < self.lump_sum_cents <= admitted_cents:
                raise OfferError("--lump-sum must be more than 0 and at most the admitted claims")
            return self.lump_sum_cents
        if self.monthly_capacity_cents <= 0 or self.term_months <= 0:
            raise OfferError("a regular settlement needs --capacity and --term above 0 (or --kind sa)")
        return min(self.monthly_capacity_cents * self.term_months, admitted_cents)

    def body(self, proposal_id: str) -> dict[str, object]:
        """The proposal's fields as the hub takes them, without the shares."""
        return {
            "proposal_id": proposal_id,
            "kind": self.kind,
            "monthly_capacity_cents": self.monthly_capacity_cents if self.kind == "regular" else 0,
            "term_months": self.term_months if self.kind != "sa" else 0,
            "lump_sum_cents": self.lump_sum_cents if self.kind == "saneringskrediet" else 0,
            "preferential_share_bp": self.preferential_share_bp,
        }


@dataclass(frozen=True)
class ClaimLine:
    """One creditor's admitted claim in the dossier, in the order the creditors were added."""

    participant_id: str
    admitted_cents: int
    preferential: bool


def _split(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` in proportion to ``weights``: floors, then a cent each to the largest remainders."""
    whole = sum(weights)
    if whole == 0:
        return [0 for _ in weights]
    floors, rests = zip(*(divmod(weight * amount, whole) for weight in weights), strict=True)
    parts = list(floors)
    by_remainder = sorted(range(len(parts)), key=lambda index: (-rests[index], index))
    for index in by_remainder[: amount - sum(parts)]:
        parts[index] += 1
    return parts


def compute_shares(offer: Offer, claims: Sequence[ClaimLine]) -> dict[str, int]:
    """Each participant's share in cents; together exactly ``offer.amount`` of the admitted claims."""
    amount = offer.amount(sum(c.admitted_cents for c in claims))
    first_weights = [c.admitted_cents if c.preferential else 0 for c in claims]
    first_total = min(amount, sum(first_weights) * offer.preferential_share_bp // BASIS_POINTS)
    first = _split(first_total, first_weights)
    remaining = [c.admitted_cents - given for c, given in zip(claims, first, strict=True)]
    second = _split(amount - first_total, remaining)
    return {c.participant_id: a + b for c, a, b in zip(claims, first, second, strict=True)}


def percentage_bp(share_cents: int, claim_cents: int) -> int:
    return share_cents * BASIS_POINTS // claim_cents if claim_cents else 0

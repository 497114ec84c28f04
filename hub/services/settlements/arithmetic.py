"""The arithmetic the hub checks in a proposal, and what it means under each creditor's convenant.

Every creditor of the dossier with a known claim (stated by the creditor or recorded by hand, also one that
refused to cooperate: its refusal must still be resolved before agreement) takes part, in dossier order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.domain import convenants as rules
from hub.domain import settlement_math as math
from hub.errors import InvalidParam, ValidationFailed
from hub.services.settlements.views import claim_total


def offer_of(source: Any) -> math.Offer:
    def get(name: str) -> Any:
        return source[name] if isinstance(source, Mapping) else getattr(source, name)

    return math.Offer(
        get("kind"),
        get("monthly_capacity_cents"),
        get("term_months"),
        get("lump_sum_cents"),
        get("preferential_share_bp"),
    )


def expected_shares(offer: math.Offer, participants: Sequence[Any]) -> tuple[list[math.Claim], dict[str, int]]:
    """The admitted claims (in dossier order) and the shares the hub computes; 422 when none can be made."""
    outstanding = [p.id for p in participants if p.principal_cents is None]
    if outstanding:
        reason = (
            f"Every creditor's claim must be known first (stated or recorded by hand); open: {', '.join(outstanding)}."
        )
        raise ValidationFailed(reason, invalid_params=[InvalidParam("shares", reason)], code="claims_outstanding")
    claims = [math.Claim(p.id, claim_total(p), bool(p.preferential)) for p in participants]
    try:
        return claims, math.shares(offer, claims)
    except math.ProposalError as exc:
        raise ValidationFailed(exc.reason, invalid_params=[InvalidParam(exc.field, exc.reason)]) from exc


def _reason(key: str, expected: Mapping[str, int]) -> str:
    if key not in expected:
        return f"{key} is not a creditor with a known claim in this dossier; leave it out."
    return f"The share of {key} must be {expected[key]} cents."


def check_shares(expected: dict[str, int], body: Mapping[str, Any]) -> None:
    """422 ``shares_incorrect``, with the expected shares in the problem, unless the proposal has exactly them."""
    proposed = {str(s["participant_id"]): s["share_cents"] for s in body["shares"]}
    wrong = math.mismatches(expected, proposed)
    if not wrong and len(proposed) == len(body["shares"]):
        return
    amount = sum(expected.values())
    index = {str(s["participant_id"]): i for i, s in enumerate(body["shares"])}
    problems = [
        InvalidParam(f"shares.{index[k]}.share_cents" if k in index else "shares", _reason(k, expected)) for k in wrong
    ] or [InvalidParam("shares", "Name each creditor once.")]
    raise ValidationFailed(
        f"The shares do not add up: the {amount} cents offered are shared pro rata as in expected_shares.",
        invalid_params=problems,
        code="shares_incorrect",
        extra={
            "amount_offered_cents": amount,
            "expected_shares": [{"participant_id": k, "share_cents": v} for k, v in expected.items()],
        },
    )


def convenant_checks(
    offer: math.Offer,
    claims: Sequence[math.Claim],
    shares: Mapping[str, int],
    participants: Mapping[str, Any],
    convenants: Mapping[str, rules.Convenant],
) -> list[dict[str, Any]]:
    """For each creditor under a convenant that accepts in advance: would this proposal be accepted at once?"""
    out = []
    for claim in claims:
        convenant = convenants.get(participants[claim.key].convenant_id or "")
        if convenant is None or not convenant.accepts_compliant_in_advance:
            continue
        reason = rules.compliance(convenant, offer, claim, shares[claim.key])
        out.append(
            {"participant_id": claim.key, "convenant_id": convenant.id, "compliant": reason is None, "reason": reason}
        )
    return out

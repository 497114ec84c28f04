"""Referral to debt help: a municipality refers a household case; the debt-help organisation collects the
referral with the identity sealed for it, and accepts it (a dossier opens) or declines it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import settlement, settlement_api

blp = Blueprint("referrals", __name__, url_prefix="/v1", description="Referral to debt help (doorverwijzing)")


def _page(rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    return {"referrals": rows, "next_after": rows[-1]["seq"] if len(rows) == limit else None}


@blp.route("/municipality/referrals", methods=["POST"])
@blp.arguments(settlement.ReferralSchema)
@blp.response(201, settlement_api.ReferralOut)
@blp.alt_response(200, schema=settlement_api.ReferralOut, description="An identical earlier referral")
def refer_case(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Refer a case of yours to a debt-help organisation, with the identity re-sealed for it. Needs a legal
    basis or the household's consent naming that organisation (403 `no_legal_basis`); one at a time per case."""
    view, created = current_services().settlements.referrals.refer(current_actor(), body)
    return view, 201 if created else 200


@blp.route("/municipality/referrals")
@blp.arguments(settlement_api.ReferralPageArgs, location="query")
@blp.response(200, settlement_api.ReferralPage)
def list_referrals(args: dict[str, Any]) -> dict[str, Any]:
    """Your referrals and whether they were accepted or declined."""
    return _page(current_services().settlements.referrals.page(current_actor(), **args), args["limit"])


@blp.route("/debt-help/referrals")
@blp.arguments(settlement_api.ReferralPageArgs, location="query")
@blp.response(200, settlement_api.ReferralPage)
def list_incoming_referrals(args: dict[str, Any]) -> dict[str, Any]:
    """Referrals to you; a pending one carries the identity sealed for you (kind `referral.identity`)."""
    return _page(current_services().settlements.referrals.page(current_actor(), **args), args["limit"])


@blp.route("/debt-help/referrals/<referral_id>/accept", methods=["POST"])
@blp.response(201, settlement_api.DossierOut)
def accept_referral(referral_id: str) -> dict[str, Any]:
    """Accept: the settlement dossier opens (returned) and the hub deletes the sealed identity."""
    services = current_services().settlements
    dossier_id = services.referrals.accept(current_actor(), referral_id)
    return services.dossiers.show(current_actor(), dossier_id)


@blp.route("/debt-help/referrals/<referral_id>/decline", methods=["POST"])
@blp.arguments(settlement.DeclineSchema)
@blp.response(200, settlement_api.ReferralOut)
def decline_referral(body: dict[str, Any], referral_id: str) -> dict[str, Any]:
    """Decline with a reason code; the hub deletes the sealed identity and tells the municipality."""
    return current_services().settlements.referrals.decline(current_actor(), referral_id, body["reason"])

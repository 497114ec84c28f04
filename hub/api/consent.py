"""Consent: municipalities and debt-help services record it; its parties read it, renew or withdraw it,
and get signed receipts; every organisation can ask whether it may receive a case's data."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.api.problem import ProblemSchema
from hub.services import current_services
from schemas.v1 import consent_api as schemas

blp = Blueprint("consent", __name__, url_prefix="/v1", description="Consent, legal bases and receipts")


@blp.route("/hub-key")
@blp.doc(security=[])
@blp.response(200, schemas.HubKeyOut)
def hub_key() -> dict[str, Any]:
    """The hub's public signing key(s): verify consent receipts with them, offline (public, unsigned)."""
    return current_services().consent.hub_key()


@blp.route("/consent-purposes")
@blp.response(200, schemas.PurposeOut(many=True))
def list_purposes() -> list[dict[str, object]]:
    """The purposes of disclosure and their legal bases: statute (for which kinds) or consent."""
    return current_services().consent.purposes()


@blp.route("/consents", methods=["POST"])
@blp.arguments(schemas.ConsentIn)
@blp.response(201, schemas.ConsentOut)
def record_consent(body: dict[str, Any]) -> dict[str, Any]:
    """Record the consent a person gave your worker, for one case, purpose and set of recipients."""
    return current_services().consent.record(current_actor(), body)


@blp.route("/consents")
@blp.arguments(schemas.ConsentsArgs, location="query")
@blp.response(200, schemas.ConsentOut(many=True))
def list_consents(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's consents that name you, as recorder or recipient."""
    return current_services().consent.for_case(current_actor(), args["case_id"])


@blp.route("/consents/<consent_id>")
@blp.response(200, schemas.ConsentOut)
def show_consent(consent_id: str) -> dict[str, Any]:
    """One consent that names you, with its state now and every event."""
    return current_services().consent.one(current_actor(), consent_id)


@blp.route("/consents/<consent_id>/renew", methods=["POST"])
@blp.arguments(schemas.RenewIn)
@blp.response(200, schemas.ConsentOut)
def renew_consent(body: dict[str, Any], consent_id: str) -> dict[str, Any]:
    """The person consented again, for a new term (also after expiry; a withdrawn consent needs a new one)."""
    return current_services().consent.renew(current_actor(), consent_id, body)


@blp.route("/consents/<consent_id>/withdraw", methods=["POST"])
@blp.arguments(schemas.WithdrawIn)
@blp.response(200, schemas.ConsentOut)
def withdraw_consent(body: dict[str, Any], consent_id: str) -> dict[str, Any]:
    """The person withdrew consent: effective at once; the other parties get `consent.withdrawn`."""
    return current_services().consent.withdraw(current_actor(), consent_id, body)


@blp.route("/consents/<consent_id>/receipt")
@blp.response(200, schemas.ReceiptDocument)
def consent_receipt(consent_id: str) -> Response:
    """A receipt for the person, signed by the hub, as canonical JSON: keep the bytes exactly as served
    and verify them with `hub consent verify` and GET /v1/hub-key."""
    document = current_services().consent.receipt(current_actor(), consent_id)
    return Response(document, mimetype="application/json")


@blp.route("/consents/check", methods=["POST"])
@blp.arguments(schemas.CheckIn)
@blp.response(200, schemas.DecisionOut)
@blp.alt_response(403, schema=ProblemSchema, description="Denied: problem+json, code no_legal_basis, detail the reason")
def check_consent(body: dict[str, Any]) -> dict[str, Any]:
    """May you receive this case's data for this purpose now? 200 with the reason when allowed; 403
    `no_legal_basis` with the reason when not. Every decision is written to the evidence log."""
    return current_services().consent.check(current_actor(), body["purpose"], body["case_id"]).view()


@blp.route("/consent-decisions")
@blp.arguments(schemas.DecisionsArgs, location="query")
@blp.response(200, schemas.DecisionOut(many=True))
def list_decisions(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Decisions on a case about you, and on the purposes you recorded consent for (page with `after`)."""
    return current_services().consent.decisions(
        current_actor(), args["case_id"], after=args["after"], limit=args["limit"]
    )

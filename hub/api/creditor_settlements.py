"""A creditor's side of a settlement: its own place in each dossier, its answers to the debt counsellor,
the multi-creditor notice, and the inbox of messages to it. It never sees another creditor."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import settlement, settlement_api, settlement_views

blp = Blueprint("creditor", __name__, url_prefix="/v1/creditor", description="Creditors: settlements")

_SENT = settlement_views.SendResultOut


def _receive(kind: str, participant_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    result, created = current_services().settlements.incoming.receive(current_actor(), participant_id, kind, body)
    return result, 201 if created else 200


@blp.route("/settlements")
@blp.arguments(settlement_api.SettlementPageArgs, location="query")
@blp.response(200, settlement_views.CreditorSettlementPage)
def list_settlements(args: dict[str, Any]) -> dict[str, Any]:
    """Your place in each dossier you were added to: your claim, the offer to you, your answer, your deadline."""
    rows = current_services().settlements.incoming.page(current_actor(), **args)
    return {"settlements": rows, "next_after": rows[-1]["seq"] if len(rows) == args["limit"] else None}


@blp.route("/settlements/<participant_id>")
@blp.response(200, settlement_views.CreditorSettlementOut)
def show_settlement(participant_id: str) -> dict[str, Any]:
    return current_services().settlements.incoming.show(current_actor(), participant_id)


@blp.route("/settlements/<participant_id>/claim-statement", methods=["POST"])
@blp.arguments(settlement.ClaimStatementSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Sent before")
def state_claim(body: dict[str, Any], participant_id: str) -> tuple[dict[str, Any], int]:
    """Saldoverzoek antwoord: principal, interest and costs in cents, preferential or not, and the convenant
    under which you agree in advance, if any."""
    return _receive("claim_statement", participant_id, body)


@blp.route("/settlements/<participant_id>/proposal-answer", methods=["POST"])
@blp.arguments(settlement.ProposalAnswerSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Sent before")
def answer_proposal(body: dict[str, Any], participant_id: str) -> tuple[dict[str, Any], int]:
    """Betaalvoorstel antwoord: accept, or reject with a reason code."""
    return _receive("proposal_answer", participant_id, body)


@blp.route("/settlements/<participant_id>/refusal", methods=["POST"])
@blp.arguments(settlement.RefusalSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Sent before")
def refuse_cooperation(body: dict[str, Any], participant_id: str) -> tuple[dict[str, Any], int]:
    """Geen medewerking: you will not take part."""
    return _receive("refusal", participant_id, body)


@blp.route("/settlements/<participant_id>/status", methods=["POST"])
@blp.arguments(settlement.CreditorStatusSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Sent before")
def send_status(body: dict[str, Any], participant_id: str) -> tuple[dict[str, Any], int]:
    """Statusbericht to the debt counsellor."""
    return _receive("creditor_status", participant_id, body)


@blp.route("/settlements/<participant_id>/status-request", methods=["POST"])
@blp.arguments(settlement.StatusRequestSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Sent before")
def request_status(body: dict[str, Any], participant_id: str) -> tuple[dict[str, Any], int]:
    """Statusverzoek: ask the debt counsellor how the case stands."""
    return _receive("status_request", participant_id, body)


@blp.route("/settlements/<participant_id>/other-creditors", methods=["POST"])
@blp.response(200, settlement_views.OtherCreditorsOut)
def other_creditors(participant_id: str) -> dict[str, Any]:
    """Before you forgive arrears: does the case have other creditors, and how many (never who)? Needs
    consent for `multi_creditor_notice` naming you (403 `no_legal_basis`)."""
    return current_services().settlements.incoming.other_creditors(current_actor(), participant_id)


@blp.route("/messages")
@blp.arguments(settlement_api.MessagePageArgs, location="query")
@blp.response(200, settlement_views.MessagePage)
def list_messages(args: dict[str, Any]) -> dict[str, Any]:
    """Messages to you (notices, claim requests, proposals, ...), each with its part sealed for you."""
    rows = current_services().settlements.inbox.page(current_actor(), **args)
    return {"messages": rows, "next_after": rows[-1]["seq"] if len(rows) == args["limit"] else None}


@blp.route("/messages/<message_id>")
@blp.response(200, settlement_views.MessageOut)
def show_message(message_id: str) -> dict[str, Any]:
    return current_services().settlements.inbox.one(current_actor(), message_id)


@blp.route("/messages/<message_id>/ack", methods=["POST"])
@blp.response(200, settlement_views.MessageOut)
def acknowledge_message(message_id: str) -> dict[str, Any]:
    """You stored the message: the hub deletes its sealed part."""
    return current_services().settlements.inbox.acknowledge(current_actor(), message_id)

"""The debt counsellor's side of a settlement: dossiers, their creditors, the messages to the creditors, the
proposal the hub checks, and the inbox of the creditors' answers."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import settlement, settlement_api, settlement_views

blp = Blueprint("debt_help", __name__, url_prefix="/v1/debt-help", description="Debt help: settlement dossiers")

_SENT = settlement_views.SendResultsOut


def _sent(results: list[dict[str, Any]]) -> tuple[dict[str, Any], int]:
    created = any(r["outcome"] == "created" for r in results) or not results
    return {"results": results}, 201 if created else 200


@blp.route("/dossiers")
@blp.arguments(settlement_api.DossierPageArgs, location="query")
@blp.response(200, settlement_api.DossierPage)
def list_dossiers(args: dict[str, Any]) -> dict[str, Any]:
    """Your dossiers in order of opening."""
    rows = current_services().settlements.dossiers.page(current_actor(), **args)
    return {"dossiers": rows, "next_after": rows[-1]["seq"] if len(rows) == args["limit"] else None}


@blp.route("/dossiers/<dossier_id>")
@blp.response(200, settlement_api.DossierOut)
def show_dossier(dossier_id: str) -> dict[str, Any]:
    """The whole dossier in one response: every creditor, its claim, share, answer and deadline."""
    return current_services().settlements.dossiers.show(current_actor(), dossier_id)


@blp.route("/dossiers/<dossier_id>/case-signals")
@blp.response(200, settlement_api.DossierSignalOut(many=True))
def case_signals(dossier_id: str) -> list[dict[str, Any]]:
    """The arrears signals of the dossier's case, to start the inventory. Needs consent for
    `settlement_negotiation` naming you (403 `no_legal_basis`)."""
    return current_services().settlements.dossiers.case_signals(current_actor(), dossier_id)


@blp.route("/dossiers/<dossier_id>/creditors", methods=["POST"])
@blp.arguments(settlement_api.AddCreditorIn)
@blp.response(201, settlement_api.DossierOut)
@blp.alt_response(200, schema=settlement_api.DossierOut, description="The creditor was added before")
def add_creditor(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Add a creditor in the hub (needs consent for `settlement_negotiation` naming it), or one handled
    outside the hub, described in a note you seal for yourself."""
    view, created = current_services().settlements.dossiers.add_creditor(current_actor(), dossier_id, body)
    return view, 201 if created else 200


@blp.route("/dossiers/<dossier_id>/creditors/<participant_id>/record", methods=["POST"])
@blp.arguments(settlement_api.RecordIn)
@blp.response(200, settlement_api.DossierOut)
def record_by_hand(body: dict[str, Any], dossier_id: str, participant_id: str) -> dict[str, Any]:
    """Record a claim learnt outside the hub, or the answer of a creditor handled outside it."""
    return current_services().settlements.dossiers.record(current_actor(), dossier_id, participant_id, body)


@blp.route("/dossiers/<dossier_id>/state", methods=["POST"])
@blp.arguments(settlement_api.TransitionIn)
@blp.response(200, settlement_api.DossierOut)
def move_dossier(body: dict[str, Any], dossier_id: str) -> dict[str, Any]:
    """agreed -> running (payments started), or proposal -> inventory (drop the draft proposal)."""
    return current_services().settlements.dossiers.transition(current_actor(), dossier_id, body["state"])


@blp.route("/dossiers/<dossier_id>/notices", methods=["POST"])
@blp.arguments(settlement.OutgoingBatchSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Every message was sent before")
def send_notices(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Kennisgeving to creditors; under a convenant with a pause button it instructs them to pause collection."""
    return _sent(current_services().settlements.outgoing.notices(current_actor(), dossier_id, body["messages"]))


@blp.route("/dossiers/<dossier_id>/claim-requests", methods=["POST"])
@blp.arguments(settlement.OutgoingBatchSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Every message was sent before")
def send_claim_requests(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Saldoverzoek; each starts the creditor's deadline (its convenant's, or 28 days)."""
    return _sent(current_services().settlements.outgoing.claim_requests(current_actor(), dossier_id, body["messages"]))


@blp.route("/dossiers/<dossier_id>/proposal", methods=["POST"])
@blp.arguments(settlement.ProposalSchema)
@blp.response(201, settlement_api.ProposalOut)
@blp.alt_response(200, schema=settlement_api.ProposalOut, description="An identical earlier proposal")
def check_proposal(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """The hub checks the arithmetic; wrong shares are refused (422 `shares_incorrect`) with the correct
    ones in `expected_shares`. `convenant_checks` says who would accept at once."""
    view, created = current_services().settlements.proposals.draft(current_actor(), dossier_id, body)
    return view, 201 if created else 200


@blp.route("/dossiers/<dossier_id>/proposal/send", methods=["POST"])
@blp.arguments(settlement.OutgoingBatchSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Every message was sent before")
def send_proposal(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Betaalvoorstel to every creditor in the hub with a share; under a convenant that accepts compliant
    proposals in advance the hub answers "accepted under convenant X" at once."""
    return _sent(current_services().settlements.proposals.send(current_actor(), dossier_id, body["messages"]))


@blp.route("/dossiers/<dossier_id>/reconsiderations", methods=["POST"])
@blp.arguments(settlement.OutgoingBatchSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Every message was sent before")
def send_reconsiderations(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Heroverweging to creditors that rejected the proposal."""
    services = current_services().settlements
    return _sent(services.outgoing.reconsiderations(current_actor(), dossier_id, body["messages"]))


@blp.route("/dossiers/<dossier_id>/agreed", methods=["POST"])
@blp.arguments(settlement.AgreedBatchSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Every message was sent before")
def send_agreed(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Schuldregeling akkoord: every creditor with a share accepted (409 `not_all_accepted` otherwise)."""
    return _sent(current_services().settlements.proposals.agreed(current_actor(), dossier_id, body))


@blp.route("/dossiers/<dossier_id>/ended", methods=["POST"])
@blp.arguments(settlement.EndedBatchSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Every message was sent before")
def send_ended(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Schuldregeling beëindigd (completed, failed or withdrawn), to every creditor that heard of it."""
    return _sent(current_services().settlements.outgoing.ended(current_actor(), dossier_id, body))


@blp.route("/dossiers/<dossier_id>/status", methods=["POST"])
@blp.arguments(settlement.StatusBatchSchema)
@blp.response(201, _SENT)
@blp.alt_response(200, schema=_SENT, description="Every message was sent before")
def send_status(body: dict[str, Any], dossier_id: str) -> tuple[dict[str, Any], int]:
    """Statusbericht to creditors."""
    return _sent(current_services().settlements.outgoing.statuses(current_actor(), dossier_id, body["messages"]))


@blp.route("/messages")
@blp.arguments(settlement_api.MessagePageArgs, location="query")
@blp.response(200, settlement_views.MessagePage)
def list_messages(args: dict[str, Any]) -> dict[str, Any]:
    """Messages to you (creditors' answers, the hub's escalations), each with its part sealed for you."""
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

"""Reports for municipalities: the inbox of household reports, one report, acknowledgement and outcomes."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import report_api as schemas

blp = Blueprint("reports", __name__, url_prefix="/v1/municipality", description="Household reports (Wgs)")


@blp.route("/reports")
@blp.arguments(schemas.InboxArgs, location="query")
@blp.response(200, schemas.ReportHeader(many=True))
def inbox(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Reports changed after `after` (a `change_seq`), oldest change first. Keep the last `change_seq` you
    handled; `unacknowledged=true` lists every report whose newest version you have not acknowledged."""
    return current_services().reports.page(current_actor(), **args)


@blp.route("/reports/<case_id>")
@blp.response(200, schemas.ReportOut)
def show_report(case_id: str) -> dict[str, Any]:
    """One report: every creditor's signal (crisis first) with the identity sealed for you, the persons,
    why the signals were linked, and what you recorded."""
    return current_services().reports.show(current_actor(), case_id)


@blp.route("/reports/<case_id>/ack", methods=["POST"])
@blp.arguments(schemas.AcknowledgeIn)
@blp.response(200, schemas.ReportOut)
def acknowledge_report(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """You stored this version: the hub deletes the sealed identities it holds for it. A newer version than
    the one you name is a 409: fetch it and acknowledge that one."""
    return current_services().reports.acknowledge(current_actor(), case_id, body["version"])


@blp.route("/reports/<case_id>/contacts", methods=["POST"])
@blp.arguments(schemas.ContactIn)
@blp.response(201, schemas.ReportOut)
def record_contact(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """A contact attempt (DDAS Contactsoort, reached or not, date, part of day)."""
    return current_services().reports.record_contact(current_actor(), case_id, body)


@blp.route("/reports/<case_id>/result", methods=["POST"])
@blp.arguments(schemas.ResultIn)
@blp.response(200, schemas.ReportOut)
def record_result(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """Close the report with its DDAS Eindresultaat. Each creditor learns only whether its signal was picked
    up, or the lawful not-picked-up reason."""
    return current_services().reports.record_result(current_actor(), case_id, body["result"], body["date"])


@blp.route("/statistics")
@blp.arguments(schemas.StatisticsArgs, location="query")
@blp.response(200, schemas.StatisticsOut)
def statistics(args: dict[str, Any]) -> dict[str, Any]:
    """Your signals and households in a period (by signal date), without identifiers: counts under ten, and
    shares or medians built on them, are null."""
    return current_services().statistics.period(current_actor(), args["from_"], args["to"])

"""Household cases: a municipality reads its cases and corrects the matching (split, merge)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import case_api

blp = Blueprint(
    "cases", __name__, url_prefix="/v1/municipality/cases", description="Household cases (one per household)"
)


@blp.route("")
@blp.arguments(case_api.CasePageArgs, location="query")
@blp.response(200, case_api.CasePage)
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """Your open cases in order of opening (`next_after` pages); `signal_id` finds the case of a signal."""
    rows = current_services().cases.page(current_actor(), **args)
    more = args["signal_id"] is None and len(rows) == args["limit"]
    return {"cases": rows, "next_after": rows[-1]["seq"] if more else None}


@blp.route("/<case_id>")
@blp.response(200, case_api.CaseView)
def show_case(case_id: str) -> dict[str, Any]:
    """One case: its signals (crisis first), its persons, and for every link the token kinds that agreed
    and its score. The id of a case merged into another leads to that other case."""
    return current_services().cases.show(current_actor(), case_id)


@blp.route("/<case_id>/split", methods=["POST"])
@blp.arguments(case_api.SplitIn)
@blp.response(201, case_api.CaseView)
def split_case(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """Move signals out of this case into a new case (returned). The hub remembers the split: those
    signals are not linked to the ones that stayed again, unless you merge the cases."""
    return current_services().cases.split(current_actor(), case_id, body["signal_ids"])


@blp.route("/<case_id>/merge", methods=["POST"])
@blp.arguments(case_api.MergeIn)
@blp.response(200, case_api.CaseView)
def merge_cases(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """Merge another case of yours into this one (returned); a split between them is lifted."""
    return current_services().cases.merge(current_actor(), case_id, body["case_id"])

"""Data-subject requests, made by the case's municipality for the person (AVG art. 15 and 17): the access
export of everything the hub holds for a case, and its erasure."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.api.problem import ProblemSchema
from hub.services import current_services
from schemas.v1 import subject_api

blp = Blueprint(
    "subject_requests",
    __name__,
    url_prefix="/v1/municipality/cases",
    description="Data-subject requests: access export and erasure of a case",
)


@blp.route("/<case_id>/subject-access")
@blp.response(200, subject_api.AccessExportOut)
@blp.alt_response(404, schema=ProblemSchema, description="Not a case of yours: problem+json, code case_unknown")
@blp.alt_response(410, schema=ProblemSchema, description="The case was erased: problem+json, code case_erased")
def subject_access(case_id: str) -> dict[str, Any]:
    """Everything the hub holds for your case, for the person's access request: each item with what it is,
    when it was stored, until when it is kept, and who can open it. The request is logged as evidence."""
    actor = current_actor()
    return current_services().subject_requests.export(actor, actor.organisation_id, case_id)


@blp.route("/<case_id>/erasure", methods=["POST"])
@blp.arguments(subject_api.ErasureIn)
@blp.response(200, subject_api.ErasureOut)
@blp.alt_response(404, schema=ProblemSchema, description="Not a case of yours: problem+json, code case_unknown")
@blp.alt_response(409, schema=ProblemSchema, description="Debt help still runs: problem+json, code case_in_debt_help")
@blp.alt_response(410, schema=ProblemSchema, description="Already erased: problem+json, code case_erased")
def erase_case(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """Erase your case in one transaction: its signals, sealed envelopes, tokens, links, report, referrals,
    dossiers and settlement messages. A tombstone and the evidence entry stay; the organisations that received
    the case's data get `case.erased`. Reads of the case answer 410 afterwards."""
    actor = current_actor()
    return current_services().subject_requests.erase(actor, actor.organisation_id, case_id, body["ground"])

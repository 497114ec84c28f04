"""Convenants as data, administered by the hub's operators (kind ``hub_admin``)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import settlement_views as schemas

blp = Blueprint("convenants", __name__, url_prefix="/v1/admin/convenants", description="Convenants (administration)")


@blp.route("")
@blp.response(200, schemas.ConvenantOut(many=True))
def list_convenants() -> list[dict[str, Any]]:
    """Every convenant with its terms and parties."""
    return current_services().settlements.convenants.list()


@blp.route("", methods=["POST"])
@blp.arguments(schemas.ConvenantIn)
@blp.response(201, schemas.ConvenantOut)
def create_convenant(body: dict[str, Any]) -> dict[str, Any]:
    """A new convenant: its terms never change afterwards (make a new one and move the parties)."""
    return current_services().settlements.convenants.create(current_actor(), body)


@blp.route("/<convenant_id>")
@blp.response(200, schemas.ConvenantOut)
def show_convenant(convenant_id: str) -> dict[str, Any]:
    return current_services().settlements.convenants.show(convenant_id)


@blp.route("/<convenant_id>/parties", methods=["POST"])
@blp.arguments(schemas.PartyIn)
@blp.response(200, schemas.ConvenantOut)
def join_convenant(body: dict[str, Any], convenant_id: str) -> dict[str, Any]:
    """A creditor or debt-help organisation joins. It applies between a creditor and a debt-help
    organisation that are both parties, to creditors added to dossiers from then on."""
    return current_services().settlements.convenants.join(current_actor(), convenant_id, body["organisation_id"])


@blp.route("/<convenant_id>/parties/<organisation_id>", methods=["DELETE"])
@blp.response(200, schemas.ConvenantOut)
def leave_convenant(convenant_id: str, organisation_id: str) -> dict[str, Any]:
    """A party leaves; dossiers that already apply the convenant keep it."""
    return current_services().settlements.convenants.leave(current_actor(), convenant_id, organisation_id)

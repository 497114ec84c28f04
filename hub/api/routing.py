"""The routing table, for adapters that route locally (only they can read the address)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from hub.services import current_services
from schemas.v1 import routing_api

blp = Blueprint("routing", __name__, url_prefix="/v1", description="The postcode -> municipality routing table")


@blp.route("/routing")
@blp.response(200, routing_api.RoutingTableOut)
@blp.alt_response(304, description="Not modified: the version in If-None-Match is still current")
def routing_table() -> Response | tuple[dict[str, Any], int, dict[str, str]]:
    """The current version of the routing table. Route each signal with it and send its `version` as the
    signal's `routing_version`; the ETag is the version, so `If-None-Match` gets a 304 while it is current."""
    table = current_services().routing.current()
    etag = f'"{table.version}"'
    if etag in request.if_none_match or table.version in request.if_none_match:
        return Response(status=304, headers={"ETag": etag})
    return table.to_wire(), 200, {"ETag": etag, "Cache-Control": "no-cache"}

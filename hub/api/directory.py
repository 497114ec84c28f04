"""The directory every registered organisation reads, and who-am-I for adapters checking their set-up."""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import directory as schemas

blp = Blueprint("directory", __name__, url_prefix="/v1", description="The directory of organisations")


@blp.route("/whoami")
@blp.response(200, schemas.WhoAmI)
def whoami() -> dict[str, str | None]:
    """The organisation and key that signed this request."""
    actor = current_actor()
    return {"organisation_id": actor.organisation_id, "kind": actor.kind, "key_id": actor.key_id}


@blp.route("/directory")
@blp.response(200, schemas.Directory)
@blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
def directory() -> Response | tuple[dict[str, object], int, dict[str, str]]:
    """Active organisations with their currently valid public encryption keys.

    Cache it: send the ETag back in If-None-Match and get 304 while nothing changed.
    """
    document = current_services().directory.document()
    etag = f'"{document.etag}"'
    if etag in request.if_none_match or document.etag in request.if_none_match:
        return Response(status=304, headers={"ETag": etag})
    return document.body, 200, {"ETag": etag, "Cache-Control": "no-cache"}

"""HTTP: one blueprint per audience, registered on one flask-smorest Api."""

from __future__ import annotations

from flask import Flask, request

from hub.api import health
from hub.api.problem import HubApi
from hub.errors import UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def register_api(app: Flask) -> HubApi:
    api = HubApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Exchange hub of the Dutch debt early-warning chain. Personal data "
                "travels only inside HPKE-sealed envelopes; the hub cannot read it."
            },
        },
    )
    api.register_blueprint(health.blp)
    app.before_request(_require_json_body)
    return api


def _require_json_body() -> None:
    """415 for a request body that is not JSON, before any view or parser sees it."""
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Content-Type {mimetype or '(none)'} is not accepted; send application/json."
        )

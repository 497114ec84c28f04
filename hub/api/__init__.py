"""HTTP: one blueprint per audience, registered on one flask-smorest Api."""

from __future__ import annotations

from flask import Flask, current_app, request

from hub.api import (
    admin,
    cases,
    consent,
    convenants,
    creditor_settlements,
    debt_help,
    directory,
    health,
    referrals,
    reports,
    routing,
    signals,
    subject_requests,
    webhooks,
)
from hub.api.access import authorise
from hub.api.problem import HubApi
from hub.errors import PayloadTooLarge, UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

SPEC = {
    "info": {
        "description": "Exchange hub of the Dutch debt early-warning chain. Personal data travels only inside "
        "HPKE-sealed envelopes; the hub cannot read it. Every request except the probes and this document is "
        "signed with HTTP Message Signatures (RFC 9421); see docs/api.md."
    },
    "components": {
        "securitySchemes": {
            "httpMessageSignature": {
                "type": "apiKey",
                "in": "header",
                "name": "Signature",
                "description": 'RFC 9421, label sig1, covering ("@method" "@target-uri" "content-digest") with '
                "created, nonce, keyid and alg=ed25519, plus a Content-Digest header (RFC 9530).",
            }
        }
    },
    "security": [{"httpMessageSignature": []}],
}


def register_api(app: Flask) -> HubApi:
    api = HubApi(app, spec_kwargs=SPEC)
    for blueprint in (
        health.blp,
        directory.blp,
        routing.blp,
        signals.blp,
        cases.blp,
        subject_requests.blp,
        reports.blp,
        consent.blp,
        referrals.blp,
        debt_help.blp,
        creditor_settlements.blp,
        convenants.blp,
        webhooks.blp,
        admin.blp,
    ):
        api.register_blueprint(blueprint)
    app.before_request(_require_json_body)
    app.before_request(authorise)
    return api


def _require_json_body() -> None:
    """415 for a request body that is not JSON, before any view or parser sees it."""
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and limit is not None and request.content_length > limit:
        raise PayloadTooLarge("The request body exceeds the configured limit (HUB_MAX_BODY_BYTES).")
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"Content-Type {mimetype or '(none)'} is not accepted; send application/json.")

"""Who may call what: one declared table, deny by default, and the hook that enforces it.

Every endpoint of the app must appear in :data:`RULES` (``tests/api/test_access.py`` walks the URL map
and fails on a route without a rule). A route is either public (probes and the API description) or
open to the listed organisation kinds, after the request's signature has been verified.
"""

from __future__ import annotations

from flask import g, request

from hub.domain.directory import CREDITOR_KINDS, ORGANISATION_KINDS
from hub.domain.evidence import Actor
from hub.errors import Forbidden
from hub.services import current_services

PUBLIC: frozenset[str] = frozenset({"*public*"})
ANY_ORGANISATION = frozenset(ORGANISATION_KINDS)
ADMIN = frozenset({"hub_admin"})
CREDITORS = CREDITOR_KINDS
MUNICIPALITIES = frozenset({"municipality"})

RULES: dict[str, frozenset[str]] = {
    "static": PUBLIC,
    "metrics": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    "api-docs.openapi_swagger_ui": PUBLIC,
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    "directory.whoami": ANY_ORGANISATION,
    "directory.directory": ANY_ORGANISATION,
    "routing.routing_table": ANY_ORGANISATION,
    "webhooks.list_endpoints": ANY_ORGANISATION,
    "webhooks.register_endpoint": ANY_ORGANISATION,
    "webhooks.delete_endpoint": ANY_ORGANISATION,
    "webhooks.rotate_secret": ANY_ORGANISATION,
    "webhooks.enable_endpoint": ANY_ORGANISATION,
    "webhooks.list_events": ANY_ORGANISATION,
    "webhooks.admin_endpoints": ADMIN,
    "signals.submit_signal": CREDITORS,
    "signals.submit_batch": CREDITORS,
    "signals.list_own_signals": CREDITORS,
    "signals.show_own_signal": CREDITORS,
    "signals.list_routed_signals": MUNICIPALITIES,
    "signals.show_routed_signal": MUNICIPALITIES,
    "signals.acknowledge_signal": MUNICIPALITIES,
    "signals.record_outcome": MUNICIPALITIES,
    "admin.list_organisations": ADMIN,
    "admin.add_organisation": ADMIN,
    "admin.show_organisation": ADMIN,
    "admin.disable_organisation": ADMIN,
    "admin.enable_organisation": ADMIN,
    "admin.add_key": ADMIN,
    "admin.rotate_key": ADMIN,
    "admin.revoke_key": ADMIN,
}


def target_uri() -> str:
    """The request's target URI as the client addressed it (RFC 9421 ``@target-uri``)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if raw.endswith("?") and not request.query_string:
        raw = raw[:-1]
    return f"{request.scheme}://{request.host}{raw}"


def authorise() -> None:
    """before_request: verify the signature of every non-public request and check the caller's kind."""
    if request.routing_exception is not None or request.endpoint is None:
        return
    allowed = RULES.get(request.endpoint)
    if allowed is None:
        raise Forbidden("This route has no access rule; it is closed.", code="no_access_rule")
    if allowed is PUBLIC:
        return
    actor = current_services().auth.authenticate(
        request.method, target_uri(), dict(request.headers), request.get_data(cache=True)
    )
    if actor.kind not in allowed:
        raise Forbidden(f"An organisation of kind {actor.kind!r} may not call this endpoint.", code="kind_not_allowed")
    g.actor = actor


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor

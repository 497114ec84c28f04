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
#: Consent is recorded by municipalities and debt-help services; its parties include creditors as recipients.
CONSENT_RECORDERS = frozenset({"municipality", "debt_help"})
CONSENT_PARTIES = (ANY_ORGANISATION | CREDITORS) - ADMIN
DEBT_HELP = frozenset({"debt_help"})

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
    "cases.list_cases": MUNICIPALITIES,
    "reports.inbox": MUNICIPALITIES,
    "reports.show_report": MUNICIPALITIES,
    "reports.acknowledge_report": MUNICIPALITIES,
    "reports.record_contact": MUNICIPALITIES,
    "reports.record_result": MUNICIPALITIES,
    "reports.statistics": MUNICIPALITIES,
    "cases.show_case": MUNICIPALITIES,
    "cases.split_case": MUNICIPALITIES,
    "cases.merge_cases": MUNICIPALITIES,
    "subject_requests.subject_access": MUNICIPALITIES,
    "subject_requests.erase_case": MUNICIPALITIES,
    "consent.hub_key": PUBLIC,
    "consent.list_purposes": ANY_ORGANISATION | CREDITORS,
    "consent.record_consent": CONSENT_RECORDERS,
    "consent.list_consents": CONSENT_PARTIES,
    "consent.show_consent": CONSENT_PARTIES,
    "consent.renew_consent": CONSENT_RECORDERS,
    "consent.withdraw_consent": CONSENT_PARTIES,
    "consent.consent_receipt": CONSENT_PARTIES,
    "consent.check_consent": CONSENT_PARTIES,
    "consent.list_decisions": CONSENT_PARTIES,
    "admin.list_organisations": ADMIN,
    "admin.add_organisation": ADMIN,
    "admin.show_organisation": ADMIN,
    "admin.disable_organisation": ADMIN,
    "admin.enable_organisation": ADMIN,
    "admin.add_key": ADMIN,
    "admin.rotate_key": ADMIN,
    "admin.revoke_key": ADMIN,
    "referrals.refer_case": MUNICIPALITIES,
    "referrals.list_referrals": MUNICIPALITIES,
    "referrals.list_incoming_referrals": DEBT_HELP,
    "referrals.accept_referral": DEBT_HELP,
    "referrals.decline_referral": DEBT_HELP,
    "debt_help.list_dossiers": DEBT_HELP,
    "debt_help.show_dossier": DEBT_HELP,
    "debt_help.case_signals": DEBT_HELP,
    "debt_help.add_creditor": DEBT_HELP,
    "debt_help.record_by_hand": DEBT_HELP,
    "debt_help.move_dossier": DEBT_HELP,
    "debt_help.send_notices": DEBT_HELP,
    "debt_help.send_claim_requests": DEBT_HELP,
    "debt_help.check_proposal": DEBT_HELP,
    "debt_help.send_proposal": DEBT_HELP,
    "debt_help.send_reconsiderations": DEBT_HELP,
    "debt_help.send_agreed": DEBT_HELP,
    "debt_help.send_ended": DEBT_HELP,
    "debt_help.send_status": DEBT_HELP,
    "debt_help.list_messages": DEBT_HELP,
    "debt_help.show_message": DEBT_HELP,
    "debt_help.acknowledge_message": DEBT_HELP,
    "creditor.list_settlements": CREDITORS,
    "creditor.show_settlement": CREDITORS,
    "creditor.state_claim": CREDITORS,
    "creditor.answer_proposal": CREDITORS,
    "creditor.refuse_cooperation": CREDITORS,
    "creditor.send_status": CREDITORS,
    "creditor.request_status": CREDITORS,
    "creditor.other_creditors": CREDITORS,
    "creditor.list_messages": CREDITORS,
    "creditor.show_message": CREDITORS,
    "creditor.acknowledge_message": CREDITORS,
    "convenants.list_convenants": ADMIN,
    "convenants.create_convenant": ADMIN,
    "convenants.show_convenant": ADMIN,
    "convenants.join_convenant": ADMIN,
    "convenants.leave_convenant": ADMIN,
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

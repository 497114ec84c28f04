"""API views of the settlement exchange for creditors, the message inboxes, send results, and convenant
administration. A creditor's view names only itself: never another creditor's identity or claim."""

from __future__ import annotations

import marshmallow as ma

from schemas.v1 import fields as f
from schemas.v1.directory import Strict
from schemas.v1.fields import ORG_ID
from schemas.v1.settlement import BASIS_POINTS, CONVENANT_ID, MAX_TERM_MONTHS, matching
from schemas.v1.settlement_api import AnswerOut, ClaimOut, ConvenantTermsOut, DeadlineOut, SealedBlobOut


class OfferOut(Strict):
    proposal_id = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    term_months = ma.fields.Integer(required=True)
    admitted_cents = ma.fields.Integer(required=True)
    share_cents = ma.fields.Integer(required=True)
    share_bp = ma.fields.Integer(required=True, metadata={"description": "share / admitted claim, basis points"})


class CreditorSettlementOut(Strict):
    """A creditor's own place in one dossier."""

    participant_id = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True)
    dossier_id = ma.fields.String(required=True)
    debt_help_id = ma.fields.String(required=True)
    dossier_state = ma.fields.String(required=True)
    convenant = ma.fields.Nested(ConvenantTermsOut, allow_none=True)
    collection_paused = ma.fields.Boolean(required=True)
    claim = ma.fields.Nested(ClaimOut, required=True)
    offer = ma.fields.Nested(OfferOut, allow_none=True, metadata={"description": "once the proposal is sent"})
    answer = ma.fields.Nested(AnswerOut, allow_none=True)
    deadline = ma.fields.Nested(DeadlineOut, allow_none=True)


class CreditorSettlementPage(Strict):
    settlements = ma.fields.List(ma.fields.Nested(CreditorSettlementOut), required=True)
    next_after = ma.fields.Integer(allow_none=True)


class MessageOut(Strict):
    id = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True, metadata={"description": "pass as `after` to page"})
    kind = ma.fields.String(required=True)
    dossier_id = ma.fields.String(required=True)
    participant_id = ma.fields.String(required=True)
    sender_id = ma.fields.String(required=True, metadata={"description": "an organisation, or hub"})
    recipient_id = ma.fields.String(required=True)
    facts = ma.fields.Dict(
        required=True, metadata={"description": "what the hub may read; per kind, docs/settlements.md"}
    )
    created_at = ma.fields.AwareDateTime(required=True)
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True)
    sealed = ma.fields.Nested(SealedBlobOut, allow_none=True, metadata={"description": "deleted once acknowledged"})


class MessagePage(Strict):
    messages = ma.fields.List(ma.fields.Nested(MessageOut), required=True)
    next_after = ma.fields.Integer(allow_none=True)


class SendResultOut(Strict):
    message_id = ma.fields.String(required=True)
    participant_id = ma.fields.String(required=True)
    outcome = ma.fields.String(required=True, metadata={"description": "created, or duplicate of an earlier one"})


class SendResultsOut(Strict):
    results = ma.fields.List(ma.fields.Nested(SendResultOut), required=True)


class OtherCreditorsOut(Strict):
    message_id = ma.fields.String(required=True)
    participant_id = ma.fields.String(required=True)
    other_creditors = ma.fields.Boolean(required=True)
    count = ma.fields.Integer(required=True, metadata={"description": "how many; never who"})


# --- convenant administration ---------------------------------------------------------------------


class ConvenantIn(f.StrictSchema):
    id = matching("Convenant id", CONVENANT_ID, "must be 3 to 64 lower-case letters, digits and hyphens", required=True)
    name = f.Text(label="Name", max_length=200, required=True)
    response_days = f.integer("Response days", minimum=1, maximum=365, unit="days", required=True)
    reminder_days = f.integer("Reminder days", minimum=1, maximum=364, unit="days before the deadline", required=True)
    pause_on_notice = f.boolean("Pause on notice", required=True)
    accepts_compliant_in_advance = f.boolean("Accepts compliant proposals in advance", required=True)
    term_months = f.integer("Term", minimum=1, maximum=MAX_TERM_MONTHS, unit="months", load_default=18)
    preferential_min_share_bp = f.integer(
        "Preferential minimum share", minimum=0, maximum=BASIS_POINTS, unit="basis points", load_default=0
    )
    parties = ma.fields.List(
        ma.fields.String(validate=f.rule(lambda v: ORG_ID.fullmatch(v) is not None, "Must be an organisation id.")),
        load_default=list,
    )


class ConvenantOut(ConvenantTermsOut):
    parties = ma.fields.List(ma.fields.String(), required=True)


class PartyIn(f.StrictSchema):
    organisation_id = ma.fields.String(
        required=True, validate=f.rule(lambda v: ORG_ID.fullmatch(v) is not None, "Must be an organisation id.")
    )

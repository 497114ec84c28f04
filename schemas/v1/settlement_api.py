"""API bodies around settlements: what the debt counsellor posts besides messages (creditors to add, what it
recorded by hand, a move), the listings' arguments, and the views each party gets back. The messages
themselves are ``schemas.v1.settlement``; the sealed payloads ``schemas.v1.settlement_payloads``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from schemas.v1 import fields as f
from schemas.v1 import vocab
from schemas.v1.directory import Base64Bytes, Strict
from schemas.v1.fields import ORG_ID
from schemas.v1.settlement import ANSWERS, REJECT_REASONS, cents, choice, sealed_part, uuid_field

STATES = ("opened", "inventory", "proposal", "negotiation", "agreed", "running", "completed", "failed", "withdrawn")

# --- bodies ---------------------------------------------------------------------------------------


class AddCreditorIn(f.StrictSchema):
    """A creditor in the hub (``creditor_id``), or one handled outside it (``sealed_note``: who it is, sealed
    by the counsellor for itself, kind ``settlement.creditor_note``, message id = ``participant_id``)."""

    participant_id = uuid_field("Participant id", required=True)
    creditor_id = ma.fields.String(
        validate=f.rule(lambda v: ORG_ID.fullmatch(v) is not None, "Creditor must be an organisation id."),
        metadata={"pattern": f"^{ORG_ID.pattern}$"},
    )
    sector = choice("Sector", tuple(vocab.SECTORS))
    sealed_note = sealed_part("Sealed note")

    @ma.validates_schema
    def _one_of(self, data: dict[str, Any], **_: Any) -> None:
        if ("creditor_id" in data) == ("sealed_note" in data):
            raise ma.ValidationError("Give creditor_id (in the hub) or sealed_note (outside the hub), not both.")


class ClaimByHandIn(f.StrictSchema):
    principal_cents = cents("Principal", required=True)
    interest_cents = cents("Interest", required=True)
    costs_cents = cents("Costs", required=True)
    preferential = f.boolean("Preferential", required=True)


class AnswerByHandIn(f.StrictSchema):
    answer = choice("Answer", ANSWERS, required=True)
    reason = choice("Reason", REJECT_REASONS)


class RecordIn(f.StrictSchema):
    """What came in outside the hub. ``answer`` only for a creditor handled outside the hub."""

    claim = ma.fields.Nested(ClaimByHandIn)
    answer = ma.fields.Nested(AnswerByHandIn)

    @ma.validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("claim") and not data.get("answer"):
            raise ma.ValidationError("Record a claim, an answer, or both.")


class TransitionIn(f.StrictSchema):
    state = choice("State", STATES, required=True)


class SettlementPageArgs(Strict):
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**63 - 1))  # a BIGINT seq
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))


class DossierPageArgs(SettlementPageArgs):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATES))


class ReferralPageArgs(SettlementPageArgs):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("pending", "accepted", "declined")))


class MessagePageArgs(SettlementPageArgs):
    unacknowledged = ma.fields.Boolean(load_default=False, metadata={"description": "only those not acknowledged"})


# --- views ----------------------------------------------------------------------------------------


class SealedBlobOut(Strict):
    recipient = ma.fields.String(required=True)
    key_id = ma.fields.String(required=True)
    suite = ma.fields.String(required=True)
    ciphertext = Base64Bytes(required=True)


class ReferralOut(Strict):
    id = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True)
    case_id = ma.fields.String(required=True)
    municipality_id = ma.fields.String(required=True)
    debt_help_id = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "pending, accepted or declined"})
    decline_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    sealed_identity = ma.fields.Nested(
        SealedBlobOut, allow_none=True, metadata={"description": "debt-help, while pending; deleted once decided"}
    )


class ReferralPage(Strict):
    referrals = ma.fields.List(ma.fields.Nested(ReferralOut), required=True)
    next_after = ma.fields.Integer(allow_none=True)


class ConvenantTermsOut(Strict):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    response_days = ma.fields.Integer(required=True)
    reminder_days = ma.fields.Integer(required=True)
    pause_on_notice = ma.fields.Boolean(required=True)
    accepts_compliant_in_advance = ma.fields.Boolean(required=True)
    term_months = ma.fields.Integer(required=True)
    preferential_min_share_bp = ma.fields.Integer(required=True)


class ClaimOut(Strict):
    state = ma.fields.String(required=True, metadata={"description": "none, stated or refused"})
    principal_cents = ma.fields.Integer(allow_none=True)
    interest_cents = ma.fields.Integer(allow_none=True)
    costs_cents = ma.fields.Integer(allow_none=True)
    total_cents = ma.fields.Integer(allow_none=True)
    preferential = ma.fields.Boolean(allow_none=True)
    agreed_in_advance = ma.fields.String(allow_none=True)
    recorded_by = ma.fields.String(allow_none=True, metadata={"description": "creditor, or debt_help by hand"})
    refusal_reason = ma.fields.String(allow_none=True)


class AnswerOut(Strict):
    answer = ma.fields.String(required=True)
    reason = ma.fields.String(allow_none=True)
    under_convenant = ma.fields.String(allow_none=True, metadata={"description": "accepted in advance under it"})
    recorded_by = ma.fields.String(required=True, metadata={"description": "creditor, convenant or debt_help"})
    answered_at = ma.fields.AwareDateTime(required=True)


class DeadlineOut(Strict):
    request = ma.fields.String(required=True)
    due_at = ma.fields.AwareDateTime(required=True)
    remind_at = ma.fields.AwareDateTime(required=True)
    reminder_sent_at = ma.fields.AwareDateTime(allow_none=True)
    escalated_at = ma.fields.AwareDateTime(allow_none=True)
    overdue = ma.fields.Boolean(required=True)


class ParticipantOut(Strict):
    participant_id = ma.fields.String(required=True)
    creditor_id = ma.fields.String(allow_none=True)
    handled_outside = ma.fields.Boolean(required=True)
    sector = ma.fields.String(allow_none=True)
    convenant = ma.fields.Nested(ConvenantTermsOut, allow_none=True)
    contacted = ma.fields.Boolean(required=True)
    collection_paused = ma.fields.Boolean(required=True)
    claim = ma.fields.Nested(ClaimOut, required=True)
    share_cents = ma.fields.Integer(allow_none=True)
    answer = ma.fields.Nested(AnswerOut, allow_none=True)
    deadline = ma.fields.Nested(DeadlineOut, allow_none=True)
    sealed_note = ma.fields.Nested(SealedBlobOut, allow_none=True)


class ShareOut(Strict):
    participant_id = ma.fields.String(required=True)
    admitted_cents = ma.fields.Integer(required=True)
    preferential = ma.fields.Boolean(required=True)
    share_cents = ma.fields.Integer(required=True)


class ConvenantCheckOut(Strict):
    participant_id = ma.fields.String(required=True)
    convenant_id = ma.fields.String(required=True)
    compliant = ma.fields.Boolean(required=True, metadata={"description": "accepted at once when sent"})
    reason = ma.fields.String(allow_none=True)


class ProposalOut(Strict):
    id = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    monthly_capacity_cents = ma.fields.Integer(required=True)
    term_months = ma.fields.Integer(required=True)
    lump_sum_cents = ma.fields.Integer(required=True)
    preferential_share_bp = ma.fields.Integer(required=True)
    amount_offered_cents = ma.fields.Integer(required=True)
    total_admitted_cents = ma.fields.Integer(required=True)
    percentage_bp = ma.fields.Integer(required=True, metadata={"description": "offered / admitted, basis points"})
    created_at = ma.fields.AwareDateTime(required=True)
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    shares = ma.fields.List(ma.fields.Nested(ShareOut), required=True)
    convenant_checks = ma.fields.List(ma.fields.Nested(ConvenantCheckOut))


class DossierSummaryOut(Strict):
    id = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True)
    case_id = ma.fields.String(required=True)
    referral_id = ma.fields.String(required=True)
    municipality_id = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    first_payment_on = ma.fields.Date(allow_none=True)
    opened_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class DossierOut(DossierSummaryOut):
    """The counsellor's dossier: every creditor with its claim, share, answer and deadline."""

    allowed_states = ma.fields.List(ma.fields.String(), required=True)
    proposal = ma.fields.Nested(ProposalOut, allow_none=True)
    creditors = ma.fields.List(ma.fields.Nested(ParticipantOut), required=True)


class DossierPage(Strict):
    dossiers = ma.fields.List(ma.fields.Nested(DossierSummaryOut), required=True)
    next_after = ma.fields.Integer(allow_none=True)


class DossierSignalOut(Strict):
    id = ma.fields.String(required=True)
    creditor_id = ma.fields.String(required=True)
    sector = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    amount_cents = ma.fields.Integer(required=True)
    arrears_since = ma.fields.Date(required=True)
    signal_date = ma.fields.Date(required=True)

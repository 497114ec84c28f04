"""The hub-visible envelopes of the settlement exchange (referral and minnelijke schuldregeling), as the
debt-help organisation, the creditors and the municipality post them.

Every message names its ``message_id`` (a UUID chosen by the sender: the idempotency key and part of the
HPKE ``info`` of its sealed part), the facts the hub may read (amounts in cents, codes, dates) and one
sealed part for its recipient (``SealedBlobSchema``; the plaintext is in ``settlement_payloads``). Strict:
unknown fields are errors, and no message repeats a submitted value.
"""

from __future__ import annotations

import re
from typing import Any, Final

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.v1 import fields as f
from schemas.v1.fields import ORG_ID
from schemas.v1.signal import SealedBlobSchema

#: Bounds: a claim of at most 1,000,000 euro; at most 100 creditors in one dossier (average 14, up to 40).
MAX_CLAIM_CENTS: Final = 100_000_000
MAX_PARTICIPANTS: Final = 100
MAX_TERM_MONTHS: Final = 120
BASIS_POINTS: Final = 10_000
CASE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:_-]{0,63}")
CONVENANT_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]")

PROPOSAL_KINDS: Final = ("regular", "saneringskrediet", "sa")
ANSWERS: Final = ("accept", "reject")
REJECT_REASONS: Final = ("percentage_too_low", "term_too_long", "claim_incorrect", "recent_debt", "fraud", "other")
REFUSAL_REASONS: Final = ("no_convenant", "recent_debt", "fraud", "claim_disputed", "other")
STATUS_CODES: Final = (
    "in_progress",
    "collection_paused",
    "collection_resumed",
    "payment_received",
    "payment_missed",
    "waiting_for_information",
    "other",
)
DECLINE_REASONS: Final = ("no_capacity", "out_of_area", "not_eligible", "household_declined", "other")
OUTCOMES: Final = ("completed", "failed", "withdrawn")
END_REASONS: Final = ("term_completed", "payments_stopped", "household_withdrew", "court_procedure", "other")


def uuid_field(label: str, **kw: Any) -> fields.UUID:
    return fields.UUID(error_messages=f.messages(label, invalid_uuid=f"{label} must be a UUID."), **kw)


def choice(label: str, choices: tuple[str, ...], **kw: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(choices, error=f"{label} must be one of: {', '.join(choices)}."),
        error_messages=f.messages(label, invalid=f"{label} must be text."),
        **kw,
    )


def matching(label: str, pattern: re.Pattern[str], hint: str, **kw: Any) -> fields.String:
    return fields.String(
        validate=f.rule(lambda value: pattern.fullmatch(value) is not None, f"{label} {hint}."),
        error_messages=f.messages(label, invalid=f"{label} must be text."),
        metadata={"pattern": f"^{pattern.pattern}$"},
        **kw,
    )


def cents(label: str, **kw: Any) -> fields.Integer:
    return f.integer(label, minimum=0, maximum=MAX_CLAIM_CENTS, unit="cents", **kw)


def sealed_part(label: str = "Sealed part", **kw: Any) -> fields.Nested:
    return fields.Nested(SealedBlobSchema, error_messages=f.messages(label), **kw)


def convenant_id(label: str = "Convenant", **kw: Any) -> fields.String:
    return matching(label, CONVENANT_ID, "must be a convenant id (lower-case letters, digits, hyphens)", **kw)


# --- municipality -> hub -> debt-help -------------------------------------------------------------


class ReferralSchema(f.StrictSchema):
    """A referral (doorverwijzing) of a household case to a debt-help organisation, with the identity
    re-sealed for it (kind ``referral.identity``, message id = ``referral_id``)."""

    referral_id = uuid_field("Referral id", required=True)
    case_id = matching("Case id", CASE_ID, "must be the hub's case id", required=True)
    debt_help_id = matching("Debt-help organisation", ORG_ID, "must be an organisation id", required=True)
    sealed_identity = sealed_part("Sealed identity", required=True)


class DeclineSchema(f.StrictSchema):
    reason = choice("Reason", DECLINE_REASONS, required=True)


# --- debt-help -> creditor ------------------------------------------------------------------------


class OutgoingSchema(f.StrictSchema):
    """One message to one creditor of the dossier, sealed for that creditor (kind ``settlement.<kind>``)."""

    message_id = uuid_field("Message id", required=True)
    participant_id = uuid_field("Participant", required=True)
    sealed = sealed_part(required=True)


class StatusOutSchema(OutgoingSchema):
    status = choice("Status", STATUS_CODES, required=True)


def _batch(item: type[f.StrictSchema], minimum: int = 1) -> fields.List[Any]:
    return fields.List(
        fields.Nested(item),
        required=True,
        validate=validate.Length(
            min=minimum, max=MAX_PARTICIPANTS, error=f"List {minimum} to {MAX_PARTICIPANTS} messages."
        ),
        error_messages=f.messages("Messages", invalid="Messages must be a list."),
    )


class OutgoingBatchSchema(f.StrictSchema):
    """Notices, claim requests, proposals, reconsiderations: one message per creditor addressed."""

    messages = _batch(OutgoingSchema)


class StatusBatchSchema(f.StrictSchema):
    messages = _batch(StatusOutSchema)


class AgreedBatchSchema(f.StrictSchema):
    """Schuldregeling akkoord: to every creditor in the hub; the settlement starts on ``first_payment_on``."""

    first_payment_on = f.date("First payment date", required=True)
    messages = _batch(OutgoingSchema, minimum=0)


class EndedBatchSchema(f.StrictSchema):
    """Schuldregeling beëindigd: to every creditor that heard of the dossier."""

    outcome = choice("Outcome", OUTCOMES, required=True)
    reason = choice("Reason", END_REASONS, required=True)
    messages = _batch(OutgoingSchema, minimum=0)


# --- creditor -> debt-help ------------------------------------------------------------------------


class CreditorMessageSchema(f.StrictSchema):
    """What every creditor message has: its id and the part sealed for the debt-help organisation."""

    message_id = uuid_field("Message id", required=True)
    sealed = sealed_part(required=True)


class ClaimStatementSchema(CreditorMessageSchema):
    """Saldoverzoek antwoord: the claim in cents, whether it is preferential, and whether the creditor
    agrees in advance under a convenant (``agreed_in_advance``: that convenant's id)."""

    principal_cents = cents("Principal", required=True)
    interest_cents = cents("Interest", required=True)
    costs_cents = cents("Costs", required=True)
    preferential = f.boolean("Preferential", required=True)
    agreed_in_advance = convenant_id("Agreed in advance under convenant", allow_none=True)

    @validates_schema
    def _total_within_bounds(self, data: dict[str, Any], **_: Any) -> None:
        total = sum(data.get(k, 0) for k in ("principal_cents", "interest_cents", "costs_cents"))
        if total > MAX_CLAIM_CENTS:
            raise ValidationError(f"The claim may total at most {MAX_CLAIM_CENTS} cents.", "principal_cents")


class ProposalAnswerSchema(CreditorMessageSchema):
    """Betaalvoorstel antwoord: accept, or reject with a reason code (the motivation goes sealed)."""

    answer = choice("Answer", ANSWERS, required=True)
    reason = choice("Reason", REJECT_REASONS, allow_none=True)

    @validates_schema
    def _reason_with_reject(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("answer") == "reject" and not data.get("reason"):
            raise ValidationError("A rejection needs a reason.", "reason")
        if data.get("answer") == "accept" and data.get("reason"):
            raise ValidationError("An acceptance has no reason; leave it out.", "reason")


class RefusalSchema(CreditorMessageSchema):
    """Geen medewerking: the creditor will not take part in the settlement."""

    reason = choice("Reason", REFUSAL_REASONS, required=True)


class CreditorStatusSchema(CreditorMessageSchema):
    status = choice("Status", STATUS_CODES, required=True)


class StatusRequestSchema(CreditorMessageSchema):
    """Statusverzoek: the question goes sealed."""


# --- the proposal the hub checks before it goes out -------------------------------------------------


class ShareSchema(f.StrictSchema):
    participant_id = uuid_field("Participant", required=True)
    share_cents = cents("Share", required=True)


class ProposalSchema(f.StrictSchema):
    """A settlement proposal (betaalvoorstel) as the debt counsellor computed it. The hub recomputes the
    shares (hub/domain/settlement_math.py, docs/settlements.md) and refuses a proposal whose shares differ,
    naming the correct ones. ``lump_sum_cents`` only for a saneringskrediet; an SA offers nothing."""

    proposal_id = uuid_field("Proposal id", required=True)
    kind = choice("Kind", PROPOSAL_KINDS, required=True)
    monthly_capacity_cents = cents("Monthly repayment capacity", load_default=0)
    term_months = f.integer("Term", minimum=0, maximum=MAX_TERM_MONTHS, unit="months", load_default=0)
    lump_sum_cents = cents("Lump sum", load_default=0)
    preferential_share_bp = f.integer(
        "Preferential share", minimum=0, maximum=BASIS_POINTS, unit="basis points of the claim", load_default=0
    )
    shares = fields.List(
        fields.Nested(ShareSchema),
        required=True,
        validate=validate.Length(max=MAX_PARTICIPANTS, error=f"At most {MAX_PARTICIPANTS} shares."),
        error_messages=f.messages("Shares", invalid="Shares must be a list."),
    )

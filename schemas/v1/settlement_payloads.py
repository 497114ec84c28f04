"""The sealed parts of the settlement exchange: plaintext only at the adapters, never at the hub.

The sender validates a payload before sealing it for the recipient, and the recipient after opening it.
The HPKE ``info`` is ``signaalhub/v1|<kind>|<message id>|<recipient>|<key id>`` with these kinds:

| kind | payload | sealed by, for |
|---|---|---|
| ``referral.identity`` | :class:`ReferralIdentitySchema` | municipality, for the debt-help organisation |
| ``settlement.notice`` | :class:`NoticePayloadSchema` | debt-help, for a creditor |
| ``settlement.<other kind>`` | :class:`NotePayloadSchema` | the sender, for the recipient |
| ``settlement.creditor_note`` | :class:`CreditorNotePayloadSchema` | debt-help, for itself (creditor outside the hub) |

Exactly these fields (data minimisation); unknown fields are errors.
"""

from __future__ import annotations

from typing import Any, Final

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.v1 import fields as f
from schemas.v1.identity import AddressSchema, DebtorSchema

KIND_REFERRAL_IDENTITY: Final = "referral.identity"
KIND_CREDITOR_NOTE: Final = "settlement.creditor_note"
MAX_NOTE_LENGTH: Final = 2000
_REFERENCE_HINT = "may contain only letters, digits, spaces and . _ / -"


def _is_reference(text: str) -> bool:
    return all((char.isascii() and char.isalnum()) or char in " ._/-" for char in text)


def _reference(label: str, **kw: Any) -> f.Text:
    return f.Text(label=label, max_length=64, check=_is_reference, hint=_REFERENCE_HINT, **kw)


def _debtors() -> fields.List[Any]:
    return fields.List(
        fields.Nested(DebtorSchema),
        required=True,
        validate=validate.Length(min=1, max=2, error="Name one debtor, or two for a joint household."),
        error_messages=f.messages("Debtors", invalid="Debtors must be a list of one or two people."),
    )


class CounsellorSchema(f.StrictSchema):
    """How the creditor reaches the debt counsellor handling the case (work contact details)."""

    name = f.Text(label="Counsellor name", max_length=200, required=True)
    phone = f.phone()
    email = f.email()


class ReferralIdentitySchema(f.StrictSchema):
    """Who the household is, re-sealed by the municipality's adapter for the debt-help organisation."""

    debtors = _debtors()
    address = fields.Nested(AddressSchema, required=True, error_messages=f.messages("Address"))
    municipality_reference = _reference("Municipality reference")


class NoticePayloadSchema(f.StrictSchema):
    """Kennisgeving: who the debtor is (so the creditor finds the account) and whom to contact."""

    debtors = _debtors()
    address = fields.Nested(AddressSchema, required=True, error_messages=f.messages("Address"))
    creditor_reference = _reference("Creditor reference")
    counsellor = fields.Nested(CounsellorSchema, error_messages=f.messages("Counsellor"))

    @validates_schema
    def _no_bsn(self, data: dict[str, Any], **_: Any) -> None:
        # A creditor that holds a BSN has it already; the others may not receive one (data minimisation).
        if any("bsn" in debtor for debtor in data.get("debtors", [])):
            raise ValidationError("A notice carries no BSN; leave it out.", "debtors")


class NotePayloadSchema(f.StrictSchema):
    """Every other message: the creditor's reference of the account, and free text (motivation, question,
    specification of a claim), which may name people and therefore travels sealed."""

    creditor_reference = _reference("Creditor reference")
    note = f.Text(label="Note", max_length=MAX_NOTE_LENGTH)


class CreditorNotePayloadSchema(f.StrictSchema):
    """A creditor outside the hub, as the debt counsellor records it for itself."""

    creditor_name = f.Text(label="Creditor name", max_length=200, required=True)
    creditor_reference = _reference("Creditor reference")
    note = f.Text(label="Note", max_length=MAX_NOTE_LENGTH)


def payload_schema(kind: str) -> f.StrictSchema:
    """The schema of the plaintext sealed under HPKE kind ``kind``."""
    if kind == KIND_REFERRAL_IDENTITY:
        return ReferralIdentitySchema()
    if kind == KIND_CREDITOR_NOTE:
        return CreditorNotePayloadSchema()
    if kind == "settlement.notice":
        return NoticePayloadSchema()
    if kind.startswith("settlement."):
        return NotePayloadSchema()
    raise ValueError("not a settlement payload kind")

"""API bodies around signals: submission results, the views each party gets, and the municipality's
outcome. The submitted envelope itself is ``schemas.v1.signal``."""

from __future__ import annotations

import marshmallow as ma

from schemas.v1.ddas import SIGNAL_STATUSES
from schemas.v1.directory import Base64Bytes, Strict

OUTCOME_STATUSES = ("Opgepakt", *SIGNAL_STATUSES[1:])


class SubmitResult(Strict):
    signal_id = ma.fields.String(required=True)
    outcome = ma.fields.String(
        required=True, metadata={"description": "created, or duplicate of an identical earlier submission"}
    )
    state = ma.fields.String(required=True)


class BatchResult(Strict):
    results = ma.fields.List(ma.fields.Nested(SubmitResult), required=True)


class SealedOut(Strict):
    part = ma.fields.String(required=True, metadata={"description": "identity (municipality) or reference (creditor)"})
    recipient = ma.fields.String(required=True)
    key_id = ma.fields.String(required=True)
    suite = ma.fields.String(required=True)
    ciphertext = Base64Bytes(required=True)


class CrisisOut(Strict):
    kind = ma.fields.String(required=True)
    date = ma.fields.Date(required=True)


class AttestationsOut(Strict):
    personal_contact_attempted = ma.fields.Date(required=True)
    debt_help_pointed_out = ma.fields.Date(required=True)
    written_reminder_sent = ma.fields.Date(required=True)
    transfer_offered = ma.fields.Date(required=True)


class SignalView(Strict):
    """A stored signal as its creditor or its municipality sees it."""

    id = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True, metadata={"description": "order of arrival; pass as `after` to page"})
    creditor_id = ma.fields.String(metadata={"description": "municipality's view only"})
    sector = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    amount_cents = ma.fields.Integer(required=True)
    arrears_since = ma.fields.Date(required=True)
    signal_date = ma.fields.Date(required=True)
    periods_in_arrears = ma.fields.Integer(required=True)
    periodic_charge_cents = ma.fields.Integer(required=True)
    crisis = ma.fields.Nested(CrisisOut, allow_none=True)
    warm_handover = ma.fields.Boolean(required=True)
    attestations = ma.fields.Nested(AttestationsOut, required=True)
    municipality_code = ma.fields.String(required=True)
    routing_version = ma.fields.String(required=True)
    supersedes = ma.fields.String(allow_none=True)
    state = ma.fields.String(required=True, metadata={"description": "received, delivered, picked_up, not_picked_up"})
    state_reason = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "creditor: repeat_report, unfounded or other_reason when not picked up; municipality: its "
            "DDAS signal status"
        },
    )
    received_at = ma.fields.AwareDateTime(required=True)
    sealed = ma.fields.Nested(
        SealedOut,
        allow_none=True,
        metadata={"description": "the blob sealed for the caller; null once deleted (identity: after acknowledgement)"},
    )


class SignalPage(Strict):
    signals = ma.fields.List(ma.fields.Nested(SignalView), required=True)
    next_after = ma.fields.Integer(
        allow_none=True, metadata={"description": "pass as `after` for the next page; null when this page is the last"}
    )


class PageArgs(Strict):
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**63 - 1))  # a BIGINT seq
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    state = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf(("received", "delivered", "picked_up", "not_picked_up"))
    )


class OutcomeIn(Strict):
    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(OUTCOME_STATUSES),
        metadata={"description": "Opgepakt, or a DDAS EnumSignaalstatus value"},
    )

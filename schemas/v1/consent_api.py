"""API bodies of consent: records and their events, decisions, purposes, signed receipts, the hub's key.

Strict like every schema of the exchange standard: unknown fields are errors. The purposes and the
record rules come from the ``consent`` package, so the API and the policy cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import marshmallow as ma

from consent.purposes import PURPOSES
from consent.records import CASE_ID_PATTERN, MAX_RECIPIENTS, METHODS
from schemas.v1.directory import Strict
from schemas.v1.fields import rule

_PURPOSE_IDS = tuple(PURPOSES)


def _case_id(**kw: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Regexp(
            CASE_ID_PATTERN, error="A case id is 1 to 64 letters, digits, dots, colons, underscores and dashes."
        ),
        metadata={"description": "the household case (its id in the hub); opaque to consent", "example": "c-8f14e45f"},
        **kw,
    )


def _purpose(**kw: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.OneOf(_PURPOSE_IDS, error=f"Must be one of {', '.join(_PURPOSE_IDS)}."),
        metadata={"description": "a purpose id (GET /v1/consent-purposes)"},
        **kw,
    )


def _method(**kw: Any) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.OneOf(METHODS, error=f"Must be one of {', '.join(METHODS)}."),
        metadata={"description": "how the person said it"},
        **kw,
    )


def _unique(values: Sequence[str]) -> bool:
    return len(set(values)) == len(values)


class ConsentIn(Strict):
    case_id = _case_id(required=True)
    purpose = _purpose(required=True)
    recipients = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=64)),
        required=True,
        validate=[
            ma.validate.Length(min=1, max=MAX_RECIPIENTS, error=f"Name 1 to {MAX_RECIPIENTS} organisations."),
            rule(_unique, "Name each organisation once."),
        ],
        metadata={"description": "the organisations that may receive the case's data under this consent"},
    )
    method = _method(required=True)
    given_at = ma.fields.AwareDateTime(required=True, metadata={"description": "when the person gave it"})
    expires_at = ma.fields.AwareDateTime(required=True, metadata={"description": "within the purpose's max term"})


class RenewIn(Strict):
    renewed_at = ma.fields.AwareDateTime(required=True, metadata={"description": "when the person consented again"})
    method = _method(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)


class WithdrawIn(Strict):
    method = _method(required=True)
    withdrawn_at = ma.fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "when the person withdrew it; default now"}
    )


class ConsentEventOut(Strict):
    event = ma.fields.String(required=True, metadata={"description": "given, renewed or withdrawn"})
    occurred_at = ma.fields.AwareDateTime(required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)
    recorded_by = ma.fields.String(required=True)
    method = ma.fields.String(required=True)
    expires_at = ma.fields.AwareDateTime(allow_none=True)


class ConsentOut(Strict):
    id = ma.fields.String(required=True)
    case_id = ma.fields.String(required=True)
    purpose = ma.fields.String(required=True)
    recorder_id = ma.fields.String(required=True)
    recipients = ma.fields.List(ma.fields.String(), required=True)
    method = ma.fields.String(required=True)
    given_at = ma.fields.AwareDateTime(required=True)
    expires_at = ma.fields.AwareDateTime(required=True, metadata={"description": "the current expiry"})
    state = ma.fields.String(required=True, metadata={"description": "active, expired or withdrawn, now"})
    withdrawn_at = ma.fields.AwareDateTime(allow_none=True)
    recorded_at = ma.fields.AwareDateTime(required=True)
    events = ma.fields.List(ma.fields.Nested(ConsentEventOut), required=True)


class ConsentsArgs(Strict):
    case_id = _case_id(required=True)


class CheckIn(Strict):
    purpose = _purpose(required=True)
    case_id = _case_id(required=True)


class DecisionOut(Strict):
    decision_id = ma.fields.Integer(required=True)
    decided_at = ma.fields.AwareDateTime(required=True)
    organisation_id = ma.fields.String(metadata={"description": "listing only: who would receive"})
    purpose = ma.fields.String(required=True)
    case_id = ma.fields.String(required=True)
    allowed = ma.fields.Boolean(required=True)
    code = ma.fields.String(
        required=True,
        metadata={
            "description": "statute or consent (allowed); unknown_purpose, kind_not_eligible, no_consent, "
            "consent_expired or consent_withdrawn (denied)"
        },
    )
    reason = ma.fields.String(required=True)
    basis = ma.fields.String(allow_none=True, metadata={"description": "the law, or the consent citation, relied on"})
    consent_id = ma.fields.String(allow_none=True)


class DecisionsArgs(Strict):
    case_id = _case_id(required=True)
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**63 - 1))  # a BIGINT seq
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))


class BasisOut(Strict):
    kind = ma.fields.String(required=True, metadata={"description": "statute or consent"})
    citation = ma.fields.String(required=True)
    recipient_kinds = ma.fields.List(ma.fields.String(), required=True)


class PurposeOut(Strict):
    id = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    data = ma.fields.String(required=True)
    bases = ma.fields.List(ma.fields.Nested(BasisOut), required=True)
    recorder_kinds = ma.fields.List(ma.fields.String(), required=True)
    max_term_days = ma.fields.Integer(required=True)


class HubKeyEntry(Strict):
    key_id = ma.fields.String(required=True)
    use = ma.fields.String(required=True)
    suite = ma.fields.String(required=True)
    public_key = ma.fields.String(required=True, metadata={"description": "raw Ed25519 key, standard base64"})
    valid_from = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "when the key began to sign (null: not recorded)"}
    )
    valid_until = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "when the key stopped signing after a rotation; null for the current key"},
    )


class HubKeyOut(Strict):
    keys = ma.fields.List(ma.fields.Nested(HubKeyEntry), required=True)


class _Named(Strict):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class _ReceiptPurpose(Strict):
    id = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    data = ma.fields.String(required=True)


class _ReceiptEvent(Strict):
    event = ma.fields.String(required=True)
    occurred_at = ma.fields.String(required=True)
    method = ma.fields.String(required=True)
    expires_at = ma.fields.String(allow_none=True)


class _Withdraw(Strict):
    how = ma.fields.String(required=True)
    effect = ma.fields.String(required=True)


class ReceiptBody(Strict):
    """Every field is signed; times are UTC ``YYYY-MM-DDTHH:MM:SSZ``."""

    version = ma.fields.String(required=True)
    receipt_id = ma.fields.String(required=True)
    issued_at = ma.fields.String(required=True)
    issuer = ma.fields.String(required=True)
    jurisdiction = ma.fields.String(required=True)
    consent_id = ma.fields.String(required=True)
    case_id = ma.fields.String(required=True)
    purpose = ma.fields.Nested(_ReceiptPurpose, required=True)
    legal_basis = ma.fields.String(required=True)
    recorded_by = ma.fields.Nested(_Named, required=True)
    recipients = ma.fields.List(ma.fields.Nested(_Named), required=True)
    method = ma.fields.String(required=True)
    given_at = ma.fields.String(required=True)
    expires_at = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    withdrawn_at = ma.fields.String(allow_none=True)
    events = ma.fields.List(ma.fields.Nested(_ReceiptEvent), required=True)
    withdraw = ma.fields.Nested(_Withdraw, required=True)


class ReceiptSignature(Strict):
    alg = ma.fields.String(required=True, metadata={"example": "ed25519"})
    key_id = ma.fields.String(required=True, metadata={"description": "a key_id of GET /v1/hub-key"})
    value = ma.fields.String(
        required=True,
        metadata={"description": "base64 Ed25519 signature of 'signaalhub/v1|consent-receipt|' + canonical receipt"},
    )


class ReceiptDocument(Strict):
    receipt = ma.fields.Nested(ReceiptBody, required=True)
    signature = ma.fields.Nested(ReceiptSignature, required=True)

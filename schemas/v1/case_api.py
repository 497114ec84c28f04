"""API bodies of household cases: what a municipality sees of a case, and its corrections."""

from __future__ import annotations

import marshmallow as ma

from schemas.v1 import vocab
from schemas.v1.directory import Strict
from schemas.v1.signal_api import CrisisOut

_KINDS = ma.fields.List(
    ma.fields.String(validate=ma.validate.OneOf(vocab.TOKEN_KINDS)),
    required=True,
    metadata={"description": "linkage-token kinds, in vocabulary order"},
)


class CaseSignalOut(Strict):
    id = ma.fields.String(required=True)
    creditor_id = ma.fields.String(required=True)
    sector = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "active or withdrawn"})
    amount_cents = ma.fields.Integer(required=True)
    arrears_since = ma.fields.Date(required=True)
    signal_date = ma.fields.Date(required=True)
    crisis = ma.fields.Nested(CrisisOut, allow_none=True)
    warm_handover = ma.fields.Boolean(required=True)
    state = ma.fields.String(required=True)
    supersedes = ma.fields.String(allow_none=True)
    repeat_of = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "a repeat report (herhaalde melding): the earlier signal of the same creditor and "
            "contract within the linking window, whose amount this one does not exceed"
        },
    )
    received_at = ma.fields.AwareDateTime(required=True)
    joined_at = ma.fields.AwareDateTime(required=True)


class RecordOut(Strict):
    signal_id = ma.fields.String(required=True)
    debtor = ma.fields.Integer(required=True, metadata={"description": "0 or 1: the debtor's place in the signal"})


class PersonOut(Strict):
    id = ma.fields.String(required=True)
    records = ma.fields.List(ma.fields.Nested(RecordOut), required=True)


class LinkOut(Strict):
    signal_id = ma.fields.String(required=True, metadata={"description": "the signal that was linked"})
    debtor = ma.fields.Integer(allow_none=True, metadata={"description": "its debtor (person links)"})
    target_signal_id = ma.fields.String(required=True, metadata={"description": "the stored signal it was linked to"})
    target_debtor = ma.fields.Integer(allow_none=True)
    level = ma.fields.String(required=True, metadata={"description": "person or household"})
    score = ma.fields.Float(
        required=True, metadata={"description": "Fellegi-Sunter weight in bits; above the threshold links"}
    )
    agreed = _KINDS
    disagreed = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(vocab.TOKEN_KINDS)),
        required=True,
        metadata={"description": "kinds both records carried without sharing a token"},
    )
    created_at = ma.fields.AwareDateTime(required=True)


class MergedOut(Strict):
    case_id = ma.fields.String(required=True)
    merged_by = ma.fields.String(required=True, metadata={"description": "signal (it bridged both) or municipality"})
    merged_at = ma.fields.AwareDateTime(required=True)


class CaseView(Strict):
    """One household case (casus): every signal in it, crisis first, the persons, and why each link was made."""

    id = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    origin = ma.fields.String(required=True, metadata={"description": "signal (opened by one) or split"})
    split_from = ma.fields.String(allow_none=True)
    opened_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)
    signals = ma.fields.List(ma.fields.Nested(CaseSignalOut), required=True)
    persons = ma.fields.List(ma.fields.Nested(PersonOut), required=True)
    links = ma.fields.List(ma.fields.Nested(LinkOut), required=True)
    merged_from = ma.fields.List(ma.fields.Nested(MergedOut), required=True)


class CaseSummary(Strict):
    id = ma.fields.String(required=True)
    seq = ma.fields.Integer(required=True, metadata={"description": "order of opening; pass as `after` to page"})
    origin = ma.fields.String(required=True)
    opened_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)
    signal_count = ma.fields.Integer(required=True)
    crisis_date = ma.fields.Date(allow_none=True, metadata={"description": "the nearest crisis date, if any"})
    last_signal_date = ma.fields.Date(allow_none=True)


class CasePage(Strict):
    cases = ma.fields.List(ma.fields.Nested(CaseSummary), required=True)
    next_after = ma.fields.Integer(allow_none=True)


class CasePageArgs(Strict):
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**63 - 1))  # a BIGINT seq
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    signal_id = ma.fields.String(load_default=None, metadata={"description": "only the case holding this signal"})


class SplitIn(Strict):
    signal_ids = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=36)),
        required=True,
        validate=ma.validate.Length(min=1, max=1000),
        metadata={"description": "signals of the case that form a case of their own"},
    )


class MergeIn(Strict):
    case_id = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=36),
        metadata={"description": "the case merged into this one"},
    )

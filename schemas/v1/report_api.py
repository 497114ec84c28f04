"""API bodies of reports: the inbox, one report with its sealed identities, acknowledgements and outcomes."""

from __future__ import annotations

import marshmallow as ma

from schemas.v1.case_api import CaseSignalOut, CaseView
from schemas.v1.ddas import CONTACT_KINDS, PARTS_OF_DAY, RESULTS
from schemas.v1.directory import Base64Bytes, Strict


class ReportHeader(Strict):
    id = ma.fields.String(required=True, metadata={"description": "the household case's id"})
    version = ma.fields.Integer(required=True)
    change_seq = ma.fields.Integer(required=True, metadata={"description": "pass as `after` to get later changes"})
    state = ma.fields.String(required=True, metadata={"description": "new, in_progress, closed, merged"})
    acknowledged_version = ma.fields.Integer(required=True)
    result = ma.fields.String(allow_none=True)
    result_on = ma.fields.Date(allow_none=True)
    updated_at = ma.fields.AwareDateTime(required=True)
    signal_count = ma.fields.Integer()
    crisis_date = ma.fields.Date(allow_none=True, metadata={"description": "the nearest crisis date, if any"})


class SealedIdentityOut(Strict):
    recipient = ma.fields.String(required=True)
    key_id = ma.fields.String(required=True)
    suite = ma.fields.String(required=True)
    ciphertext = Base64Bytes(required=True)


class ReportSignalOut(CaseSignalOut):
    sealed_identity = ma.fields.Nested(
        SealedIdentityOut,
        allow_none=True,
        metadata={"description": "sealed for you; null once you acknowledged a version holding it"},
    )


class ReportCaseOut(CaseView):
    signals = ma.fields.List(ma.fields.Nested(ReportSignalOut), required=True)


class ContactOut(Strict):
    kind = ma.fields.String(required=True)
    reached = ma.fields.Boolean(required=True)
    date = ma.fields.Date(required=True)
    part_of_day = ma.fields.String(allow_none=True)


class ReportOut(ReportHeader):
    case = ma.fields.Nested(ReportCaseOut, required=True)
    contacts = ma.fields.List(ma.fields.Nested(ContactOut), required=True)


class InboxArgs(Strict):
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**63 - 1))  # a BIGINT seq
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    unacknowledged = ma.fields.Boolean(load_default=False)


class AcknowledgeIn(Strict):
    version = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))


class ContactIn(Strict):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(CONTACT_KINDS))
    reached = ma.fields.Boolean(required=True)
    date = ma.fields.Date(required=True)
    part_of_day = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(PARTS_OF_DAY))


class ResultIn(Strict):
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(RESULTS))
    date = ma.fields.Date(required=True)


class StatisticsArgs(Strict):
    from_ = ma.fields.Date(required=True, data_key="from")
    to = ma.fields.Date(required=True)


class StatisticsOut(Strict):
    # the service's dict says "from" (a keyword in Python, so the field is from_): read that key
    from_ = ma.fields.Date(required=True, data_key="from", attribute="from")
    to = ma.fields.Date(required=True)
    suppressed_below = ma.fields.Integer(required=True, metadata={"description": "counts under this are null"})
    signals = ma.fields.Integer(allow_none=True)
    signals_by_sector = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(allow_none=True))
    households = ma.fields.Integer(allow_none=True)
    multi_creditor_share = ma.fields.Float(allow_none=True)
    crisis_share = ma.fields.Float(allow_none=True)
    contact_rate = ma.fields.Float(allow_none=True, metadata={"description": "households reached / households"})
    help_acceptance_rate = ma.fields.Float(
        allow_none=True, metadata={"description": "households that accepted help / households reached"}
    )
    median_arrears_cents = ma.fields.Integer(allow_none=True, metadata={"description": "rounded to whole euros"})

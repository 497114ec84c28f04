"""API bodies of data-subject requests (AVG art. 15 and 17), which the municipality makes for the person:
the access export of everything the hub holds for a case, and the erasure of a case.

The export lists items as the hub holds them: pseudonymous and sealed. Every item says what it is
(``kind``, ``what``), when it was stored, until when it is kept and by which rule, who can open it
(``sealed_for``: the organisation and key a sealed envelope is sealed for) and which organisations can read
its hub-visible ``facts`` through the API. Tokens are counted, never shown; ciphertext is sized, never
included. docs/consent.md describes both requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import marshmallow as ma

from schemas.v1.directory import Strict

#: The grounds of AVG art. 17(1) a municipality can name for an erasure.
ERASURE_GROUNDS: Mapping[str, str] = MappingProxyType(
    {
        "no_longer_needed": "AVG art. 17(1)(a): no longer necessary for the purposes",
        "consent_withdrawn": "AVG art. 17(1)(b): consent withdrawn and no other legal ground",
        "objection": "AVG art. 17(1)(c): objection under art. 21(1) with no overriding legitimate grounds",
        "unlawful": "AVG art. 17(1)(d): unlawfully processed",
        "legal_obligation": "AVG art. 17(1)(e): erasure required by a legal obligation",
    }
)

#: Every kind of item the access export can list, and what it is.
ITEM_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "case": "The household case: the hub's grouping of signals about one household.",
        "signal": "An arrears signal from a creditor: the facts the hub may read (sector, amount, dates, flags).",
        "person_record": "A debtor of a signal, as a person id the hub assigned when matching; no identity.",
        "sealed_envelope": "Personal data sealed (HPKE) for one organisation's key; the hub cannot open it.",
        "tokens": "Linkage tokens of one kind on one signal, hashed again with the hub's key; nobody can read "
        "them back, so they are counted, never shown.",
        "link": "Why two signals were linked: the token kinds that agreed and the match score.",
        "report": "The municipality's report of the case (state, version, result).",
        "report_version": "One version of the report: when and why it changed.",
        "report_contact": "A contact attempt the municipality recorded (kind, reached, date).",
        "consent_record": "A consent the person gave, for one purpose and the organisations named.",
        "consent_event": "A lifecycle event of a consent: given, renewed or withdrawn.",
        "consent_decision": "A decision whether an organisation could receive the case's data for a purpose.",
        "referral": "The municipality's referral of the case to a debt-help organisation.",
        "dossier": "The debt-help organisation's settlement dossier for the case.",
        "dossier_creditor": "A creditor in the settlement dossier, with the claim and answer the hub may read.",
        "proposal": "A settlement proposal's arithmetic (capacity, term, amounts).",
        "settlement_message": "A settlement message between debt help and a creditor: its hub-visible facts.",
        "outbox_event": "A notification to an organisation that something about the case changed (ids only).",
        "webhook_delivery": "An attempt to deliver such a notification to the organisation's webhook.",
        "evidence_entry": "An entry of the hub's evidence log: who did what to which object, with the signed "
        "request as proof.",
    }
)


class SealedFor(Strict):
    organisation_id = ma.fields.String(
        required=True, metadata={"description": "the only organisation that can open it"}
    )
    key_id = ma.fields.String(required=True, metadata={"description": "its encryption key (GET /v1/directory)"})
    suite = ma.fields.String(required=True, metadata={"description": "mlkem768-x25519 or x25519"})
    size_bytes = ma.fields.Integer(required=True, metadata={"description": "the ciphertext's size; never included"})


class ExportItem(Strict):
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(tuple(ITEM_KINDS)),
        metadata={"description": "what kind of item: " + ", ".join(ITEM_KINDS)},
    )
    id = ma.fields.String(required=True, metadata={"description": "its id in the hub (unique within its kind)"})
    what = ma.fields.String(required=True, metadata={"description": "what an item of this kind is, in words"})
    stored_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    kept_until = ma.fields.AwareDateTime(
        allow_none=True,
        required=True,
        metadata={"description": "when the hub deletes it by its retention rule; null when no term runs"},
    )
    retention = ma.fields.String(required=True, metadata={"description": "the rule that ends it, in words"})
    sealed_for = ma.fields.Nested(
        SealedFor, allow_none=True, required=True, metadata={"description": "null for what is not sealed"}
    )
    readable_by = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "organisations that can read or open it through the hub; empty: nobody"},
    )
    facts = ma.fields.Dict(
        keys=ma.fields.String(), required=True, metadata={"description": "what the hub can read of it (no identity)"}
    )


class AccessExportOut(Strict):
    case_id = ma.fields.String(required=True, metadata={"description": "the live case"})
    case_ids = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "the case and the cases merged into it"}
    )
    municipality_id = ma.fields.String(required=True)
    generated_at = ma.fields.AwareDateTime(required=True)
    counts = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True, metadata={"description": "items per kind"}
    )
    items = ma.fields.List(ma.fields.Nested(ExportItem), required=True)


class ErasureIn(Strict):
    ground = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(tuple(ERASURE_GROUNDS), error=f"Must be one of {', '.join(ERASURE_GROUNDS)}."),
        metadata={
            "description": "the AVG art. 17(1) ground: " + "; ".join(f"{k}: {v}" for k, v in ERASURE_GROUNDS.items())
        },
    )


class ErasureOut(Strict):
    case_id = ma.fields.String(required=True)
    case_ids = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "every id now answering 410"})
    municipality_id = ma.fields.String(required=True)
    ground = ma.fields.String(required=True)
    legal_ground = ma.fields.String(required=True)
    erased_at = ma.fields.AwareDateTime(required=True)
    erased_by = ma.fields.String(required=True)
    evidence_seq = ma.fields.Integer(required=True, metadata={"description": "the evidence entry of the erasure"})
    deleted = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True, metadata={"description": "rows per kind"}
    )
    retained = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "what is kept after erasure, and the legal reason"},
    )
    notified = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "organisations sent a case.erased event"}
    )

"""Signed consent receipts (after the Kantara consent receipt), verifiable offline with the hub's key.

A receipt document is ``{"receipt": {...}, "signature": {"alg": "ed25519", "key_id": ..., "value": ...}}``,
issued as canonical JSON (UTF-8, keys sorted, separators ``,`` and ``:``, no escapes beyond JSON's own).
The signature is Ed25519 over ``SIGNING_CONTEXT`` followed by the receipt's canonical JSON. A verifier
takes the file exactly as issued: it must be canonical (one trailing newline allowed), so that no altered
byte, not even one that leaves the parsed values equal, passes. The hub publishes its key at
``GET /v1/hub-key``; the key id is derived from the key itself.

Standard library only: the caller injects the Ed25519 operations (``hub.crypto`` on the hub's side), so
anyone can verify a receipt with the published key and no hub.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from consent.purposes import CONSENT_CITATION, Purpose
from consent.records import ConsentRecord

RECEIPT_VERSION = "signaalhub-consent-receipt/1"
SIGNING_CONTEXT = b"signaalhub/v1|consent-receipt|"
ED25519_PUBLIC_BYTES = 32

#: ``verify(public_key, signature, data) -> bool``: an Ed25519 verification (``hub.crypto.verify_signature``).
Verify = Callable[[bytes, bytes, bytes], bool]
#: ``sign(data) -> signature`` with the hub's Ed25519 key (``HubSigner.sign``).
Sign = Callable[[bytes], bytes]


class ReceiptError(ValueError):
    """The document is not a valid receipt of this hub; the message says why."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def key_id_for(public_key: bytes) -> str:
    """The id of a hub signing key: ``hub-ed25519-`` and the first 16 hex digits of its SHA-256."""
    return "hub-ed25519-" + hashlib.sha256(public_key).hexdigest()[:16]


#: A published key: the raw public key, and the time it signed receipts from and until (None: open).
PublishedKey = tuple[bytes, dt.datetime | None, dt.datetime | None]


def hub_key_document(public_keys: Sequence[bytes | PublishedKey]) -> dict[str, Any]:
    """What ``GET /v1/hub-key`` publishes: every key that may have signed a receipt still in use, the current
    one first. ``valid_from``/``valid_until`` say when a key signed (``valid_until`` null: it signs now)."""
    entries = [(key, None, None) if isinstance(key, bytes) else key for key in public_keys]
    return {
        "keys": [
            {
                "key_id": key_id_for(key),
                "use": "signing",
                "suite": "ed25519",
                "public_key": base64.b64encode(key).decode("ascii"),
                "valid_from": _ts(valid_from),
                "valid_until": _ts(valid_until),
            }
            for key, valid_from, valid_until in entries
        ]
    }


def _ts(at: dt.datetime | None) -> str | None:
    return None if at is None else at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_receipt(
    record: ConsentRecord, purpose: Purpose, names: Mapping[str, str], *, receipt_id: str, issued_at: dt.datetime
) -> dict[str, Any]:
    """What was agreed, with whom, for what, until when, and how to withdraw; as at ``issued_at``."""
    status = record.status_at(issued_at)
    recorder = names.get(record.recorder_id, record.recorder_id)
    return {
        "version": RECEIPT_VERSION,
        "receipt_id": receipt_id,
        "issued_at": _ts(issued_at),
        "issuer": "Signaalhub",
        "jurisdiction": "NL",
        "consent_id": record.id,
        "case_id": record.case_id,
        "purpose": {"id": purpose.id, "title": purpose.title, "description": purpose.description, "data": purpose.data},
        "legal_basis": CONSENT_CITATION,
        "recorded_by": {"id": record.recorder_id, "name": recorder},
        "recipients": [{"id": r, "name": names.get(r, r)} for r in record.recipients],
        "method": record.method,
        "given_at": _ts(record.given_at),
        "expires_at": _ts(status.expires_at or record.expires_at),
        "state": status.state,
        "withdrawn_at": _ts(status.withdrawn_at),
        "events": [
            {"event": e.event, "occurred_at": _ts(e.occurred_at), "method": e.method, "expires_at": _ts(e.expires_at)}
            for e in record.events
        ],
        "withdraw": {
            "how": f"Tell {recorder} (or any recipient named here), in person, in writing or digitally, that "
            f"you withdraw consent {record.id}. You need give no reason.",
            "effect": "Withdrawal takes effect at once: from then on the hub refuses every disclosure under "
            "this consent and tells the recipients to stop processing.",
        },
    }


def sign_receipt(receipt: Mapping[str, Any], key_id: str, sign: Sign) -> dict[str, Any]:
    """The receipt document: the receipt and its signature."""
    signature = sign(SIGNING_CONTEXT + canonical(receipt))
    return {
        "receipt": dict(receipt),
        "signature": {"alg": "ed25519", "key_id": key_id, "value": base64.b64encode(signature).decode("ascii")},
    }


def parse_document(data: bytes) -> dict[str, Any]:
    """Strict JSON: UTF-8, one object, no duplicate keys, no NaN or Infinity."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ReceiptError("the document repeats a key")
        return dict(pairs)

    def no_constants(name: str) -> Any:
        raise ReceiptError(f"the document contains {name}, which JSON does not allow")

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReceiptError(f"not a JSON document: {exc}") from exc
    if not isinstance(value, dict):
        raise ReceiptError("not a JSON object")
    return value


def published_keys(document: Mapping[str, Any]) -> dict[str, bytes]:
    """Key id -> raw Ed25519 public key, from the ``GET /v1/hub-key`` document."""
    keys = document.get("keys")
    if not isinstance(keys, list) or not keys:
        raise ReceiptError("the hub key document has no 'keys'")
    found: dict[str, bytes] = {}
    for entry in keys:
        if not isinstance(entry, dict) or entry.get("suite") != "ed25519" or not isinstance(entry.get("key_id"), str):
            raise ReceiptError("each published key needs a key_id and suite ed25519")
        raw = _b64(entry.get("public_key"), "public_key")
        if len(raw) != ED25519_PUBLIC_BYTES:
            raise ReceiptError(f"public key {entry['key_id']} is not {ED25519_PUBLIC_BYTES} bytes")
        found[entry["key_id"]] = raw
    return found


def verify_receipt(data: bytes, keys: Mapping[str, bytes], verify: Verify) -> dict[str, Any]:
    """Return the receipt in ``data`` (the file as issued) when it is canonical and its signature holds
    under one of ``keys``; raise :class:`ReceiptError` saying why not."""
    document = parse_document(data)
    body = data[:-1] if data.endswith(b"\n") else data
    if canonical(document) != body:
        raise ReceiptError("the file is not the canonical JSON the hub issued (altered, or re-formatted)")
    return verify_document(document, keys, verify)


def verify_document(document: Mapping[str, Any], keys: Mapping[str, bytes], verify: Verify) -> dict[str, Any]:
    """Check a parsed document's structure and signature (what :func:`verify_receipt` does after the
    canonical-form check)."""
    if set(document) != {"receipt", "signature"}:
        raise ReceiptError("not a consent receipt: expected exactly 'receipt' and 'signature'")
    receipt, signature = document["receipt"], document["signature"]
    if not isinstance(receipt, dict) or receipt.get("version") != RECEIPT_VERSION:
        raise ReceiptError(f"not a {RECEIPT_VERSION} receipt")
    if not isinstance(signature, dict) or set(signature) != {"alg", "key_id", "value"}:
        raise ReceiptError("the signature must have exactly alg, key_id and value")
    if signature["alg"] != "ed25519":
        raise ReceiptError("the signature algorithm must be ed25519")
    key = keys.get(signature["key_id"]) if isinstance(signature["key_id"], str) else None
    if key is None:
        raise ReceiptError(f"signed with key {signature['key_id']!r}, which is not a published hub key")
    if not verify(key, _b64(signature["value"], "signature value"), SIGNING_CONTEXT + canonical(receipt)):
        raise ReceiptError("the signature does not match: the receipt was altered or not issued by this hub")
    return receipt


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ReceiptError(f"the {what} must be base64 text")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ReceiptError(f"the {what} is not valid base64") from exc
    # only the canonical spelling: padding bits that decode to the same bytes would let an altered
    # document pass as the original
    if base64.b64encode(raw).decode("ascii") != value:
        raise ReceiptError(f"the {what} is not canonical base64")
    return raw

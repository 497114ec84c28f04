"""Signed consent receipts verify offline with the published key alone, and no altered byte passes."""

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from consent import receipts
from consent.purposes import PURPOSES
from consent.records import ConsentEvent, ConsentRecord
from hub.crypto import HubSigner, verify_signature

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
NAMES = {"gm0363": "Gemeente Súdwest-Fryslân", "kredietbank": "Kredietbank Nederland"}


@pytest.fixture
def signer() -> HubSigner:
    return HubSigner(ed25519.Ed25519PrivateKey.generate())


def _record() -> ConsentRecord:
    expires = T0 + dt.timedelta(days=200)
    return ConsentRecord(
        "0b6c2a0e-5f4e-4f43-9d0f-6f8a0f3a9b1c",
        "case-4711",
        "debt_help_referral",
        "gm0363",
        ("kredietbank",),
        "in_person",
        T0,
        expires,
        T0,
        (ConsentEvent("given", T0, T0, "gm0363", "in_person", expires),),
    )


def _document(signer: HubSigner) -> bytes:
    body = receipts.build_receipt(
        _record(), PURPOSES["debt_help_referral"], NAMES, receipt_id="r-1", issued_at=T0 + dt.timedelta(hours=1)
    )
    document = receipts.sign_receipt(body, receipts.key_id_for(signer.public_key()), signer.sign)
    return receipts.canonical(document)


def _published(signer: HubSigner) -> dict[str, bytes]:
    """What a verifier has: the JSON of GET /v1/hub-key, nothing else."""
    wire = json.dumps(receipts.hub_key_document([signer.public_key()]))
    return receipts.published_keys(json.loads(wire))


def _verify(data: bytes, keys: dict[str, bytes]) -> dict[str, Any]:
    return receipts.verify_receipt(data, keys, verify_signature)


def test_receipt_says_what_with_whom_until_when_and_how_to_withdraw(signer: HubSigner) -> None:
    receipt = _verify(_document(signer), _published(signer))
    assert receipt["purpose"]["id"] == "debt_help_referral"
    assert receipt["recipients"] == [{"id": "kredietbank", "name": "Kredietbank Nederland"}]
    assert receipt["recorded_by"]["name"] == "Gemeente Súdwest-Fryslân"
    assert receipt["given_at"] == "2026-11-23T09:00:00Z" and receipt["expires_at"] == "2027-06-11T09:00:00Z"
    assert receipt["state"] == "active" and "withdraw consent" in receipt["withdraw"]["how"]


def test_every_single_byte_alteration_fails(signer: HubSigner) -> None:
    original, keys = _document(signer), _published(signer)
    _verify(original, keys)
    for position in range(len(original)):
        for flip in (0x01, 0x20):
            altered = bytearray(original)
            altered[position] ^= flip
            with pytest.raises(receipts.ReceiptError):
                _verify(bytes(altered), keys)


def test_only_the_file_as_issued_verifies(signer: HubSigner) -> None:
    """Re-formatting keeps the values but not the bytes: refused, so that no byte can change unnoticed
    (an escape spelled in upper case, for one, would denote the same text)."""
    original = _document(signer)
    assert _verify(original + b"\n", _published(signer))["consent_id"] == _record().id
    pretty = json.dumps(json.loads(original), indent=4).encode()
    with pytest.raises(receipts.ReceiptError, match="not the canonical JSON"):
        _verify(pretty, _published(signer))
    escaped = json.dumps(json.loads(original), sort_keys=True, separators=(",", ":")).encode()  # \u00fa
    assert b"\\u00fa" in escaped
    with pytest.raises(receipts.ReceiptError, match="not the canonical JSON"):
        _verify(escaped, _published(signer))
    # the signature itself covers the values, whatever the spelling
    assert receipts.verify_document(json.loads(pretty), _published(signer), verify_signature)


def test_another_hubs_key_does_not_verify(signer: HubSigner) -> None:
    other = HubSigner(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(receipts.ReceiptError, match="not a published hub key"):
        _verify(_document(signer), _published(other))
    impostor = {receipts.key_id_for(signer.public_key()): other.public_key()}
    with pytest.raises(receipts.ReceiptError, match="altered or not issued"):
        _verify(_document(signer), impostor)


def test_ambiguous_or_non_canonical_documents_are_refused(signer: HubSigner) -> None:
    document = json.loads(_document(signer))
    text = json.dumps(document)
    with pytest.raises(receipts.ReceiptError, match="repeats a key"):
        receipts.parse_document(('{"receipt": {}, ' + text[1:]).encode())
    with pytest.raises(receipts.ReceiptError, match="NaN"):
        receipts.parse_document(b'{"receipt": NaN}')
    value = document["signature"]["value"]
    assert value.endswith("==")
    # the last character before the padding carries four unused bits: another spelling of the same bytes
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = value[:-3] + alphabet[alphabet.index(value[-3]) | 1] + "=="
    assert twin != value and base64.b64decode(twin) == base64.b64decode(value)
    document["signature"]["value"] = twin
    with pytest.raises(receipts.ReceiptError, match="canonical"):
        receipts.verify_document(document, _published(signer), verify_signature)


def test_the_key_id_is_derived_from_the_key(signer: HubSigner) -> None:
    [entry] = receipts.hub_key_document([signer.public_key()])["keys"]
    assert entry["key_id"] == receipts.key_id_for(base64.b64decode(entry["public_key"]))
    assert entry["suite"] == "ed25519" and entry["key_id"].startswith("hub-ed25519-")

"""Sealing and opening the personal parts of the settlement exchange, at the partner's side.

``seal_part`` validates a payload (``schemas.v1.settlement_payloads``) and seals it for the recipient's key,
bound to the message kind and id (docs/wire-formats.md): the municipality re-seals the identity for the
debt-help organisation with kind ``referral.identity`` and the referral id; debt-help and creditors seal
each message as ``settlement.<kind>`` with its message id. ``open_part`` is the counterpart: it opens a blob
addressed to this organisation and validates the payload again. Nothing here logs; errors carry no
personal data.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from adapters import crypto
from adapters.signals import RecipientKey, canonical_json
from schemas.v1.settlement_payloads import payload_schema


class SealedPartError(Exception):
    """A sealed part is not for this organisation or key, or cannot be opened."""


def seal_part(payload: Mapping[str, Any], kind: str, message_id: str, to: RecipientKey) -> dict[str, Any]:
    """The JSON wire form of ``payload`` sealed for ``to`` (ciphertext in standard base64).

    Raises ``marshmallow.ValidationError`` when the payload is not valid for ``kind``.
    """
    schema = payload_schema(kind)
    plaintext = canonical_json(schema.dump(schema.load(payload)))
    info = crypto.sealing_info(kind, str(message_id), to.org_id, to.key_id)
    sealed = crypto.seal(plaintext, to.public_key, to.suite, info)
    return {
        "recipient": to.org_id,
        "key_id": to.key_id,
        "suite": to.suite,
        "ciphertext": base64.b64encode(sealed).decode("ascii"),
    }


def open_part(
    blob: Mapping[str, Any],
    kind: str,
    message_id: str,
    private_key: crypto.EncryptionPrivateKey,
    own_org_id: str,
) -> dict[str, Any]:
    """The validated payload of a sealed part (wire form, as the hub lists it) addressed to ``own_org_id``.

    ``private_key`` must be the key named by ``blob["key_id"]``. Raises :class:`SealedPartError` when the
    part is for someone else, was moved from another message, or was tampered with.
    """
    if blob.get("recipient") != own_org_id:
        raise SealedPartError("the sealed part is addressed to another organisation")
    if blob.get("suite") != private_key.suite:
        raise SealedPartError("the sealed part is sealed with another suite than this key's")
    try:
        ciphertext = base64.b64decode(str(blob.get("ciphertext")), validate=True)
        info = crypto.sealing_info(kind, str(message_id), own_org_id, str(blob.get("key_id")))
        payload = json.loads(crypto.open_sealed(ciphertext, private_key, info))
    except (crypto.SealedPayloadError, binascii.Error, ValueError) as error:
        raise SealedPartError("the sealed part cannot be opened with this key for this message") from error
    schema = payload_schema(kind)
    loaded: dict[str, Any] = schema.dump(schema.load(payload))
    return loaded

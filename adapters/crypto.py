"""Cryptography of a partner adapter: keys, HPKE sealing, Ed25519 signatures and linkage tokens.

The only module in ``adapters`` that imports ``cryptography.hazmat``; everything else calls these
intent-level functions. Formats follow docs/wire-formats.md. No function logs, and no error message
contains key material or plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from schemas.v1 import vocab

SigningPrivateKey: TypeAlias = ed25519.Ed25519PrivateKey

LINKAGE_KEY_BYTES = 32
_MLKEM_SEED_BYTES = 64
_MLKEM_PUBLIC_BYTES = 1184
_X25519_BYTES = 32
_PUBLIC_KEY_BYTES = {vocab.SUITE_HYBRID: _MLKEM_PUBLIC_BYTES + _X25519_BYTES, vocab.SUITE_X25519: _X25519_BYTES}
_KEMS = {vocab.SUITE_HYBRID: hpke.KEM.MLKEM768_X25519, vocab.SUITE_X25519: hpke.KEM.X25519}
_INFO_PREFIX = "signaalhub/v1"


class CryptoError(Exception):
    """Base of the errors raised here."""


class KeyFormatError(CryptoError):
    """A key is malformed, of the wrong kind, or of an unknown suite."""


class SealedPayloadError(CryptoError):
    """A sealed blob cannot be opened with this key in this context (wrong key, moved blob, tampering)."""


def _suite(suite: str) -> hpke.Suite:
    if suite not in _KEMS:
        raise KeyFormatError(f"unknown encryption suite; expected one of {', '.join(vocab.ENCRYPTION_SUITES)}")
    return hpke.Suite(_KEMS[suite], hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


@dataclass(frozen=True, repr=False)
class EncryptionPrivateKey:
    """An organisation's private encryption key of ``suite``; ``mlkem_key`` is set for the hybrid suite only."""

    suite: str
    x25519_key: x25519.X25519PrivateKey = field(compare=False)
    mlkem_key: mlkem.MLKEM768PrivateKey | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if (self.suite == vocab.SUITE_HYBRID) != (self.mlkem_key is not None) or self.suite not in _KEMS:
            raise KeyFormatError("the key parts do not match the encryption suite")

    def __repr__(self) -> str:
        return f"EncryptionPrivateKey(suite={self.suite!r})"

    def public_bytes(self) -> bytes:
        """The public key as published in the directory: ML-KEM-768 then X25519 raw bytes, or X25519 alone."""
        x25519_public = self.x25519_key.public_key().public_bytes_raw()
        if self.mlkem_key is None:
            return x25519_public
        return self.mlkem_key.public_key().public_bytes_raw() + x25519_public


def _hpke_private_key(key: EncryptionPrivateKey) -> hpke.MLKEM768X25519PrivateKey | x25519.X25519PrivateKey:
    if key.mlkem_key is None:
        return key.x25519_key
    return hpke.MLKEM768X25519PrivateKey(key.mlkem_key, key.x25519_key)


def generate_encryption_key(suite: str = vocab.DEFAULT_SUITE) -> EncryptionPrivateKey:
    """A new private encryption key of ``suite`` (default: the post-quantum hybrid)."""
    _suite(suite)
    hybrid = suite == vocab.SUITE_HYBRID
    return EncryptionPrivateKey(
        suite, x25519.X25519PrivateKey.generate(), mlkem.MLKEM768PrivateKey.generate() if hybrid else None
    )


def encryption_key_to_file(key: EncryptionPrivateKey) -> bytes:
    """The on-disk form: PEM PKCS#8 for X25519, the JSON seed file for the hybrid. Store it with mode 0600."""
    if key.mlkem_key is None:
        return key.x25519_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    document = {
        "suite": key.suite,
        "mlkem768_seed": base64.b64encode(key.mlkem_key.private_bytes_raw()).decode("ascii"),
        "x25519": base64.b64encode(key.x25519_key.private_bytes_raw()).decode("ascii"),
    }
    return json.dumps(document, sort_keys=True).encode("utf-8") + b"\n"


def encryption_key_from_file(data: bytes) -> EncryptionPrivateKey:
    """Read what ``encryption_key_to_file`` wrote; raise ``KeyFormatError`` for anything else."""
    if data.lstrip().startswith(b"-----BEGIN"):
        key = _load_pem_private(data)
        if not isinstance(key, x25519.X25519PrivateKey):
            raise KeyFormatError("the PEM file does not hold an X25519 private key")
        return EncryptionPrivateKey(vocab.SUITE_X25519, key)
    try:
        document: Any = json.loads(data)
        if document.get("suite") != vocab.SUITE_HYBRID:
            raise KeyFormatError("the key file names another suite than mlkem768-x25519")
        seed = base64.b64decode(document["mlkem768_seed"], validate=True)
        x25519_raw = base64.b64decode(document["x25519"], validate=True)
        if len(seed) != _MLKEM_SEED_BYTES or len(x25519_raw) != _X25519_BYTES:
            raise KeyFormatError("the key file has key parts of the wrong length")
        return EncryptionPrivateKey(
            vocab.SUITE_HYBRID,
            x25519.X25519PrivateKey.from_private_bytes(x25519_raw),
            mlkem.MLKEM768PrivateKey.from_seed_bytes(seed),
        )
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
        raise KeyFormatError("the key file is not a Signaalhub encryption key") from error


def _public_key(suite: str, raw: bytes) -> hpke.MLKEM768X25519PublicKey | x25519.X25519PublicKey:
    if suite not in _PUBLIC_KEY_BYTES or len(raw) != _PUBLIC_KEY_BYTES[suite]:
        raise KeyFormatError("the public key has the wrong length for its suite")
    try:
        if suite == vocab.SUITE_X25519:
            return x25519.X25519PublicKey.from_public_bytes(raw)
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(raw[:_MLKEM_PUBLIC_BYTES]),
            x25519.X25519PublicKey.from_public_bytes(raw[_MLKEM_PUBLIC_BYTES:]),
        )
    except ValueError as error:
        raise KeyFormatError("the public key is not a valid key of its suite") from error


def check_encryption_public_key(suite: str, raw: bytes) -> None:
    """Raise ``KeyFormatError`` unless ``raw`` is a valid published public key of ``suite``."""
    _public_key(suite, raw)


def sealing_info(kind: str, message_id: str, recipient: str, key_id: str) -> bytes:
    """The HPKE ``info`` binding a blob to its context: ``signaalhub/v1|kind|message id|recipient|key id``."""
    parts = (kind, message_id, recipient, key_id)
    if any(not part or "|" in part for part in parts):
        raise ValueError("sealing context parts must be non-empty and contain no '|'")
    return "|".join((_INFO_PREFIX, *parts)).encode("utf-8")


def seal(payload: bytes, recipient_public_key: bytes, suite: str, info: bytes) -> bytes:
    """Seal ``payload`` for the holder of the private key of ``recipient_public_key`` (HPKE base mode).

    Returns ``enc || ciphertext`` as the library produces it; only ``open_sealed`` with the same ``info``
    and the matching private key recovers the payload.
    """
    return _suite(suite).encrypt(payload, _public_key(suite, recipient_public_key), info=info)


def open_sealed(sealed: bytes, private_key: EncryptionPrivateKey, info: bytes) -> bytes:
    """The payload of a blob sealed to ``private_key`` under ``info``; ``SealedPayloadError`` otherwise."""
    try:
        return _suite(private_key.suite).decrypt(sealed, _hpke_private_key(private_key), info=info)
    except (InvalidTag, ValueError) as error:
        raise SealedPayloadError("the sealed payload cannot be opened with this key in this context") from error


def generate_signing_key() -> SigningPrivateKey:
    """A new Ed25519 signing key."""
    return ed25519.Ed25519PrivateKey.generate()


def signing_public_bytes(private_key: SigningPrivateKey) -> bytes:
    """The 32-byte raw public key, as published in the directory."""
    return private_key.public_key().public_bytes_raw()


def signing_key_to_pem(private_key: SigningPrivateKey) -> bytes:
    """PEM PKCS#8, unencrypted: protect the file with mode 0600."""
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def signing_key_from_pem(data: bytes) -> SigningPrivateKey:
    """Read an Ed25519 PEM PKCS#8 key; ``KeyFormatError`` for anything else."""
    key = _load_pem_private(data)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise KeyFormatError("the PEM file does not hold an Ed25519 private key")
    return key


def _load_pem_private(data: bytes) -> object:
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise KeyFormatError("the PEM file is not an unencrypted private key") from error


def sign(private_key: SigningPrivateKey, data: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``data``."""
    return private_key.sign(data)


def verify(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``data`` by the raw 32-byte ``public_key``."""
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def generate_linkage_key() -> bytes:
    """A new 32-byte linkage key (shared among data providers, never sent to the hub)."""
    return secrets.token_bytes(LINKAGE_KEY_BYTES)


def token(linkage_key: bytes, kind: str, normalised_value: str) -> str:
    """``base64url_nopad(HMAC-SHA256(linkage_key, "<kind>|<normalised value>"))``: 43 characters."""
    if len(linkage_key) != LINKAGE_KEY_BYTES:
        raise KeyFormatError("the linkage key must be 32 bytes")
    digest = hmac.new(linkage_key, f"{kind}|{normalised_value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def webhook_signature_valid(secret: bytes, message_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """Whether ``header`` (``webhook-signature``: space-separated ``v1,<base64>``) holds a valid Standard
    Webhooks signature of ``<id>.<timestamp>.<body>`` under ``secret``; compared in constant time."""
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest())
    found = False
    for candidate in header.split():
        version, _, value = candidate.partition(",")
        # compare every candidate, so the time taken does not tell which one matched
        found |= version == "v1" and hmac.compare_digest(value.encode("ascii", "replace"), expected)
    return found

"""The hub's crypto, at the level of intent. The only module in ``hub/`` that imports cryptography.

The hub never opens a sealed blob: it holds no private encryption key of any organisation. It verifies
Ed25519 signatures, checks that registered public keys are well-formed, re-keys linkage tokens with its
own HMAC key, hashes evidence entries and signs its own receipts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

SIGNING_SUITES = frozenset({"ed25519"})
ENCRYPTION_SUITES = frozenset({"mlkem768-x25519", "x25519"})
_MLKEM768_PUBLIC_BYTES = 1184
_RAW_25519_BYTES = 32
TOKEN_KEY_BYTES = 32


class KeyFormatError(ValueError):
    """A public or private key is not what its suite requires."""


def parse_public_key(suite: str, data: bytes) -> bytes:
    """Check that ``data`` is a public key of ``suite`` in the wire format (docs/wire-formats.md).

    Accepts the raw wire bytes or, for ``ed25519`` and ``x25519``, a PEM SubjectPublicKeyInfo; returns
    the raw wire bytes. Raises :class:`KeyFormatError` saying what is wrong.
    """
    if data.lstrip().startswith(b"-----BEGIN"):
        data = _raw_from_pem(suite, data)
    try:
        if suite == "ed25519":
            ed25519.Ed25519PublicKey.from_public_bytes(data)
        elif suite == "x25519":
            x25519.X25519PublicKey.from_public_bytes(data)
        elif suite == "mlkem768-x25519":
            if len(data) != _MLKEM768_PUBLIC_BYTES + _RAW_25519_BYTES:
                raise KeyFormatError(f"a {suite} public key is {_MLKEM768_PUBLIC_BYTES + 32} bytes")
            mlkem.MLKEM768PublicKey.from_public_bytes(data[:_MLKEM768_PUBLIC_BYTES])
            x25519.X25519PublicKey.from_public_bytes(data[_MLKEM768_PUBLIC_BYTES:])
        else:
            raise KeyFormatError(f"unknown suite {suite!r}")
    except ValueError as exc:
        if isinstance(exc, KeyFormatError):
            raise
        raise KeyFormatError(f"not a valid {suite} public key: {exc}") from exc
    return data


def _raw_from_pem(suite: str, pem: bytes) -> bytes:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise KeyFormatError(f"unreadable PEM public key: {exc}") from exc
    expected = {"ed25519": ed25519.Ed25519PublicKey, "x25519": x25519.X25519PublicKey}.get(suite)
    if expected is None or not isinstance(key, expected):
        raise KeyFormatError(f"the PEM key is not a {suite} public key")
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``data`` by ``public_key``."""
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def digest(data: bytes) -> bytes:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).digest()


def equal(a: bytes | str, b: bytes | str) -> bool:
    """Constant-time comparison."""
    left = a.encode() if isinstance(a, str) else a
    right = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(left, right)


def rekey_token(hub_key: bytes, kind: str, token: str) -> bytes:
    """The hub's own keyed hash of a linkage token: what the hub stores instead of the token."""
    return hmac.new(hub_key, f"{kind}|{token}".encode(), hashlib.sha256).digest()


def webhook_secret(webhook_key: bytes, endpoint_id: str, secret_version: int) -> bytes:
    """The Standard Webhooks secret of one endpoint, derived from the hub's webhook key (so no secret is
    stored in the database); a new ``secret_version`` rotates it."""
    return hmac.new(webhook_key, f"webhook|{endpoint_id}|{secret_version}".encode(), hashlib.sha256).digest()


def webhook_signature(secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value (Standard Webhooks v1: HMAC-SHA256 over id.timestamp.body)."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode("ascii")


def webhook_signatures(secrets: list[bytes], message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,...`` signature per secret, space-separated, as Standard Webhooks allows while a secret is
    rotated: a receiver accepts the message when any one of them verifies with the secret it holds."""
    return " ".join(webhook_signature(secret, message_id, timestamp, body) for secret in secrets)


class HubSigner:
    """The hub's Ed25519 key: signs receipts; its public key is published for offline verification."""

    def __init__(self, private_key: ed25519.Ed25519PrivateKey) -> None:
        self._key = private_key

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def public_key_b64(self) -> str:
        return base64.b64encode(self.public_key()).decode("ascii")


def signer_from_pem(pem: bytes, where: str = "the key") -> HubSigner:
    """The hub's Ed25519 signer from a PEM (PKCS#8) private key."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"{where} is not a PEM private key") from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise KeyFormatError(f"{where} does not hold an Ed25519 private key")
    return HubSigner(key)


def load_signer(path: Path) -> HubSigner:
    """Load the hub's Ed25519 private key from a PEM (PKCS#8) file."""
    return signer_from_pem(path.read_bytes(), str(path))


def parse_secret_key(data: bytes, where: str = "the key") -> bytes:
    """A symmetric hub key (token re-keying, webhook): 32 random bytes, raw or as base64."""
    raw = data.strip()
    try:
        key = raw if len(raw) == TOKEN_KEY_BYTES else base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise KeyFormatError(f"{where} is neither {TOKEN_KEY_BYTES} raw bytes nor base64") from exc
    if len(key) < TOKEN_KEY_BYTES:
        raise KeyFormatError(f"{where} must hold at least {TOKEN_KEY_BYTES} bytes of key")
    return key


def load_token_key(path: Path) -> bytes:
    """Load the hub's token re-keying key: 32 random bytes, stored raw or as base64."""
    return parse_secret_key(path.read_bytes(), str(path))


def secret_key_id(kind: str, key: bytes) -> str:
    """A public name for a symmetric hub key: ``hub-<kind>-`` and 16 hex digits of a hash of the key, so a
    keyring can say which key is which without showing any of it."""
    return f"hub-{kind}-" + hashlib.sha256(b"signaalhub/v1|key-id|" + key).hexdigest()[:16]


def new_signing_key_pem() -> bytes:
    """A new Ed25519 private key as PEM (PKCS#8)."""
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def new_secret_key_text() -> bytes:
    """A new random symmetric key, base64."""
    return base64.b64encode(os.urandom(TOKEN_KEY_BYTES))


def generate_signing_key_file(path: Path) -> None:
    """Write a new Ed25519 private key (PEM, mode 0600). Used outside production only."""
    _write_secret(path, new_signing_key_pem())


def generate_token_key_file(path: Path) -> None:
    """Write a new random token key (base64, mode 0600). Used outside production only."""
    _write_secret(path, new_secret_key_text() + b"\n")


def write_new_secret_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file, mode 0600; ``FileExistsError`` when ``path`` exists."""
    _write_secret(path, data)


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def replace_secret_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (a new file renamed over the old one), so a process reading
    it sees the old or the new content, never half of one. The new file keeps the old one's owner, group and
    permissions less any for others (so the hub's service user still reads it); a new file is mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    old = path.stat() if path.exists() else None
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            if old is not None:
                os.fchmod(handle.fileno(), old.st_mode & 0o660)
                if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                    os.fchown(handle.fileno(), old.st_uid, old.st_gid)  # PermissionError: run as the files' owner
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

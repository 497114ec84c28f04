"""The organisation's private key files: written with mode 0600, read with errors that say what to fix.

Formats (docs/wire-formats.md): the signing key is PEM PKCS#8 Ed25519; the encryption key is PEM PKCS#8
X25519 or, for the hybrid suite, the JSON seed file; the linkage key is 32 bytes, written as base64 text
(raw bytes and 64 hex digits are read too, since other data providers may hand it over that way). No
message here ever contains key material.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import stat
from pathlib import Path

from adapters import crypto

log = logging.getLogger(__name__)

_SECRET_MODE = 0o600


class KeyFileError(Exception):
    """A key file is missing, unreadable or not a key of the expected kind."""


def write_secret(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` readable by the owner only (mode 0600, also on an existing file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    descriptor = os.open(path, flags, _SECRET_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    path.chmod(_SECRET_MODE)


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"the {what} file {path} does not exist; check [paths] in the configuration") from None
    except OSError as error:
        raise KeyFileError(f"cannot read the {what} file {path}: {error.strerror}") from None
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        log.warning("the %s file %s is readable by others (mode %o); run: chmod 600 %s", what, path, mode, path)
    return data


def read_signing_key(path: Path) -> crypto.SigningPrivateKey:
    """The Ed25519 signing key at ``path``."""
    try:
        return crypto.signing_key_from_pem(_read(path, "signing key"))
    except crypto.KeyFormatError as error:
        raise KeyFileError(f"{path} is not an Ed25519 signing key: {error}") from None


def read_encryption_key(path: Path) -> crypto.EncryptionPrivateKey:
    """The private encryption key at ``path`` (either suite)."""
    try:
        return crypto.encryption_key_from_file(_read(path, "encryption key"))
    except crypto.KeyFormatError as error:
        raise KeyFileError(f"{path} is not a Signaalhub encryption key: {error}") from None


def parse_linkage_key(data: bytes) -> bytes:
    """32 key bytes from raw bytes, base64 text or hex text; ``ValueError`` otherwise."""
    if len(data) == crypto.LINKAGE_KEY_BYTES:
        return data
    text = data.strip()
    candidates = []
    with contextlib.suppress(ValueError):
        candidates.append(bytes.fromhex(text.decode("ascii")))
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        with contextlib.suppress(binascii.Error, ValueError):
            candidates.append(decode(text + b"=" * (-len(text) % 4)))
    for key in candidates:
        if len(key) == crypto.LINKAGE_KEY_BYTES:
            return key
    raise ValueError("a linkage key is 32 bytes: raw, base64 or 64 hexadecimal digits")


def read_linkage_key(path: Path) -> bytes:
    """The shared linkage key at ``path``."""
    try:
        return parse_linkage_key(_read(path, "linkage key"))
    except ValueError as error:
        raise KeyFileError(f"{path} is not a linkage key: {error}") from None


def linkage_key_text(key: bytes) -> bytes:
    """The on-disk form written by ``signaal init``: base64 and a newline."""
    return base64.b64encode(key) + b"\n"

"""The adapters' crypto module: key formats, sealing bound to its context, signatures and tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from adapters import crypto
from schemas.v1 import vocab

INFO = crypto.sealing_info("signal.identity", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "gm0363", "gm0363-enc-1")
PAYLOAD = '{"debtors":[{"surname":"Müller"}]}'.encode()


@pytest.fixture(scope="module", params=vocab.ENCRYPTION_SUITES)
def key(request: pytest.FixtureRequest) -> crypto.EncryptionPrivateKey:
    suite: str = request.param
    return crypto.generate_encryption_key(suite)


def test_seal_then_open_gives_back_exactly_the_payload(key: crypto.EncryptionPrivateKey) -> None:
    sealed = crypto.seal(PAYLOAD, key.public_bytes(), key.suite, INFO)
    assert PAYLOAD not in sealed
    assert len(sealed) == vocab.ENCAPSULATION_BYTES[key.suite] + len(PAYLOAD) + vocab.AEAD_TAG_BYTES
    assert crypto.open_sealed(sealed, key, INFO) == PAYLOAD


def test_sealing_twice_gives_different_blobs(key: crypto.EncryptionPrivateKey) -> None:
    first, second = (crypto.seal(PAYLOAD, key.public_bytes(), key.suite, INFO) for _ in range(2))
    assert first != second


def test_another_key_cannot_open(key: crypto.EncryptionPrivateKey) -> None:
    sealed = crypto.seal(PAYLOAD, key.public_bytes(), key.suite, INFO)
    with pytest.raises(crypto.SealedPayloadError):
        crypto.open_sealed(sealed, crypto.generate_encryption_key(key.suite), INFO)


@pytest.mark.parametrize(
    "context",
    [
        ("signal.identity", "00000000-0000-4000-8000-000000000000", "gm0363", "gm0363-enc-1"),
        ("signal.identity", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "gm0599", "gm0363-enc-1"),
        ("signal.identity", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "gm0363", "gm0363-enc-2"),
        ("signal.reference", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "gm0363", "gm0363-enc-1"),
    ],
)
def test_a_blob_opens_only_in_its_own_context(key: crypto.EncryptionPrivateKey, context: tuple[str, ...]) -> None:
    sealed = crypto.seal(PAYLOAD, key.public_bytes(), key.suite, INFO)
    with pytest.raises(crypto.SealedPayloadError):
        crypto.open_sealed(sealed, key, crypto.sealing_info(*context))


def test_tampering_is_detected(key: crypto.EncryptionPrivateKey) -> None:
    sealed = bytearray(crypto.seal(PAYLOAD, key.public_bytes(), key.suite, INFO))
    sealed[-1] ^= 1
    with pytest.raises(crypto.SealedPayloadError):
        crypto.open_sealed(bytes(sealed), key, INFO)


def test_sealing_info_is_the_documented_string() -> None:
    assert INFO == b"signaalhub/v1|signal.identity|6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b|gm0363|gm0363-enc-1"
    with pytest.raises(ValueError, match=r"no '\|'"):
        crypto.sealing_info("signal.identity", "a|b", "gm0363", "k")


def test_public_key_layout_follows_the_wire_format() -> None:
    hybrid = crypto.generate_encryption_key()
    assert len(hybrid.public_bytes()) == 1216
    assert len(crypto.generate_encryption_key("x25519").public_bytes()) == 32
    crypto.check_encryption_public_key("mlkem768-x25519", hybrid.public_bytes())
    with pytest.raises(crypto.KeyFormatError):
        crypto.check_encryption_public_key("x25519", hybrid.public_bytes())
    with pytest.raises(crypto.KeyFormatError):
        crypto.seal(PAYLOAD, hybrid.public_bytes()[:-1], "mlkem768-x25519", INFO)
    with pytest.raises(crypto.KeyFormatError):
        crypto.generate_encryption_key("rsa")


def test_private_key_files_round_trip(key: crypto.EncryptionPrivateKey) -> None:
    data = crypto.encryption_key_to_file(key)
    restored = crypto.encryption_key_from_file(data)
    assert restored.suite == key.suite
    assert restored.public_bytes() == key.public_bytes()
    assert crypto.open_sealed(crypto.seal(PAYLOAD, key.public_bytes(), key.suite, INFO), restored, INFO) == PAYLOAD


def test_hybrid_key_file_is_the_documented_json() -> None:
    document = json.loads(crypto.encryption_key_to_file(crypto.generate_encryption_key()))
    assert set(document) == {"suite", "mlkem768_seed", "x25519"}
    assert len(base64.b64decode(document["mlkem768_seed"])) == 64
    assert len(base64.b64decode(document["x25519"])) == 32


@pytest.mark.parametrize(
    "data",
    [b"", b"{}", b'{"suite": "x25519"}', b'{"suite": "mlkem768-x25519", "mlkem768_seed": "AA==", "x25519": "AA=="}'],
)
def test_malformed_key_files_are_refused(data: bytes) -> None:
    with pytest.raises(crypto.KeyFormatError):
        crypto.encryption_key_from_file(data)


def test_a_signing_key_is_not_an_encryption_key() -> None:
    pem = crypto.signing_key_to_pem(crypto.generate_signing_key())
    with pytest.raises(crypto.KeyFormatError, match="X25519"):
        crypto.encryption_key_from_file(pem)


def test_key_repr_shows_no_key_material(key: crypto.EncryptionPrivateKey) -> None:
    assert repr(key) == f"EncryptionPrivateKey(suite={key.suite!r})"


def test_sign_and_verify() -> None:
    private = crypto.generate_signing_key()
    public = crypto.signing_public_bytes(private)
    signature = crypto.sign(private, b"message")
    assert len(public) == 32
    assert len(signature) == 64
    assert crypto.verify(public, signature, b"message")
    assert not crypto.verify(public, signature, b"messagE")
    assert not crypto.verify(public[:31], signature, b"message")
    restored = crypto.signing_key_from_pem(crypto.signing_key_to_pem(private))
    assert crypto.signing_public_bytes(restored) == public


def test_token_is_the_documented_hmac() -> None:
    key = bytes(range(32))
    expected = hmac.new(key, b"email|jan@example.nl", hashlib.sha256).digest()
    value = crypto.token(key, "email", "jan@example.nl")
    assert len(value) == 43
    assert base64.urlsafe_b64decode(value + "=") == expected
    assert crypto.token(key, "phone", "jan@example.nl") != value
    with pytest.raises(crypto.KeyFormatError):
        crypto.token(b"short", "email", "jan@example.nl")
    assert len(crypto.generate_linkage_key()) == 32

"""The RFC 9421 profile: the signature base is byte-exact and the parser refuses what is outside it."""

import pytest

from schemas import httpsig


def test_signature_base_follows_rfc_9421_layout() -> None:
    params = httpsig.SignatureParams(created=1700000000, nonce="n" * 20, keyid="woonstad-sig-1")
    digest = httpsig.content_digest(b'{"a":1}')
    base = httpsig.signature_base("post", "https://hub.example/v1/signals?x=1", digest, params)
    assert base.decode() == (
        '"@method": POST\n'
        '"@target-uri": https://hub.example/v1/signals?x=1\n'
        f'"content-digest": {digest}\n'
        '"@signature-params": ("@method" "@target-uri" "content-digest");created=1700000000;'
        f'nonce="{"n" * 20}";keyid="woonstad-sig-1";alg="ed25519"'
    )


def test_content_digest_of_empty_body_is_the_known_sha256() -> None:
    assert httpsig.content_digest(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"


def test_digest_matches_checks_every_known_algorithm() -> None:
    body = b"hello"
    both = httpsig.content_digest(body) + ", " + httpsig.content_digest(body, "sha-512")
    assert httpsig.digest_matches(both, body)
    assert not httpsig.digest_matches(both, b"hellO")
    assert not httpsig.digest_matches("md5=:abc:", body)  # nothing we understand


def test_signature_input_round_trips() -> None:
    params = httpsig.SignatureParams(created=1700000000, nonce="abcdefghijklmnopq", keyid="k-1")
    headers = httpsig.signature_headers(params, b"\x01" * 64)
    assert httpsig.parse_signature_input(headers["Signature-Input"]) == params
    assert httpsig.parse_signature(headers["Signature"]) == b"\x01" * 64


def test_other_members_are_ignored_and_sig1_is_found() -> None:
    params = httpsig.SignatureParams(created=1, nonce="abcdefghijklmnopq", keyid="k")
    header = 'proxy=("@method");created=1, ' + httpsig.signature_headers(params, b"x")["Signature-Input"]
    assert httpsig.parse_signature_input(header).keyid == "k"


@pytest.mark.parametrize(
    "header",
    [
        'sig1=("@method" "@target-uri");created=1;nonce="abcdefghijklmnopq";keyid="k"',
        'sig1=("@method" "@target-uri" "content-digest");nonce="abcdefghijklmnopq";keyid="k"',
        'sig1=("@method" "@target-uri" "content-digest");created=1;nonce="short";keyid="k"',
        'sig1=("@method" "@target-uri" "content-digest");created=1;nonce="abcdefghijklmnopq";keyid="k";alg="hmac"',
        'sig1=("@method" "@target-uri" "content-digest");created=1;created=2;nonce="abcdefghijklmnopq";keyid="k"',
        'sig2=("@method" "@target-uri" "content-digest");created=1;nonce="abcdefghijklmnopq";keyid="k"',
        "",
    ],
)
def test_signature_input_outside_the_profile_is_refused(header: str) -> None:
    with pytest.raises(httpsig.SignatureFormatError):
        httpsig.parse_signature_input(header)


def test_line_breaks_in_components_are_refused() -> None:
    params = httpsig.SignatureParams(created=1, nonce="abcdefghijklmnopq", keyid="k")
    with pytest.raises(httpsig.SignatureFormatError):
        httpsig.signature_base("GET", "https://x/\nevil", "sha-256=:x:", params)

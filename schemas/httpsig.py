"""HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530), as Signaalhub profiles them.

Both sides build the same signature base from here; each side's crypto module signs or verifies it.
The profile: one signature labelled ``sig1`` over ``("@method" "@target-uri" "content-digest")``
with the parameters ``created``, ``nonce``, ``keyid`` and ``alg="ed25519"``; Content-Digest with
``sha-256`` (``sha-512`` also accepted). Every request is signed, with or without a body.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

LABEL = "sig1"
COMPONENTS = ("@method", "@target-uri", "content-digest")
ALGORITHM = "ed25519"
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


class SignatureFormatError(ValueError):
    """A Signature, Signature-Input or Content-Digest header does not follow the profile."""


@dataclass(frozen=True)
class SignatureParams:
    """The parameters of one signature: what ``Signature-Input`` carries after the component list."""

    created: int
    nonce: str
    keyid: str
    alg: str = ALGORITHM

    def serialise(self) -> str:
        """The ``@signature-params`` value (RFC 9421 section 2.3), also the Signature-Input member."""
        components = " ".join(f'"{c}"' for c in COMPONENTS)
        return f'({components});created={self.created};nonce="{self.nonce}";keyid="{self.keyid}";alg="{self.alg}"'


def content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """The Content-Digest header value for ``body``."""
    digest = base64.b64encode(_DIGESTS[algorithm](body).digest()).decode("ascii")
    return f"{algorithm}=:{digest}:"


def digest_matches(header: str, body: bytes) -> bool:
    """True when every digest we understand in ``header`` matches ``body`` (and there is at least one)."""
    seen = False
    for member in _split_members(header):
        name, _, value = member.partition("=")
        algorithm = name.strip().lower()
        if algorithm not in _DIGESTS:
            continue
        seen = True
        if value.strip() != content_digest(body, algorithm).partition("=")[2]:
            return False
    return seen


def signature_base(method: str, target_uri: str, digest_header: str, params: SignatureParams) -> bytes:
    """The bytes that are signed (RFC 9421 section 2.5)."""
    lines = [
        f'"@method": {method.upper()}',
        f'"@target-uri": {target_uri}',
        f'"content-digest": {digest_header.strip()}',
        f'"@signature-params": {params.serialise()}',
    ]
    for line in lines:
        if "\n" in line or "\r" in line:
            raise SignatureFormatError("a covered component contains a line break")
    return "\n".join(lines).encode("utf-8")


def signature_headers(params: SignatureParams, signature: bytes) -> dict[str, str]:
    """The Signature-Input and Signature header values for a finished signature."""
    encoded = base64.b64encode(signature).decode("ascii")
    return {"Signature-Input": f"{LABEL}={params.serialise()}", "Signature": f"{LABEL}=:{encoded}:"}


_INPUT = re.compile(
    r'^\("@method" "@target-uri" "content-digest"\)'
    r'(?P<params>(;[a-z]+=(?:"[^"\\]*"|-?\d+))+)$'
)
_PARAM = re.compile(r';([a-z]+)=("[^"\\]*"|-?\d+)')
_SIGNATURE = re.compile(r"^:(?P<b64>[A-Za-z0-9+/]+={0,2}):$")


def parse_signature_input(header: str) -> SignatureParams:
    """Parse the ``sig1`` member of Signature-Input; anything outside the profile is an error."""
    member = _member(header, "Signature-Input")
    match = _INPUT.match(member)
    if not match:
        raise SignatureFormatError(
            'Signature-Input must cover ("@method" "@target-uri" "content-digest") with parameters'
        )
    params: dict[str, str | int] = {}
    for name, raw in _PARAM.findall(match.group("params")):
        if name in params:
            raise SignatureFormatError(f"Signature-Input repeats the parameter {name}")
        params[name] = raw.strip('"') if raw.startswith('"') else int(raw)
    missing = [p for p in ("created", "nonce", "keyid") if p not in params]
    if missing:
        raise SignatureFormatError(f"Signature-Input lacks {', '.join(missing)}")
    created, nonce, keyid = params["created"], params["nonce"], params["keyid"]
    alg = params.get("alg", ALGORITHM)
    if not isinstance(created, int) or not isinstance(nonce, str) or not isinstance(keyid, str):
        raise SignatureFormatError("created must be an integer; nonce and keyid must be strings")
    if alg != ALGORITHM:
        raise SignatureFormatError(f"alg must be {ALGORITHM}")
    if not 16 <= len(nonce) <= 128:
        raise SignatureFormatError("nonce must be 16 to 128 characters")
    return SignatureParams(created=created, nonce=nonce, keyid=keyid)


def parse_signature(header: str) -> bytes:
    """The signature bytes of the ``sig1`` member of the Signature header."""
    match = _SIGNATURE.match(_member(header, "Signature"))
    if not match:
        raise SignatureFormatError("Signature must be a byte sequence :base64:")
    return base64.b64decode(match.group("b64"))


def _member(header: str, name: str) -> str:
    for member in _split_members(header):
        label, sep, value = member.partition("=")
        if sep and label.strip() == LABEL:
            return value.strip()
    raise SignatureFormatError(f"{name} has no {LABEL} member")


def _split_members(header: str) -> list[str]:
    """Split a structured-field dictionary on top-level commas (not inside quotes or parentheses)."""
    members, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(header):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            members.append(header[start:index].strip())
            start = index + 1
    members.append(header[start:].strip())
    return [m for m in members if m]

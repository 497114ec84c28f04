"""The plain forms of a signal envelope's values, and ``SignalSchema``'s fast path through them.

The patterns are the schema's own (``schemas.v1.signal`` builds its fields from them). :func:`signal`
loads an envelope whose every value is of exactly its JSON type (an ``int`` that is not a ``bool``, a
``str``), in its canonical form (a UUID in lower case with hyphens, a date as ``YYYY-MM-DD``; the schema
also takes other forms and loads them to the same value) and in range, whose every object holds exactly
its fields, and for which the cross-field rules (``signal_rules``) hold: what marshmallow would load, in
about a third of the time. For anything else it returns None and the schema loads, naming each bad field.

Never more than the schema: ``tests/unit/test_signal_fast_path.py`` compares the two on plain envelopes,
on every kind of defect in every field and on generated JSON anywhere, and checks that the fields named
here are the schemas' fields, so that a field added to a schema fails the test until it is handled here.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from marshmallow import ValidationError

from schemas.v1 import fields as f
from schemas.v1 import signal_rules, vocab
from schemas.v1.fields import KEY_ID, ORG_ID

# 32 bytes in 43 base64url characters: the last one carries 4 bits and two zero bits, so it is one of
# the 16 characters whose value is a multiple of 4 (what decoding and encoding again would check)
TOKEN_VALUE = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")
ROUTING_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: The fields the fast path loads, of the envelope and of each object in it.
SIGNAL_FIELDS = frozenset(
    (
        "signal_id",
        "sector",
        "amount_cents",
        "arrears_since",
        "signal_date",
        "periods_in_arrears",
        "periodic_charge_cents",
        "crisis",
        "warm_handover",
        "attestations",
        "municipality_code",
        "routing_version",
        "sealed_identity",
        "sealed_reference",
        "tokens",
        "supersedes",
        "status",
    )
)
BLOB_FIELDS = frozenset(("recipient", "key_id", "suite", "ciphertext"))
CRISIS_FIELDS = frozenset(("kind", "date"))
ATTESTATION_FIELDS = frozenset(
    ("personal_contact_attempted", "debt_help_pointed_out", "written_reminder_sent", "transfer_offered")
)
TOKEN_FIELDS = frozenset(("kind", "value", "debtor"))

_SECTORS = frozenset(vocab.SECTORS)
_SUITES = frozenset(vocab.ENCRYPTION_SUITES)
_TOKEN_KINDS = frozenset(vocab.TOKEN_KINDS)
#: The sealed blob's ciphertext field (standard padded base64), ``SealedBlobSchema``'s own.
CIPHERTEXT = f.Base64Bytes(label="Ciphertext", max_bytes=vocab.MAX_SEALED_BYTES, required=True)


def is_token_value(value: str) -> bool:
    """43 base64url characters that are exactly 32 bytes (so the last character carries no spare bits)."""
    return TOKEN_VALUE.fullmatch(value) is not None


def tokens(value: Any) -> list[dict[str, Any]] | None:
    """The loaded tokens of a list whose every token is a plain, valid object; None otherwise."""
    if not isinstance(value, list) or not all(_plain_token(token) for token in value):
        return None
    return [{"kind": t["kind"], "value": t["value"], "debtor": t["debtor"]} for t in value]


def _plain_token(token: Any) -> bool:
    """What ``TokenSchema`` accepts, for values of exactly these types (a bool debtor takes the full path)."""
    return (
        type(token) is dict
        and token.keys() == TOKEN_FIELDS
        and type(token["kind"]) is str
        and token["kind"] in _TOKEN_KINDS
        and (token["debtor"] is None or (type(token["debtor"]) is int and token["debtor"] in (0, 1)))
        and type(token["value"]) is str
        and is_token_value(token["value"])
    )


class _NotPlain(Exception):
    """A value the fast path leaves to the full schema."""


def signal(data: Any) -> dict[str, Any] | None:
    """What ``SignalSchema`` loads from ``data`` if it is plainly valid (the module docstring); None
    otherwise. Nothing here reports a problem: the full path does, for every envelope this declines."""
    if type(data) is not dict or not data.keys() <= SIGNAL_FIELDS:
        return None
    try:
        attestations = _object(data["attestations"], ATTESTATION_FIELDS)
        loaded: dict[str, Any] = {
            "signal_id": _uuid(data["signal_id"]),
            "sector": _member(data["sector"], _SECTORS),
            "amount_cents": _integer(data["amount_cents"], 1, vocab.MAX_AMOUNT_CENTS),
            "arrears_since": _date(data["arrears_since"]),
            "signal_date": _date(data["signal_date"]),
            "periods_in_arrears": _integer(data["periods_in_arrears"], 1, vocab.MAX_PERIODS_IN_ARREARS),
            "periodic_charge_cents": _integer(data["periodic_charge_cents"], 0, vocab.MAX_AMOUNT_CENTS),
            "warm_handover": _boolean(data["warm_handover"]),
            "attestations": {name: _date(day) for name, day in attestations.items()},
            "municipality_code": _matches(data["municipality_code"], MUNICIPALITY_CODE),
            "routing_version": _matches(data["routing_version"], ROUTING_VERSION),
            "sealed_identity": _blob(data["sealed_identity"]),
            "sealed_reference": _blob(data["sealed_reference"]),
            "tokens": _tokens(data["tokens"]),
            "status": _member(data.get("status", "active"), vocab.SIGNAL_STATUSES),
        }
        if data.get("crisis") is not None:
            crisis = _object(data["crisis"], CRISIS_FIELDS)
            loaded["crisis"] = {"kind": _member(crisis["kind"], vocab.CRISIS_KINDS), "date": _date(crisis["date"])}
        if data.get("supersedes") is not None:
            loaded["supersedes"] = _uuid(data["supersedes"])
    except (_NotPlain, KeyError, ValueError):
        return None
    errors = signal_rules.Errors()
    signal_rules.check_facts(loaded, errors)
    signal_rules.check_tokens(loaded["tokens"], errors)
    return None if errors.messages else loaded


def _uuid(value: Any) -> uuid.UUID:
    if type(value) is not str or _CANONICAL_UUID.fullmatch(value) is None:
        raise _NotPlain
    return uuid.UUID(value)


def _member(value: Any, choices: frozenset[str] | tuple[str, ...]) -> str:
    if type(value) is not str or value not in choices:
        raise _NotPlain
    return value


def _integer(value: Any, minimum: int, maximum: int) -> int:
    if type(value) is not int or not minimum <= value <= maximum:
        raise _NotPlain
    return value


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise _NotPlain
    return value


def _date(value: Any) -> dt.date:
    if type(value) is not str or _PLAIN_DATE.fullmatch(value) is None:
        raise _NotPlain
    return dt.date.fromisoformat(value)  # ValueError for a day that does not exist


def _matches(value: Any, pattern: re.Pattern[str]) -> str:
    if type(value) is not str or pattern.fullmatch(value) is None:
        raise _NotPlain
    return value


def _object(value: Any, names: frozenset[str]) -> dict[str, Any]:
    """An object holding exactly the fields ``names``."""
    if type(value) is not dict or value.keys() != names:
        raise _NotPlain
    return value


def _blob(value: Any) -> dict[str, Any]:
    blob = _object(value, BLOB_FIELDS)
    try:
        ciphertext = CIPHERTEXT.deserialize(blob["ciphertext"])
    except ValidationError as error:
        raise _NotPlain from error
    suite = _member(blob["suite"], _SUITES)
    if ciphertext is None or not signal_rules.long_enough(ciphertext, suite):
        raise _NotPlain
    return {
        "recipient": _matches(blob["recipient"], ORG_ID),
        "key_id": _matches(blob["key_id"], KEY_ID),
        "suite": suite,
        "ciphertext": ciphertext,
    }


def _tokens(value: Any) -> list[dict[str, Any]]:
    loaded = tokens(value)
    if loaded is None or not 1 <= len(loaded) <= vocab.MAX_TOKENS_PER_SIGNAL:
        raise _NotPlain
    return loaded

"""The hub-visible envelope of a v1 arrears signal, as a creditor's adapter posts it (JSON).

The envelope carries only what the hub may read (sector, amounts, dates, flags, municipality code) plus
two sealed blobs it cannot open and the linkage tokens. ``signal_id`` is chosen by the creditor and is the
idempotency key. Dates are checked against ``clock.today()``; wrap a load in ``clock.as_of(day)`` to
validate as of another day. Field-level rules live here, cross-field rules in ``signal_rules``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, ValidationError, fields, pre_load, types, validate, validates_schema

from schemas.v1 import fields as f
from schemas.v1 import signal_rules, vocab

# Organisation and key ids as the hub's directory issues them (hub/domain/directory.py).
ORG_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]")
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,99}")
# 32 bytes in 43 base64url characters: the last one carries 4 bits and two zero bits, so it is one of
# the 16 characters whose value is a multiple of 4 (what decoding and encoding again would check)
TOKEN_VALUE = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")
ROUTING_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def _one_of(label: str, choices: tuple[str, ...] | list[str]) -> fields.String:
    listed = ", ".join(choices)
    return fields.String(
        validate=validate.OneOf(choices, error=f"{label} must be one of: {listed}."),
        error_messages=f.messages(label, invalid=f"{label} must be text."),
        required=True,
    )


def _matching(label: str, pattern: re.Pattern[str], hint: str, **kw: Any) -> fields.String:
    """A string matching ``pattern`` in full (marshmallow's ``Regexp`` only anchors at the start)."""
    return fields.String(
        validate=f.rule(lambda value: pattern.fullmatch(value) is not None, f"{label} {hint}."),
        error_messages=f.messages(label, invalid=f"{label} must be text."),
        metadata={"pattern": f"^{pattern.pattern}$"},
        **kw,
    )


def _is_token_value(value: str) -> bool:
    """43 base64url characters that are exactly 32 bytes (so the last character carries no spare bits)."""
    return TOKEN_VALUE.fullmatch(value) is not None


class SealedBlobSchema(f.StrictSchema):
    """An HPKE-sealed payload addressed to one organisation's key (docs/wire-formats.md)."""

    recipient = _matching(
        "Recipient",
        ORG_ID,
        "must be an organisation id (3 to 64 lower-case letters, digits and hyphens)",
        required=True,
    )
    key_id = _matching(
        "Key id", KEY_ID, "must be a key id (3 to 100 letters, digits, dots, underscores and hyphens)", required=True
    )
    suite = _one_of("Suite", vocab.ENCRYPTION_SUITES)
    ciphertext = f.Base64Bytes(label="Ciphertext", max_bytes=vocab.MAX_SEALED_BYTES, required=True)

    @validates_schema
    def _long_enough_for_its_suite(self, data: dict[str, Any], **_: Any) -> None:
        suite, ciphertext = data.get("suite"), data.get("ciphertext")
        if suite is None or ciphertext is None:
            return
        if len(ciphertext) <= vocab.ENCAPSULATION_BYTES[suite] + vocab.AEAD_TAG_BYTES:
            raise ValidationError("Ciphertext is too short to be sealed with this suite.", "ciphertext")


class TokenSchema(f.StrictSchema):
    """One linkage token; ``debtor`` is 0 or 1 for person-level kinds and null for household-level ones."""

    kind = _one_of("Token kind", vocab.TOKEN_KINDS)
    value = fields.String(
        required=True,
        validate=f.rule(
            _is_token_value, "Token value must be 43 base64url characters (an HMAC-SHA256 without padding)."
        ),
        error_messages=f.messages("Token value", invalid="Token value must be text."),
    )
    debtor = fields.Integer(
        strict=True,
        required=True,
        allow_none=True,
        validate=validate.OneOf([0, 1], error="Debtor must be 0, 1 or null."),
        error_messages={"required": "Debtor is required (0, 1 or null).", "invalid": "Debtor must be 0, 1 or null."},
    )

    keep_nulls = True  # a token always states its debtor, null included


class TokenList(fields.List[dict[str, Any]]):
    """``List(Nested(TokenSchema))`` with a fast path: a list whose every token is a plain, valid object
    loads without a schema per token (nine of the thirteen nested loads of a signal). Anything else, an
    invalid token above all, takes the full path, which names each bad field."""

    _KEYS = frozenset(("kind", "value", "debtor"))
    _KINDS = frozenset(vocab.TOKEN_KINDS)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[dict[str, Any] | None]:
        plain: list[Any] | None = self.plain(value)
        return super()._deserialize(value, attr, data, **kwargs) if plain is None else plain

    @classmethod
    def plain(cls, value: Any) -> list[dict[str, Any]] | None:
        """The loaded tokens of a list whose every token is plainly valid; None otherwise."""
        if not isinstance(value, list) or not all(cls._plainly_valid(token) for token in value):
            return None
        return [{"kind": t["kind"], "value": t["value"], "debtor": t["debtor"]} for t in value]

    @classmethod
    def _plainly_valid(cls, token: Any) -> bool:
        """What TokenSchema accepts, for values of exactly these types (a bool debtor takes the full path)."""
        return (
            type(token) is dict
            and token.keys() == cls._KEYS
            and type(token["kind"]) is str
            and token["kind"] in cls._KINDS
            and (token["debtor"] is None or (type(token["debtor"]) is int and token["debtor"] in (0, 1)))
            and type(token["value"]) is str
            and _is_token_value(token["value"])
        )


class CrisisSchema(f.StrictSchema):
    """An imminent end of supply or eviction, with the date it is planned for."""

    kind = _one_of("Crisis kind", vocab.CRISIS_KINDS)
    date = f.date("Crisis date", required=True)


class AttestationsSchema(f.StrictSchema):
    """The four Bgs art. 2 preconditions, each with the date it was met."""

    personal_contact_attempted = f.date("Date of the attempt at personal contact", required=True)
    debt_help_pointed_out = f.date("Date debt help was pointed out", required=True)
    written_reminder_sent = f.date("Date the written reminder was sent", required=True)
    transfer_offered = f.date("Date passing on contact details was offered", required=True)


class SignalSchema(f.StrictSchema):
    """One arrears signal (vroegsignaal) as the hub receives and stores it."""

    signal_id = fields.UUID(
        required=True, error_messages=f.messages("Signal id", invalid_uuid="Signal id must be a UUID.")
    )
    sector = _one_of("Sector", list(vocab.SECTORS))
    amount_cents = f.integer(
        "Amount in arrears", minimum=1, maximum=vocab.MAX_AMOUNT_CENTS, unit="cents", required=True
    )
    arrears_since = f.date("Date the arrears arose", required=True)
    signal_date = f.date("Signal date", required=True)
    periods_in_arrears = f.integer(
        "Periods in arrears", minimum=1, maximum=vocab.MAX_PERIODS_IN_ARREARS, unit="periods", required=True
    )
    periodic_charge_cents = f.integer(
        "Periodic charge", minimum=0, maximum=vocab.MAX_AMOUNT_CENTS, unit="cents", required=True
    )
    crisis = fields.Nested(CrisisSchema, allow_none=True, error_messages=f.messages("Crisis"))
    warm_handover = f.boolean("Warm handover", required=True)
    attestations = fields.Nested(AttestationsSchema, required=True, error_messages=f.messages("Attestations"))
    municipality_code = _matching(
        "Municipality code", MUNICIPALITY_CODE, "must be four digits, e.g. 0363", required=True
    )
    routing_version = _matching("Routing version", ROUTING_VERSION, "must be a routing table version", required=True)
    sealed_identity = fields.Nested(SealedBlobSchema, required=True, error_messages=f.messages("Sealed identity"))
    sealed_reference = fields.Nested(SealedBlobSchema, required=True, error_messages=f.messages("Sealed reference"))
    tokens = TokenList(
        fields.Nested(TokenSchema),
        required=True,
        validate=validate.Length(
            min=1, max=vocab.MAX_TOKENS_PER_SIGNAL, error=f"Tokens must list 1 to {vocab.MAX_TOKENS_PER_SIGNAL} tokens."
        ),
        error_messages=f.messages("Tokens", invalid="Tokens must be a list."),
    )
    supersedes = fields.UUID(allow_none=True, error_messages={"invalid_uuid": "Supersedes must be a signal id (UUID)."})
    status = fields.String(
        load_default="active",
        validate=validate.OneOf(vocab.SIGNAL_STATUSES, error="Status must be active or withdrawn."),
        error_messages={"invalid": "Status must be text.", "null": "Status must be active or withdrawn."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _facts_agree(self, data: dict[str, Any], **_: Any) -> None:
        errors = signal_rules.Errors()
        signal_rules.check_dates(data, errors)
        signal_rules.check_crisis(data, errors)
        signal_rules.check_status(data, errors)
        if errors.messages:
            raise ValidationError(errors.messages)

    @validates_schema(skip_on_field_errors=True)
    def _tokens_agree(self, data: dict[str, Any], **_: Any) -> None:
        errors = signal_rules.Errors()
        signal_rules.check_tokens(data["tokens"], errors)
        if errors.messages:
            raise ValidationError(errors.messages)

    def load(
        self,
        data: Any,
        *,
        many: bool | None = None,
        partial: bool | types.StrSequenceOrSet | None = None,
        unknown: types.UnknownOption | None = None,
    ) -> Any:
        """marshmallow's load, with a fast path for one plain, valid envelope (:func:`_plainly_valid`):
        the same result without marshmallow's walk field by field and schema by schema, a fifth of the
        time. Anything else (a list, a partial load, a value of an unusual type or form, any invalid
        field) takes the full path, which names each bad field."""
        if not (many or self.many or partial or self.partial) and unknown in (None, RAISE):
            loaded = _plainly_valid(data)
            if loaded is not None:
                return loaded
        return super().load(data, many=many, partial=partial, unknown=unknown)


class SignalBatchSchema(f.StrictSchema):
    """``{"signals": [...]}``: at most ``max_signals`` signals, each ``signal_id`` once."""

    signals = fields.List(
        fields.Nested(SignalSchema),
        required=True,
        error_messages=f.messages("Signals", invalid="Signals must be a list."),
    )

    def __init__(self, *, max_signals: int = vocab.MAX_SIGNALS_PER_BATCH, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_signals = max_signals

    @pre_load
    def _size_before_work(self, data: Any, **_: Any) -> Any:
        # Checked before loading, so an oversized batch costs no per-signal work.
        if isinstance(data, Mapping) and isinstance(data.get("signals"), list):
            count = len(data["signals"])
            if not 1 <= count <= self.max_signals:
                raise ValidationError(f"A batch holds 1 to {self.max_signals} signals.", "signals")
        return data

    @validates_schema(skip_on_field_errors=True)
    def _each_signal_once(self, data: dict[str, Any], **_: Any) -> None:
        seen: dict[Any, int] = {}
        errors: dict[int, dict[str, list[str]]] = {}
        for index, signal in enumerate(data["signals"]):
            if signal["signal_id"] in seen:
                errors[index] = {
                    "signal_id": [f"This signal id already appears at position {seen[signal['signal_id']]}."]
                }
            seen.setdefault(signal["signal_id"], index)
        if errors:
            raise ValidationError({"signals": errors})


#: The fields of the envelope and of each object in it.
_SIGNAL_FIELDS = frozenset(SignalSchema._declared_fields)
_BLOB_FIELDS = frozenset(SealedBlobSchema._declared_fields)
_CRISIS_FIELDS = frozenset(CrisisSchema._declared_fields)
_ATTESTATIONS = frozenset(AttestationsSchema._declared_fields)
_SECTORS = frozenset(vocab.SECTORS)
_SUITES = frozenset(vocab.ENCRYPTION_SUITES)
#: A UUID as it is written canonically, and a date as ``YYYY-MM-DD`` (the schema also takes other forms
#: that it loads to the same value; those take the full path).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _NotPlain(Exception):
    """A value the fast path leaves to the full schema."""


def _plainly_valid(data: Any) -> dict[str, Any] | None:
    """What ``SignalSchema`` loads from ``data``, when every value is of exactly the JSON type, the form
    and the range the schema accepts and the cross-field rules (``signal_rules``) hold; None otherwise.

    A subset of what the schema accepts, loaded to the same values (``tests/unit/test_signal_fast_path.py``
    compares the two on valid envelopes and on every kind of defect): never more. Nothing here reports a
    problem; the full path does, for every envelope this declines."""
    if type(data) is not dict or not data.keys() <= _SIGNAL_FIELDS:
        return None
    try:
        loaded: dict[str, Any] = {
            "signal_id": _uuid(data["signal_id"]),
            "sector": _member(data["sector"], _SECTORS),
            "amount_cents": _integer(data["amount_cents"], 1, vocab.MAX_AMOUNT_CENTS),
            "arrears_since": _date(data["arrears_since"]),
            "signal_date": _date(data["signal_date"]),
            "periods_in_arrears": _integer(data["periods_in_arrears"], 1, vocab.MAX_PERIODS_IN_ARREARS),
            "periodic_charge_cents": _integer(data["periodic_charge_cents"], 0, vocab.MAX_AMOUNT_CENTS),
            "warm_handover": _boolean(data["warm_handover"]),
            "attestations": {name: _date(day) for name, day in _object(data["attestations"], _ATTESTATIONS).items()},
            "municipality_code": _matches(data["municipality_code"], MUNICIPALITY_CODE),
            "routing_version": _matches(data["routing_version"], ROUTING_VERSION),
            "sealed_identity": _blob(data["sealed_identity"]),
            "sealed_reference": _blob(data["sealed_reference"]),
            "tokens": _tokens(data["tokens"]),
            "status": _member(data.get("status", "active"), vocab.SIGNAL_STATUSES),
        }
        if data.get("crisis") is not None:
            crisis = _object(data["crisis"], _CRISIS_FIELDS)
            loaded["crisis"] = {"kind": _member(crisis["kind"], vocab.CRISIS_KINDS), "date": _date(crisis["date"])}
        if data.get("supersedes") is not None:
            loaded["supersedes"] = _uuid(data["supersedes"])
    except (_NotPlain, KeyError, ValueError):
        return None
    errors = signal_rules.Errors()
    signal_rules.check_dates(loaded, errors)
    signal_rules.check_crisis(loaded, errors)
    signal_rules.check_status(loaded, errors)
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
    blob = _object(value, _BLOB_FIELDS)
    try:
        ciphertext = _CIPHERTEXT.deserialize(blob["ciphertext"])
    except ValidationError as error:
        raise _NotPlain from error
    suite = _member(blob["suite"], _SUITES)
    if ciphertext is None or len(ciphertext) <= vocab.ENCAPSULATION_BYTES[suite] + vocab.AEAD_TAG_BYTES:
        raise _NotPlain
    return {
        "recipient": _matches(blob["recipient"], ORG_ID),
        "key_id": _matches(blob["key_id"], KEY_ID),
        "suite": suite,
        "ciphertext": ciphertext,
    }


def _tokens(value: Any) -> list[dict[str, Any]]:
    tokens = TokenList.plain(value) if type(value) is list else None
    if tokens is None or not 1 <= len(tokens) <= vocab.MAX_TOKENS_PER_SIGNAL:
        raise _NotPlain
    return tokens


_CIPHERTEXT: f.Base64Bytes = SealedBlobSchema._declared_fields["ciphertext"]  # type: ignore[assignment]


@functools.cache
def _schema() -> SignalSchema:
    """One schema instance, built on first use: building a marshmallow schema costs far more than using it,
    and a schema holds no per-call state."""
    return SignalSchema()


def load_signal(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one envelope; raise ``marshmallow.ValidationError`` with messages keyed by field."""
    loaded: dict[str, Any] = _schema().load(data)
    return loaded


def dump_signal(signal: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON wire form of a loaded envelope (UUIDs and dates as strings, ciphertext as base64): what
    ``SignalSchema().dump`` gives, without its walk field by field (the hub dumps every signal it receives).
    The envelope's own fields are taken; what they hold is loaded, so holds only its schema's fields."""
    return {name: _wire(signal[name]) for name in _schema().dump_fields if name in signal}


#: Types a loaded envelope holds that are already their JSON form (most of its values).
_AS_IS = frozenset((str, int, bool, type(None)))


def _wire(value: Any) -> Any:
    """A loaded value in JSON form, as the envelope's fields dump it."""
    if type(value) in _AS_IS:  # before the Mapping check, which is slow for anything but a mapping
        return value
    if isinstance(value, Mapping):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return _wire_scalar(value)


def _wire_scalar(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value

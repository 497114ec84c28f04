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
from schemas.v1 import signal_plain as plain
from schemas.v1 import signal_rules, vocab
from schemas.v1.fields import KEY_ID, ORG_ID
from schemas.v1.signal_plain import MUNICIPALITY_CODE, ROUTING_VERSION, is_token_value


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
    ciphertext = plain.CIPHERTEXT

    @validates_schema
    def _long_enough_for_its_suite(self, data: dict[str, Any], **_: Any) -> None:
        suite, ciphertext = data.get("suite"), data.get("ciphertext")
        if suite is None or ciphertext is None:
            return
        if not signal_rules.long_enough(ciphertext, suite):
            raise ValidationError("Ciphertext is too short to be sealed with this suite.", "ciphertext")


class TokenSchema(f.StrictSchema):
    """One linkage token; ``debtor`` is 0 or 1 for person-level kinds and null for household-level ones."""

    kind = _one_of("Token kind", vocab.TOKEN_KINDS)
    value = fields.String(
        required=True,
        validate=f.rule(
            is_token_value, "Token value must be 43 base64url characters (an HMAC-SHA256 without padding)."
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

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[dict[str, Any] | None]:
        loaded: list[Any] | None = plain.tokens(value)
        return super()._deserialize(value, attr, data, **kwargs) if loaded is None else loaded


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
        signal_rules.check_facts(data, errors)
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
        """marshmallow's load, with a fast path for one plain, valid envelope (``schemas.v1.signal_plain``):
        the same result in about a third of the time, without marshmallow's walk field by field and schema
        by schema. Anything else (a list, a partial load, a schema with ``only`` or ``exclude``, a value of
        an unusual type or form, any invalid field) takes the full path, which names each bad field."""
        whole = not (many or self.many or partial or self.partial) and self.load_fields.keys() == plain.SIGNAL_FIELDS
        if whole and unknown in (None, RAISE):
            loaded = plain.signal(data)
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


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


#: The JSON form of the other scalar types a loaded envelope holds, by exact type (a subclass takes
#: ``_wire_scalar``).
_SCALARS: dict[type, Any] = {uuid.UUID: str, dt.date: dt.date.isoformat, bytes: _base64}


def _wire(value: Any) -> Any:
    """A loaded value in JSON form, as the envelope's fields dump it. The values already in JSON form (most
    of them) are taken without a call each."""
    kind = type(value)
    if kind in _AS_IS:  # before the Mapping check, which is slow for anything but a mapping
        return value
    convert = _SCALARS.get(kind)
    if convert is not None:
        return convert(value)
    if isinstance(value, Mapping):
        return {key: item if type(item) in _AS_IS else _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if type(item) in _AS_IS else _wire(item) for item in value]
    return _wire_scalar(value)


def _wire_scalar(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return _base64(value)
    return value

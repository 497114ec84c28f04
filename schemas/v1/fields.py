"""Strict marshmallow building blocks of the v1 schemas, with messages a collections clerk understands.

Every message names what is wrong and how to write it instead, and never repeats the submitted value:
validation errors travel into logs and problem+json responses, which must not carry personal data.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate
from marshmallow.types import ErrorMessages

from schemas.v1 import dutch

Checker = Callable[[str], bool]
_MAX_EMAIL_LENGTH = 254
_NAME_PUNCTUATION = " -'\u2019\u2018`.,"  # apostrophes as typed, curled or as a grave accent
# Organisation and key ids as the hub's directory issues them (hub/domain/directory.py).
ORG_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]")
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,99}")


class StrictSchema(Schema):
    """Unknown fields are errors; optional fields sent as null or blank load as absent.

    A subclass whose nulls carry meaning sets ``keep_nulls = True``.
    """

    keep_nulls = False

    class Meta:
        unknown = RAISE

    error_messages = {  # noqa: RUF012 -- marshmallow reads this class attribute by name
        "unknown": "This field is not part of the exchange standard; remove it.",
        "type": "Expected an object with named fields.",
    }

    @post_load
    def _drop_absent(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if self.keep_nulls:
            return data
        return {key: value for key, value in data.items() if value is not None}


def messages(label: str, **extra: str) -> ErrorMessages:
    """Error messages for a field shown to people as ``label``."""
    return {"required": f"{label} is required.", "null": f"{label} is required.", **extra}


def is_name(text: str) -> bool:
    """Letters, spaces and the punctuation names are written with (hyphen, apostrophes, dot, comma)."""
    return all(char.isalpha() or char in _NAME_PUNCTUATION for char in text) and any(c.isalpha() for c in text)


def is_initials(text: str) -> bool:
    """Letters with optional dots, spaces or hyphens: ``"P.M.M."``, ``"R. W."``, ``"PC"``."""
    return all(char.isalpha() or char in " .-" for char in text) and any(c.isalpha() for c in text)


def is_printable(text: str) -> bool:
    """No control or format characters (tabs, newlines, zero-width or bidi marks)."""
    return not any(unicodedata.category(char).startswith("C") for char in text)


class Text(fields.String):
    """One line of text: NFC-normalised, trimmed, runs of whitespace collapsed to one space.

    Blank text counts as absent: an error when the field is required, ``None`` (dropped) when it is not.
    ``check`` restricts the characters; ``hint`` says in words what is allowed.
    """

    def __init__(self, *, label: str, max_length: int, check: Checker = is_printable, hint: str = "", **kw: Any):
        allowed = hint or "must be plain text on one line"
        kw["error_messages"] = messages(
            label,
            invalid=f"{label} must be text.",
            blank=f"{label} is required.",
            too_long=f"{label} may be at most {max_length} characters long.",
            characters=f"{label} {allowed}.",
            **kw.get("error_messages", {}),
        )
        kw.setdefault("allow_none", not kw.get("required", False))
        kw.setdefault("metadata", {"maxLength": max_length})
        super().__init__(**kw)
        self.max_length = max_length
        self.check = check

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kw: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        text = " ".join(unicodedata.normalize("NFC", value).split())
        if not text:
            if self.required:
                raise self.make_error("blank")
            return None
        if len(text) > self.max_length:
            raise self.make_error("too_long")
        if not (is_printable(text) and self.check(text)):
            raise self.make_error("characters")
        return text


class Normalised(fields.String):
    """Text with a canonical form given by ``normalise`` (which returns ``None`` for invalid input)."""

    def __init__(self, *, label: str, normalise: Callable[[str], str | None], example: str, **kw: Any):
        kw["error_messages"] = messages(label, invalid=f"{label} is not valid; write it like {example}.")
        kw.setdefault("allow_none", not kw.get("required", False))
        super().__init__(**kw)
        self.normalise = normalise

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kw: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            if self.required:
                raise self.make_error("required")
            return None
        result = self.normalise(value)
        if result is None:
            raise self.make_error("invalid")
        return result


def postcode(label: str = "Postcode", **kw: Any) -> Normalised:
    """A Dutch postcode, loaded as ``1234AB``."""
    return Normalised(label=label, normalise=dutch.normalise_postcode, example="1234 AB", **kw)


def phone(label: str = "Telephone number", **kw: Any) -> Normalised:
    """A telephone number, loaded in E.164 (``+31612345678``)."""
    return Normalised(label=label, normalise=dutch.normalise_phone, example="06 12345678 or +31 6 12345678", **kw)


def bsn(label: str = "BSN", **kw: Any) -> Normalised:
    """A BSN passing the elfproef, loaded as nine digits."""
    return Normalised(label=label, normalise=dutch.normalise_bsn, example="123456782 (9 digits)", **kw)


def _normalise_email(text: str) -> str | None:
    address = text.strip()
    if len(address) > _MAX_EMAIL_LENGTH:
        return None
    try:
        return str(validate.Email()(address))
    except ValidationError:
        return None


def email(label: str = "E-mail address", **kw: Any) -> Normalised:
    """An e-mail address, trimmed (case kept: the part before ``@`` may be case-sensitive)."""
    return Normalised(label=label, normalise=_normalise_email, example="name@example.nl", **kw)


def date(label: str, **kw: Any) -> fields.Date:
    """An ISO date ``YYYY-MM-DD``."""
    invalid = f"{label} must be a date written as YYYY-MM-DD, for example 2026-03-31."
    return fields.Date(error_messages=messages(label, invalid=invalid, format=invalid), **kw)


def rule(holds: Callable[[Any], bool], message: str) -> Callable[[Any], None]:
    """A marshmallow validator raising ``message`` when ``holds(value)`` is false (marshmallow 4 validators
    must raise; a returned ``False`` is ignored)."""

    def check(value: Any) -> None:
        if not holds(value):
            raise ValidationError(message)

    return check


def integer(label: str, *, minimum: int, maximum: int, unit: str = "", **kw: Any) -> fields.Integer:
    """A whole JSON number within ``[minimum, maximum]``; no strings, floats or booleans."""
    shown = f" {unit}" if unit else ""
    return fields.Integer(
        strict=True,
        validate=validate.Range(minimum, maximum, error=f"{label} must be between {minimum} and {maximum}{shown}."),
        error_messages=messages(label, invalid=f"{label} must be a whole number."),
        **kw,
    )


class StrictBoolean(fields.Boolean):
    """Only JSON ``true`` or ``false``; not ``1``, ``"yes"`` or ``"true"``."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kw: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def boolean(label: str, **kw: Any) -> StrictBoolean:
    """A strict boolean."""
    return StrictBoolean(error_messages=messages(label, invalid=f"{label} must be true or false."), **kw)


class Base64Bytes(fields.Field[bytes]):
    """Standard, padded base64 in JSON, bytes in Python; refuses more than ``max_bytes`` decoded."""

    def __init__(self, *, label: str, max_bytes: int, **kw: Any):
        kw["error_messages"] = messages(
            label,
            invalid=f"{label} must be standard base64 with padding.",
            too_long=f"{label} may be at most {max_bytes} bytes.",
        )
        kw.setdefault("metadata", {"type": "string", "format": "byte"})  # for the generated OpenAPI document
        super().__init__(**kw)
        self.max_bytes = max_bytes

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kw: Any) -> bytes:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if len(value) > 4 * (self.max_bytes // 3 + 1):  # refuse before decoding a huge string
            raise self.make_error("too_long")
        try:
            decoded = base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as error:
            raise self.make_error("invalid") from error
        if len(decoded) > self.max_bytes:
            raise self.make_error("too_long")
        return decoded

    def _serialize(self, value: bytes | None, attr: str | None, obj: Any, **kw: Any) -> str | None:
        return None if value is None else base64.b64encode(value).decode("ascii")

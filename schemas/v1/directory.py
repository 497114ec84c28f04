"""API bodies of the directory: organisations, keys, the published directory."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import marshmallow as ma


class Strict(ma.Schema):
    """Unknown fields are errors, everywhere in the exchange standard."""

    class Meta:
        unknown = ma.RAISE


class Base64Bytes(ma.fields.Field[bytes]):
    """Bytes on the wire as standard base64."""

    def _serialize(self, value: bytes | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else base64.b64encode(value).decode("ascii")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, str):
            raise ma.ValidationError("Must be a base64 string.")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ma.ValidationError("Not valid base64.") from exc


KINDS = ("housing", "energy", "water", "health_insurer", "municipal_taxes", "municipality", "debt_help", "hub_admin")


class OrganisationIn(Strict):
    id = ma.fields.String(required=True, metadata={"example": "woonstad-rdam"})
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    municipality_code = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^\d{4}$", error="Four digits.")
    )


class KeyOut(Strict):
    key_id = ma.fields.String(required=True)
    organisation_id = ma.fields.String(required=True)
    use = ma.fields.String(required=True)
    suite = ma.fields.String(required=True)
    public_key = Base64Bytes(required=True)
    not_before = ma.fields.AwareDateTime(required=True)
    not_after = ma.fields.AwareDateTime(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    state = ma.fields.String(metadata={"description": "valid, revoked, expired or not_yet_valid, now"})


class OrganisationOut(Strict):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    municipality_code = ma.fields.String(allow_none=True)
    disabled = ma.fields.Boolean(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)
    # "keys" would resolve to dict.keys when absent, so the value travels as "key_list"
    keys = ma.fields.List(ma.fields.Nested(KeyOut), attribute="key_list", data_key="keys")


class KeyIn(Strict):
    use = ma.fields.String(required=True, validate=ma.validate.OneOf(("signing", "encryption")))
    suite = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "ed25519 for signing; mlkem768-x25519 (default) or x25519 for encryption"},
    )
    public_key = Base64Bytes(
        required=True, metadata={"description": "raw public key bytes, base64 (docs/wire-formats.md)"}
    )
    key_id = ma.fields.String(load_default=None, allow_none=True)
    not_before = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    not_after = ma.fields.AwareDateTime(load_default=None, allow_none=True)


class KeyRotateIn(Strict):
    public_key = Base64Bytes(required=True)
    new_key_id = ma.fields.String(load_default=None, allow_none=True)
    grace_hours = ma.fields.Integer(
        load_default=168,
        validate=ma.validate.Range(min=0, max=24 * 90),
        metadata={"description": "how long the old key stays valid"},
    )


class DirectoryKey(Strict):
    key_id = ma.fields.String(required=True)
    suite = ma.fields.String(required=True)
    public_key = ma.fields.String(required=True, metadata={"description": "base64"})
    not_before = ma.fields.String(required=True)
    not_after = ma.fields.String(allow_none=True)


class DirectoryOrganisation(Strict):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    municipality_code = ma.fields.String(allow_none=True)
    encryption_keys = ma.fields.List(ma.fields.Nested(DirectoryKey), required=True)


class Directory(Strict):
    organisations = ma.fields.List(ma.fields.Nested(DirectoryOrganisation), required=True)


class WhoAmI(Strict):
    organisation_id = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    key_id = ma.fields.String(required=True)

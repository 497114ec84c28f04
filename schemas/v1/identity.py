"""The plaintext identity payload of a v1 arrears signal: who is in arrears and where they live.

The creditor's adapter validates it before sealing it for the municipality; the municipality's adapter
validates it again after opening. It holds exactly what Bgs art. 2 allows and nothing else (data
minimisation is a legal duty): unknown fields are errors. A BSN is allowed only from the sectors that hold
one (``BSN_SECTORS``), so loading needs the signal's sector: ``IdentitySchema(sector="zorg")`` or
``load_identity(data, sector="zorg")``.

Every debtor needs a surname; initials and first names are optional, because creditors' exports lack
them on valid rows (one row in six at the sample health insurer). ``name_prefix`` is kept for the
municipality's register lookup; the linkage tokens ignore it (``adapters.normalise`` strips prefixes).

Loaded form: optional fields that are absent, null or blank are left out; text is trimmed with single
spaces; postcode ``1234AB``; phone E.164; BSN nine digits; dates are ``datetime.date``. Dumping a loaded
payload gives its wire form, the input of the canonical JSON that is sealed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.v1 import clock, vocab
from schemas.v1 import fields as f

_NAME_HINT = "may contain only letters, spaces, hyphens, apostrophes, dots and commas"
_REFERENCE_HINT = "may contain only letters, digits, spaces and . _ / -"


def _is_reference(text: str) -> bool:
    return all((char.isascii() and char.isalnum()) or char in " ._/-" for char in text)


def _present(value: Any) -> bool:
    """Whether a raw input value counts as given (the fields load null and blank text as absent)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _creditor_reference() -> f.Text:
    return f.Text(
        label="Creditor reference (customer or contract number)",
        max_length=64,
        check=_is_reference,
        hint=_REFERENCE_HINT,
        required=True,
    )


class Address(TypedDict):
    """A loaded address."""

    street: str
    house_number: int
    house_number_addition: NotRequired[str]
    postcode: str
    town: str


class Debtor(TypedDict):
    """A loaded debtor."""

    initials: NotRequired[str]
    first_names: NotRequired[str]
    name_prefix: NotRequired[str]
    surname: str
    birth_surname: NotRequired[str]
    date_of_birth: NotRequired[dt.date]
    phone: NotRequired[str]
    email: NotRequired[str]
    bsn: NotRequired[str]


class IdentityPayload(TypedDict):
    """A loaded identity payload."""

    debtors: list[Debtor]
    address: Address
    creditor_reference: str


class AddressSchema(f.StrictSchema):
    """The debtors' home address (one per signal)."""

    street = f.Text(label="Street", max_length=100, required=True)
    house_number = f.integer("House number", minimum=1, maximum=99999, required=True)
    house_number_addition = f.Text(
        label="House number addition",
        max_length=10,
        check=lambda text: all(char.isalnum() or char in " -/" for char in text),
        hint="may contain only letters, digits, spaces, hyphens and slashes (for example A, 1, 2-hoog, bis)",
    )
    postcode = f.postcode(required=True)
    town = f.Text(label="Town", max_length=80, required=True)


class DebtorSchema(f.StrictSchema):
    """One debtor: a person named on the contract."""

    initials = f.Text(
        label="Initials", max_length=20, check=f.is_initials, hint="may contain only letters, dots and spaces"
    )
    first_names = f.Text(label="First names", max_length=200, check=f.is_name, hint=_NAME_HINT)
    name_prefix = f.Text(label="Name prefix (tussenvoegsel)", max_length=20, check=f.is_name, hint=_NAME_HINT)
    surname = f.Text(label="Surname", max_length=200, check=f.is_name, hint=_NAME_HINT, required=True)
    birth_surname = f.Text(label="Birth surname", max_length=200, check=f.is_name, hint=_NAME_HINT)
    date_of_birth = f.date("Date of birth", allow_none=True)
    phone = f.phone()
    email = f.email()
    bsn = f.bsn()

    @validates_schema(skip_on_field_errors=False)
    def _plausible_birth_date(self, data: dict[str, Any], **_: Any) -> None:
        born = data.get("date_of_birth")
        if born is None:
            return
        today = clock.today()
        if born > today:
            raise ValidationError("Date of birth lies in the future; check the date.", "date_of_birth")
        if born < clock.years_before(today, vocab.MAX_DEBTOR_AGE_YEARS):
            raise ValidationError(
                f"Date of birth gives an age over {vocab.MAX_DEBTOR_AGE_YEARS}; check the year.", "date_of_birth"
            )
        if born > clock.years_before(today, vocab.MIN_DEBTOR_AGE_YEARS):
            raise ValidationError(
                f"Date of birth gives an age under {vocab.MIN_DEBTOR_AGE_YEARS}; check the date.", "date_of_birth"
            )


class IdentitySchema(f.StrictSchema):
    """The identity payload; ``sector`` (a code of ``vocab.SECTORS``) decides whether a BSN is allowed."""

    debtors = fields.List(
        fields.Nested(DebtorSchema),
        required=True,
        validate=validate.Length(min=1, max=2, error="A signal names one debtor, or two for a joint contract."),
        error_messages=f.messages("Debtors", invalid="Debtors must be a list of one or two people."),
    )
    address = fields.Nested(AddressSchema, required=True, error_messages=f.messages("Address"))
    creditor_reference = _creditor_reference()

    def __init__(self, *, sector: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sector = sector

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _bsn_only_from_sectors_that_hold_one(self, _: dict[str, Any], original: Any, **__: Any) -> None:
        # Read from the original input so the index is right even when another debtor failed to load.
        if self.sector in vocab.BSN_SECTORS or not isinstance(original, Mapping):
            return
        debtors = original.get("debtors")
        if not isinstance(debtors, list):
            return
        errors = {
            index: {"bsn": ["Only health insurers and the CAK may send a BSN; leave it out."]}
            for index, debtor in enumerate(debtors)
            if isinstance(debtor, Mapping) and _present(debtor.get("bsn"))
        }
        if errors:
            raise ValidationError({"debtors": errors})


class ReferencePayloadSchema(f.StrictSchema):
    """The plaintext of ``sealed_reference``: the creditor's own reference, sealed to the creditor itself."""

    creditor_reference = _creditor_reference()


def load_identity(data: Mapping[str, Any], *, sector: str) -> IdentityPayload:
    """Validate and normalise an identity payload for a signal of ``sector``.

    Raises ``marshmallow.ValidationError`` with messages keyed by field (``debtors.0.surname``) and a
    ``sector`` message when the sector is unknown. Dates are checked against ``clock.today()``.
    """
    if sector not in vocab.SECTORS:
        raise ValidationError({"sector": ["Sector is not one of the sector codes of the exchange standard."]})
    return cast(IdentityPayload, IdentitySchema(sector=sector).load(data))


def dump_identity(identity: IdentityPayload | Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of a loaded identity payload (dates as ``YYYY-MM-DD``), ready for canonical JSON."""
    return cast(dict[str, Any], IdentitySchema().dump(identity))

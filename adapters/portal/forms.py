"""The portal's forms (Flask-WTF: every POST form carries a CSRF token), labelled in Dutch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from adapters.portal import words
from schemas.v1 import ddas

# Flask-WTF ships no type information: every form below subclasses an untyped base class.
# ruff: noqa: N805 - wtforms' inline validators are methods named validate_<field> taking (form, field)


def options(pairs: Iterable[tuple[str, str]]) -> list[Any]:
    """Choices of a select, radio or check-box field: (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _today() -> dt.date:
    return dt.date.today()


def _not_in_future(form: Any, field: Any) -> None:
    if field.data is not None and field.data > dt.date.today():
        raise ValidationError("Deze datum ligt in de toekomst.")


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as a list of check boxes (each with its own label) instead of a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InboxFilter(FlaskForm):  # type: ignore[misc]
    """The inbox's filters (a GET form: no CSRF token needed, nothing changes)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=options(
            [("", "Alle open"), ("new", "Nieuw"), ("in_progress", "In behandeling"), ("closed", "Afgesloten")]
        ),
        default="",
    )
    sector = SelectField("Sector", choices=options([("", "Alle sectoren"), *words.SECTORS.items()]), default="")
    wijk = StringField(
        "Wijk (postcodegebied)",
        validators=[Optional(), Length(min=4, max=4)],
        description="De vier cijfers van de postcode",
    )
    crisis = BooleanField("Alleen met dreigende afsluiting of ontruiming")


class ContactForm(FlaskForm):  # type: ignore[misc]
    kind = SelectField(
        "Soort contact",
        choices=options([("", "Kies de soort contact"), *((k, k) for k in ddas.CONTACT_KINDS)]),
        validators=[DataRequired()],
    )
    reached = RadioField(
        "Inwoner bereikt?",
        choices=options([("ja", "Ja"), ("nee", "Nee")]),
        validators=[InputRequired("Kies ja of nee.")],
    )
    date = DateField("Datum", default=_today, validators=[InputRequired("Vul de datum in."), _not_in_future])
    part_of_day = SelectField(
        "Dagdeel", choices=options([("", "Niet vastgelegd"), *((p, p) for p in ddas.PARTS_OF_DAY)])
    )


class ResultForm(FlaskForm):  # type: ignore[misc]
    result = SelectField(
        "Eindresultaat",
        choices=options([("", "Kies het resultaat"), *((r, r) for r in ddas.RESULTS)]),
        validators=[DataRequired()],
    )
    date = DateField("Datum", default=_today, validators=[InputRequired("Vul de datum in."), _not_in_future])


class SplitForm(FlaskForm):  # type: ignore[misc]
    signal_ids = CheckboxesField("Signalen die een eigen huishouden vormen", choices=[])

    def validate_signal_ids(form, field: Any) -> None:
        if not field.data:
            raise ValidationError("Kies minstens één signaal.")
        if len(field.data) >= len(field.choices):
            raise ValidationError("Laat minstens één signaal in dit huishouden.")


class MergeForm(FlaskForm):  # type: ignore[misc]
    case_id = SelectField("Huishouden dat hierbij hoort", choices=[], validators=[DataRequired()])


class ReferForm(FlaskForm):  # type: ignore[misc]
    """Refer to debt help, with the consent the household gives now (it is recorded with this moment)."""

    debt_help_id = SelectField("Schuldhulpverlener", choices=[], validators=[DataRequired()])
    method = RadioField(
        "Hoe gaf de inwoner toestemming?",
        choices=options([("in_person", "In een gesprek"), ("in_writing", "Op papier"), ("digital", "Digitaal")]),
        validators=[InputRequired("Kies hoe de toestemming is gegeven.")],
    )
    settlement = BooleanField(
        "De inwoner geeft ook toestemming voor een schuldregeling met de schuldeisers van dit huishouden",
        default=True,
    )
    confirmed = BooleanField(
        "De inwoner weet wat er wordt doorgegeven en aan wie, en heeft daarvoor toestemming gegeven",
        validators=[DataRequired("Vink aan dat de inwoner toestemming gaf.")],
    )


class ClaimRequestForm(FlaskForm):  # type: ignore[misc]
    participants = CheckboxesField("Schuldeisers die een saldoverzoek krijgen", choices=[])

    def validate_participants(form, field: Any) -> None:
        if not field.data:
            raise ValidationError("Kies minstens één schuldeiser.")


class ProposalForm(FlaskForm):  # type: ignore[misc]
    kind = RadioField(
        "Soort voorstel",
        choices=options(list(words.PROPOSAL_KINDS.items())),
        default="regular",
        validators=[DataRequired()],
    )
    monthly_capacity_euros = IntegerField(
        "Afloscapaciteit per maand (hele euro's)",
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
    )
    term_months = IntegerField(
        "Looptijd (maanden)", default=18, validators=[InputRequired(), NumberRange(min=0, max=120)]
    )
    lump_sum_euros = IntegerField(
        "Bedrag ineens bij saneringskrediet (hele euro's)", default=0, validators=[Optional(), NumberRange(min=0)]
    )


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only its CSRF token."""

"""Export layouts: how each kind of creditor's export is written, and which column holds which field.

A layout names the file format (CSV or JSON lines), separator, encoding, amount and date styles, and a
column mapping from the adapter's field names (``FIELDS``) to the export's columns (for JSON lines a
dotted path into the object, ``adres.postcode``). The five shipped layouts read the sample exports in
../shared/samples; an organisation whose export differs overrides any part in its configuration
(``[export]`` and ``[export.columns]``, docs/adapters.md). Columns not in the mapping are never read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from adapters.exports.values import AMOUNT_FORMATS

#: The fields a mapping can name, with what they hold. ``name`` and ``street_and_number`` are combined
#: columns that the adapter splits (adapters/exports/names.py); map either those or the separate fields.
FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "creditor_reference": "customer or contract number (required)",
        "name": "full name in one column, split into initials/first names, prefix and surname",
        "initials": "initials",
        "first_names": "first names",
        "name_prefix": "name prefix (tussenvoegsel)",
        "surname": "surname (required unless name is mapped)",
        "date_of_birth": "date of birth (birth_date_format)",
        "phone": "telephone number",
        "email": "e-mail address",
        "bsn": "BSN (health insurers and the CAK only)",
        "street_and_number": "street, house number and addition in one column",
        "street": "street (required unless street_and_number is mapped)",
        "house_number": "house number, optionally with its addition glued on (126I, 25-1-hoog)",
        "house_number_addition": "house-number addition",
        "postcode": "postcode (required)",
        "town": "town (required)",
        "amount": "arrears (required; amount_format)",
        "arrears_since": "date the arrears arose (required)",
        "signal_date": "signal date (required)",
        "periods_in_arrears": "periods (months) in arrears; derived from the dates when not mapped",
        "periodic_charge": "monthly charge; the arrears divided by the periods when not mapped",
        "written_reminder_sent": "date of the written reminder (required)",
        "personal_contact_attempted": "date personal contact was attempted (required)",
        "debt_help_pointed_out": "date debt help was pointed out (required)",
        "transfer_offered": "date passing the contact details on was offered (required)",
        "crisis_date": "eviction or end-of-supply date, when planned",
        "warm_handover": "warm handover wanted (ja/nee)",
    }
)
_ALWAYS: Final = (
    "creditor_reference",
    "postcode",
    "town",
    "amount",
    "arrears_since",
    "signal_date",
    "written_reminder_sent",
    "personal_contact_attempted",
    "debt_help_pointed_out",
    "transfer_offered",
)
_COMBINED: Final = {
    "name": ("initials", "first_names", "name_prefix", "surname"),
    "street_and_number": ("street", "house_number", "house_number_addition"),
}
FORMATS: Final = ("csv", "jsonl")


class LayoutError(ValueError):
    """A layout or its configured overrides are inconsistent; the message says what to change."""


@dataclass(frozen=True)
class Layout:
    """How one export is written; ``columns`` maps ``FIELDS`` names to the export's column names."""

    name: str
    sector: str
    file_format: str
    columns: Mapping[str, str]
    delimiter: str = ","
    encoding: str = "utf-8"
    amount_format: str = "dot"
    date_format: str = "%Y-%m-%d"
    birth_date_format: str = "%Y-%m-%d"
    crisis_kind: str | None = field(default=None)

    def column(self, name: str) -> str | None:
        """The export column of field ``name``, or None when the layout does not read it."""
        return self.columns.get(name) or None

    def check(self) -> None:
        """Raise :class:`LayoutError` naming the first thing to fix in the layout."""
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise LayoutError(f"export.columns names unknown fields: {', '.join(unknown)}; see docs/adapters.md")
        if self.file_format not in FORMATS:
            raise LayoutError(f"export.format must be one of {', '.join(FORMATS)}")
        if self.amount_format not in AMOUNT_FORMATS:
            raise LayoutError(f"export.amount_format must be one of {', '.join(AMOUNT_FORMATS)}")
        for combined, parts in _COMBINED.items():
            both = [part for part in parts if self.column(combined) and self.column(part)]
            if both:
                raise LayoutError(f"map either {combined} or {', '.join(both)} in export.columns, not both")
        required = [*_ALWAYS, "name" if self.column("name") else "surname"]
        if not self.column("street_and_number"):
            required += ["street", "house_number"]
        missing = [name for name in required if not self.column(name)]
        if missing:
            raise LayoutError(f"export.columns must map {', '.join(missing)}")

    def with_overrides(self, overrides: Mapping[str, Any]) -> Layout:
        """This layout with the ``[export]`` settings of a configuration applied (``columns`` merged)."""
        settings = dict(overrides)
        settings.pop("layout", None)
        columns = {**self.columns, **settings.pop("columns", {})}
        names = {f.name for f in dataclasses.fields(self)} - {"name", "columns"}
        renamed = {"format": "file_format"}
        unknown = sorted(key for key in settings if renamed.get(key, key) not in names)
        if unknown:
            raise LayoutError(f"unknown [export] settings: {', '.join(unknown)}; see docs/adapters.md")
        changes = {renamed.get(key, key): value for key, value in settings.items()}
        changed = dataclasses.replace(self, columns=MappingProxyType(columns), **changes)
        changed.check()
        return changed


_ATTESTATIONS_NL = {
    "written_reminder_sent": "herinnering_verstuurd",
    "personal_contact_attempted": "contactpoging",
    "debt_help_pointed_out": "schuldhulp_genoemd",
    "transfer_offered": "doorgifte_aangeboden",
}
_UTILITY_COLUMNS = {
    "creditor_reference": "klantnummer",
    "name": "naam",
    "date_of_birth": "geboortedatum",
    "street_and_number": "adres",
    "postcode": "postcode",
    "town": "plaats",
    "phone": "telefoon",
    "email": "email",
    "amount": "openstaand",
    "arrears_since": "oudste_vervaldatum",
    "periodic_charge": "termijnbedrag",
    "signal_date": "signaaldatum",
    **_ATTESTATIONS_NL,
}

HOUSING = Layout(
    name="housing",
    sector="huur",
    file_format="csv",
    delimiter=";",
    encoding="cp1252",
    amount_format="comma",
    date_format="%d-%m-%Y",
    birth_date_format="%d-%m-%Y",
    crisis_kind="eviction",
    columns=MappingProxyType(
        {
            "creditor_reference": "Contractnummer",
            "initials": "Voorletters",
            "first_names": "Voornamen",
            "name_prefix": "Tussenvoegsel",
            "surname": "Achternaam",
            "date_of_birth": "Geboortedatum",
            "street": "Straat",
            "house_number": "Huisnr",
            "house_number_addition": "Toev",
            "postcode": "Postcode",
            "town": "Woonplaats",
            "phone": "Telefoon",
            "email": "E-mail",
            "amount": "Achterstand",
            "arrears_since": "Achterstand sinds",
            "periodic_charge": "Kale huur",
            "periods_in_arrears": "Maanden achterstand",
            "signal_date": "Datum signaal",
            "written_reminder_sent": "Datum herinnering",
            "personal_contact_attempted": "Datum contactpoging",
            "debt_help_pointed_out": "Gewezen op schuldhulp",
            "transfer_offered": "Toestemming gevraagd",
            "crisis_date": "Ontruimingsdatum",
        }
    ),
)
ENERGY = Layout(
    name="energy",
    sector="energie",
    file_format="csv",
    crisis_kind="end_of_supply",
    columns=MappingProxyType({**_UTILITY_COLUMNS, "crisis_date": "einde_levering"}),
)
WATER = Layout(
    name="water",
    sector="water",
    file_format="csv",
    crisis_kind="end_of_supply",
    columns=MappingProxyType(_UTILITY_COLUMNS),
)
HEALTH_INSURER = Layout(
    name="health_insurer",
    sector="zorg",
    file_format="csv",
    delimiter="|",
    amount_format="comma",
    birth_date_format="%Y%m%d",
    columns=MappingProxyType(
        {
            "creditor_reference": "Relatienummer",
            "bsn": "BSN",
            "initials": "Voorletters",
            "name_prefix": "Voorvoegsels",
            "surname": "Geslachtsnaam",
            "date_of_birth": "Geboortedatum",
            "street": "Straatnaam",
            "house_number": "Huisnummer",
            "house_number_addition": "Huisnummertoevoeging",
            "postcode": "Postcode",
            "town": "Woonplaats",
            "amount": "Premieachterstand",
            "periods_in_arrears": "Aantal_maanden",
            "arrears_since": "Ingangsdatum_achterstand",
            "signal_date": "Datum_signaal",
            "written_reminder_sent": "Herinnering",
            "personal_contact_attempted": "Contactpoging",
            "debt_help_pointed_out": "Schuldhulp_gewezen",
            "transfer_offered": "Aanbod_doorgifte",
        }
    ),
)
MUNICIPAL_TAXES = Layout(
    name="municipal_taxes",
    sector="overige",
    file_format="jsonl",
    amount_format="cents",
    columns=MappingProxyType(
        {
            "creditor_reference": "aanslagnummer",
            "initials": "voorletters",
            "first_names": "voornamen",
            "name_prefix": "voorvoegsel",
            "surname": "achternaam",
            "date_of_birth": "geboortedatum",
            "street": "adres.straat",
            "house_number": "adres.huisnummer",
            "house_number_addition": "adres.toevoeging",
            "postcode": "adres.postcode",
            "town": "adres.woonplaats",
            "amount": "openstaand_cent",
            "arrears_since": "achterstand_sinds",
            "signal_date": "signaaldatum",
            "written_reminder_sent": "herinnering",
            "personal_contact_attempted": "contactpoging",
            "debt_help_pointed_out": "schuldhulp_gewezen",
            "transfer_offered": "doorgifte_aangeboden",
        }
    ),
)

#: The shipped layouts by name; an organisation kind's default layout has the kind's name.
LAYOUTS: Final[Mapping[str, Layout]] = MappingProxyType(
    {layout.name: layout for layout in (HOUSING, ENERGY, WATER, HEALTH_INSURER, MUNICIPAL_TAXES)}
)


def layout_for(overrides: Mapping[str, Any], default: str) -> Layout:
    """The layout named by ``overrides["layout"]`` (else ``default``) with the overrides applied."""
    name = str(overrides.get("layout") or default)
    if name not in LAYOUTS:
        raise LayoutError(f"export.layout must be one of {', '.join(LAYOUTS)}")
    return LAYOUTS[name].with_overrides(overrides) if overrides else LAYOUTS[name]

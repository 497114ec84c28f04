"""The portal's Dutch words for the exchange's codes, and the Jinja filters that format amounts and dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from flask import Flask

from schemas.v1 import vocab

MONTHS: Final = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip

SECTORS: Final[Mapping[str, str]] = vocab.SECTORS
REPORT_STATES: Final[Mapping[str, str]] = {
    "new": "Nieuw",
    "in_progress": "In behandeling",
    "closed": "Afgesloten",
    "merged": "Samengevoegd",
}
CRISIS_KINDS: Final[Mapping[str, str]] = {"end_of_supply": "Afsluiting dreigt", "eviction": "Ontruiming dreigt"}
SIGNAL_HUB_STATES: Final[Mapping[str, str]] = {
    "received": "Ontvangen door de hub",
    "delivered": "Afgeleverd bij de gemeente",
    "picked_up": "Opgepakt",
    "not_picked_up": "Niet opgepakt",
    "unknown": "Nog onbekend",
}
NOT_PICKED_UP_REASONS: Final[Mapping[str, str]] = {
    "repeat_report": "herhaalde melding",
    "unfounded": "onterecht signaal",
    "other_reason": "andere reden",
}
DOSSIER_STATES: Final[Mapping[str, str]] = {
    "opened": "Geopend",
    "inventory": "Inventarisatie",
    "proposal": "Voorstel klaar",
    "negotiation": "Voorstel verstuurd",
    "agreed": "Akkoord",
    "running": "Loopt",
    "completed": "Afgerond",
    "failed": "Mislukt",
    "withdrawn": "Ingetrokken",
}
CLAIM_STATES: Final[Mapping[str, str]] = {"none": "Nog geen opgave", "stated": "Opgegeven", "refused": "Geweigerd"}
ANSWERS: Final[Mapping[str, str]] = {"accept": "Akkoord", "reject": "Afgewezen"}
PROPOSAL_KINDS: Final[Mapping[str, str]] = {
    "regular": "Schuldregeling (aflossen uit de afloscapaciteit)",
    "saneringskrediet": "Saneringskrediet (één bedrag ineens)",
    "sa": "SA (geen afloscapaciteit)",
}
MESSAGE_KINDS: Final[Mapping[str, str]] = {
    "notice": "Kennisgeving",
    "claim_request": "Saldoverzoek",
    "proposal": "Betaalvoorstel",
    "reconsideration": "Heroverweging",
    "agreed": "Schuldregeling akkoord",
    "ended": "Schuldregeling beëindigd",
    "status": "Statusbericht",
    "claim_statement": "Saldoverzoek antwoord",
    "proposal_answer": "Betaalvoorstel antwoord",
    "refusal": "Geen medewerking",
    "creditor_status": "Statusbericht",
    "status_request": "Statusverzoek",
    "reminder": "Herinnering",
    "escalation": "Termijn verlopen",
    "multi_creditor_notice": "Meerdere schuldeisers",
}
ROLES: Final[Mapping[str, str]] = {"worker": "medewerker", "manager": "leidinggevende"}
CONSENT_PURPOSES: Final[Mapping[str, str]] = {
    "debt_help_referral": "verwijzing naar schuldhulpverlening",
    "settlement_negotiation": "een schuldregeling met de schuldeisers",
    "multi_creditor_notice": "melden dat er meer schuldeisers zijn",
    "fund_referral": "voorleggen aan een schuldenfonds",
}
KINDS: Final[Mapping[str, str]] = {
    "municipality": "gemeente",
    "debt_help": "schuldhulpverlening",
    "housing": "woningcorporatie",
    "energy": "energieleverancier",
    "water": "drinkwaterbedrijf",
    "health_insurer": "zorgverzekeraar",
    "municipal_taxes": "gemeentelijke belastingen",
}


def euro(cents: int | None, whole: bool = False) -> str:
    """``123456`` -> ``€ 1.234,56`` (Dutch notation, a no-break space after the sign so an amount never
    wraps); ``whole`` rounds to euros."""
    if cents is None:
        return "onbekend"
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    if whole:
        euros += rest >= 50
        return f"{sign}€\u00a0{euros:,}".replace(",", ".")
    return f"{sign}€\u00a0{euros:,}".replace(",", ".") + f",{rest:02d}"


def date_nl(value: Any) -> str:
    """A date (or ISO text) as ``23 november 2026``; empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.astimezone().date() if value.tzinfo else value.date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def percent(value: float | None) -> str:
    return "onbekend" if value is None else f"{value * 100:.0f}%".replace(".", ",")


def basis_points(value: int | None) -> str:
    return "onbekend" if value is None else f"{value / 100:.2f}%".replace(".", ",")


def label(table: Mapping[str, str], code: Any) -> str:
    return table.get(str(code), str(code)) if code is not None else ""


def init_app(app: Flask) -> None:
    app.add_template_filter(euro)
    app.add_template_filter(date_nl, "datum")
    app.add_template_filter(percent, "procent")
    app.add_template_filter(basis_points, "bp")
    tables = {
        "sector": SECTORS,
        "report_state": REPORT_STATES,
        "crisis": CRISIS_KINDS,
        "hub_state": SIGNAL_HUB_STATES,
        "reason": NOT_PICKED_UP_REASONS,
        "dossier_state": DOSSIER_STATES,
        "claim_state": CLAIM_STATES,
        "answer": ANSWERS,
        "proposal_kind": PROPOSAL_KINDS,
        "message_kind": MESSAGE_KINDS,
        "role": ROLES,
        "purpose": CONSENT_PURPOSES,
        "kind": KINDS,
    }
    for name, table in tables.items():
        app.add_template_filter(lambda code, table=table: label(table, code), name)

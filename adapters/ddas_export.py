"""``signaal ddas export --month 2026-10``: the month's DDAS v0.9 delivery for CBS, from the local store.

The delivery follows the VNG/Divosa exchange model v0.9 (``../shared/ddas/json_schema_Uitwisselmodel.json``):
one ``levering`` for this municipality with

- ``vroegsignalen``: every active signal whose signal date (``signaaldatum``) lies in the month, with its
  amount in whole euros (rounded half up from cents), arrears date, crisis and warm-handover flags, sector
  (``signaalpartner.type``), the client as the municipality opened it (first debtor: BSN where the health
  insurer sent one, initials, prefix, surname, date of birth, address), and ``status`` while it is not picked
  up: ``Nog niet opgepakt`` without contact or result, or the not-picked-up result recorded for its case;
- ``vroegsignaalzaken``: one per household case holding such a signal, naming those signals, with every
  contact attempt (``contactpogingen``), the result (``resultaat``) when recorded, the day it was picked up
  (``datum_opgepakt``: the first contact attempt, else the day of a result that picks it up) and the day the
  first of its signals was matched (``matchingsdatum``).

The delivery holds personal data: the file is written with mode 0600, for the municipality's own transfer
to CBS. Cases merged into another case are exported as part of the case they were merged into.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from adapters.localstore import LocalStore
from adapters.localviews import Household, SignalView
from schemas.v1 import ddas

DDAS_VERSION: Final = "0.9"
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Month:
    """A calendar month, from ``YYYY-MM``."""

    first: dt.date

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.fullmatch(text.strip())
        if match is None:
            raise ValueError("the month must be written YYYY-MM, e.g. 2026-10")
        return cls(dt.date(int(match[1]), int(match[2]), 1))

    @property
    def last(self) -> dt.date:
        following = (self.first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last


@dataclass(frozen=True)
class Supplier:
    """Who delivers: the municipality's CBS code, the delivering organisation, the software supplier code."""

    municipality_code: str
    organisation_name: str
    supplier_code: str


def whole_euros(cents: int) -> int:
    """Cents to whole euros, half up (the hub keeps cents; DDAS has whole euros)."""
    return (cents + 50) // 100


def _client(identity: Mapping[str, Any] | None) -> dict[str, str]:
    if identity is None:
        return {}
    debtor, address = identity["debtors"][0], identity["address"]
    pairs = {
        "Burgerservicenummer": debtor.get("bsn"),
        "Voorletters": debtor.get("initials"),
        "Voorvoegsel": debtor.get("name_prefix"),
        "Achternaam": debtor["surname"],
        "Geboortedatum": debtor.get("date_of_birth"),
        "Straatnaam": address["street"],
        "Postcode": address["postcode"],
        "Huisnummer": str(address["house_number"]),
        "Huisnummertoevoeging": address.get("house_number_addition"),
        "Plaatsnaam": address["town"],
    }
    return {key: str(value) for key, value in pairs.items() if value}


def _status(household: Household) -> str | None:
    """The EnumSignaalstatus of the case's signals, or ``None`` once picked up (the enum has no such value)."""
    result = household.summary.result
    if result in ddas.NOT_PICKED_UP_RESULTS:
        return result
    if result is None and not household.contacts:
        return "Nog niet opgepakt"
    return None


def _signal(signal: SignalView, household: Household) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ID": signal.signal_id,
        "crisissignaal": signal.crisis_date is not None,
        "warmeOverdracht": signal.warm_handover,
        "bedrag": whole_euros(signal.amount_cents),
        "ontstaansdatum": signal.arrears_since.isoformat(),
        "signaaldatum": signal.signal_date.isoformat(),
        "signaalpartner": {"type": signal.ddas_sector},
        "client": _client(signal.identity),
    }
    status = _status(household)
    if status is not None:
        item["status"] = status
    return item


def _contact(contact: Mapping[str, Any]) -> dict[str, Any]:
    attempt = {"soort": contact["kind"], "bereikt": bool(contact["reached"]), "datum": str(contact["date"])}
    if contact.get("part_of_day"):
        attempt["dagdeel"] = contact["part_of_day"]
    return attempt


def _case(household: Household, signals: list[SignalView], matched: dt.date | None) -> dict[str, Any]:
    summary = household.summary
    case: dict[str, Any] = {
        "vroegsignalen": [{"ID": s.signal_id} for s in signals],
        "contactpogingen": [_contact(c) for c in household.contacts],
    }
    if summary.result is not None:
        case["resultaat"] = summary.result
    contact_dates = sorted(str(c["date"]) for c in household.contacts)
    if contact_dates:
        case["datum_opgepakt"] = contact_dates[0]
    elif summary.result_on is not None and summary.result not in ddas.NOT_PICKED_UP_RESULTS:
        case["datum_opgepakt"] = summary.result_on.isoformat()
    if matched is not None:
        case["matchingsdatum"] = matched.isoformat()
    return case


def _first_join(store: LocalStore, household: Household, signal_ids: set[str]) -> dt.date | None:
    joined = [
        dt.datetime.fromisoformat(s["joined_at"]).date()
        for s in store.report(household.summary.case_id)["case"]["signals"]
        if s["id"] in signal_ids and s.get("joined_at")
    ]
    return min(joined, default=None)


def build_delivery(store: LocalStore, month: Month, supplier: Supplier, now: dt.datetime) -> dict[str, Any]:
    """The month's delivery as a JSON-ready document (``now``: the delivery time, aware)."""
    signals: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    for case_id in store.case_ids():
        household = store.household(case_id)
        in_month = [s for s in household.signals if s.status == "active" and s.signal_date in month]
        if not in_month:
            continue
        signals.extend(_signal(s, household) for s in in_month)
        matched = _first_join(store, household, {s.signal_id for s in in_month})
        cases.append(_case(household, in_month, matched))
    delivery: dict[str, Any] = {"teller": 1, "gemeentecode": supplier.municipality_code}
    delivery["aanleverende_organisatie"] = {"naam": supplier.organisation_name}
    delivery["vroegsignalen"] = signals
    delivery["vroegsignaalzaken"] = cases
    return {
        "startdatumLevering": month.first.isoformat(),
        "einddatumLevering": month.last.isoformat(),
        "aanleverdatumEnTijd": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "codeGegevensleverancier": supplier.supplier_code,
        "leveringen": [delivery],
    }


def write_delivery(document: Mapping[str, Any], path: Path) -> None:
    """Write the delivery as UTF-8 JSON with mode 0600 (it holds personal data)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with os.fdopen(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, indent=1)
        out.write("\n")
    os.replace(temporary, path)

"""The creditors' exports the demo pushes: the shared synthetic samples, or a few rows made up here.

``../shared/samples`` holds realistic synthetic exports (the same households at several creditors, each
written its own way, and a few defective rows). When that folder is missing, ``synthesise`` writes a
small export per creditor in the layout the adapter reads for its kind (``adapters.exports.LAYOUTS``):
six made-up households in Haarlem's and Groningen's postcode areas, two of them known to every creditor.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from adapters.exports import LAYOUTS, Layout
from demo import ROOT
from demo.parties import CREDITORS

SHARED_SAMPLES = ROOT.parent / "shared" / "samples"

# Made-up households: clearly fictitious names and streets. (surname, initials, street, number, postcode, town)
_HOUSEHOLDS = (
    ("Voorbeeldsma", "J.P.", "Demonstratielaan", 12, "2011AB", "Haarlem"),
    ("Proefhuizen", "A.", "Oefenstraat", 7, "2012CD", "Haarlem"),
    ("Testerveld", "M.L.", "Fictieweg", 31, "2013EF", "Haarlem"),
    ("Schijnvliet", "K.", "Verzinsingel", 4, "9711GH", "Groningen"),
    ("Nepbergen", "R.W.", "Bedachtplein", 19, "9712JK", "Groningen"),
    ("Denkbeeldig", "S.", "Ontwerpkade", 88, "2014LM", "Haarlem"),
)
# Which households each creditor's export holds (by index), and the arrears per household in cents.
_AT_CREDITOR = {"housing": (0, 1, 3, 5), "energy": (0, 1, 2, 4), "health_insurer": (0, 2, 4, 5)}
_ARREARS = {"housing": 164_250, "energy": 48_775, "health_insurer": 61_230}


def exports_dir(requested: Path | None) -> Path | None:
    """The folder with the sample exports, or None when there is none (then synthesise)."""
    folder = requested or SHARED_SAMPLES
    if all((folder / spec.export).is_file() for spec in CREDITORS if spec.export):
        return folder
    return None


def _amount(cents: int, layout: Layout) -> Any:
    if layout.amount_format == "cents":
        return cents
    text = f"{cents // 100}.{cents % 100:02d}"
    return text.replace(".", ",") if layout.amount_format == "comma" else text


def _values(kind: str, index: int, layout: Layout, today: dt.date) -> Mapping[str, Any]:
    surname, initials, street, number, postcode, town = _HOUSEHOLDS[index]
    signal_date = today - dt.timedelta(days=3 + index)
    arrears = _ARREARS[kind] + 1_111 * index
    on = {
        "arrears_since": signal_date - dt.timedelta(days=75),
        "written_reminder_sent": signal_date - dt.timedelta(days=30),
        "personal_contact_attempted": signal_date - dt.timedelta(days=20),
        "debt_help_pointed_out": signal_date - dt.timedelta(days=20),
        "transfer_offered": signal_date - dt.timedelta(days=30),
        "signal_date": signal_date,
    }
    values: dict[str, Any] = {name: day.strftime(layout.date_format) for name, day in on.items()}
    values.update(
        creditor_reference=f"DEMO{kind[:2].upper()}{1000 + index}",
        name=f"{initials} {surname}",
        initials=initials,
        surname=surname,
        date_of_birth=dt.date(1960 + 5 * index, 1 + index, 10 + index).strftime(layout.birth_date_format),
        street_and_number=f"{street} {number}",
        street=street,
        house_number=str(number),
        postcode=postcode,
        town=town,
        amount=_amount(arrears, layout),
        periods_in_arrears="2",
        periodic_charge=_amount(arrears // 2, layout),
    )
    return values


def _write(path: Path, layout: Layout, rows: Iterable[Mapping[str, Any]]) -> None:
    columns = list(layout.columns.items())
    with path.open("w", encoding=layout.encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=layout.delimiter)
        writer.writerow([column for _, column in columns])
        for row in rows:
            writer.writerow([row.get(name, "") for name, _ in columns])


def synthesise(folder: Path, today: dt.date) -> Path:
    """Write one small export per creditor of the demo into ``folder``; return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec in CREDITORS:
        assert spec.export is not None
        layout = LAYOUTS[spec.kind]
        rows = [_values(spec.kind, index, layout, today) for index in _AT_CREDITOR[spec.kind]]
        _write(folder / spec.export, layout, rows)
    return folder

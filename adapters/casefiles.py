"""Files for the municipality's case system: the report versions one pull stored, as CSV and as JSON.

Each pull that stores something writes ``reports-<UTC time>.csv`` and ``.json`` (same name) in the
case-system folder (``data/case-system`` unless ``--out``), mode 0600: they hold the opened identities.
A pull that stores nothing writes nothing, so a case system can import every new file once.

CSV (UTF-8 with byte-order mark, comma-separated, one line per debtor of each signal; ``CSV_COLUMNS``):
report columns ``case_id, version, state, crisis_date, result, result_on``; signal columns
``signal_id, creditor_id, sector`` (the DDAS Signaalpartner word), ``amount_euros`` (two decimals with a
dot), ``arrears_since, signal_date, crisis_kind, signal_crisis_date, warm_handover`` (``ja``/``nee``),
``repeat_of``; identity columns ``debtor`` (1 or 2), ``initials, first_names, name_prefix, surname,
birth_surname, date_of_birth, phone, email, bsn, street, house_number, house_number_addition, postcode,
town, creditor_reference``. Dates are ISO (2026-10-31). A signal whose identity was not opened here has one
line with the identity columns empty.

JSON: ``{"reports": [{"case_id", "version", "state", "crisis_date", "result", "result_on",
"signals": [{... the signal columns ..., "identity": {debtors, address, creditor_reference} | null}],
"links": [{"signal_id", "target_signal_id", "level", "explanation"}]}]}``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from adapters.localstore import LocalStore
from adapters.localviews import Household, SignalView

REPORT_COLUMNS: Final = ("case_id", "version", "state", "crisis_date", "result", "result_on")
SIGNAL_COLUMNS: Final = (
    "signal_id",
    "creditor_id",
    "sector",
    "amount_euros",
    "arrears_since",
    "signal_date",
    "crisis_kind",
    "signal_crisis_date",
    "warm_handover",
    "repeat_of",
)
DEBTOR_COLUMNS: Final = (
    "initials",
    "first_names",
    "name_prefix",
    "surname",
    "birth_surname",
    "date_of_birth",
    "phone",
    "email",
    "bsn",
)
ADDRESS_COLUMNS: Final = ("street", "house_number", "house_number_addition", "postcode", "town")
CSV_COLUMNS: Final = (
    *REPORT_COLUMNS,
    *SIGNAL_COLUMNS,
    "debtor",
    *DEBTOR_COLUMNS,
    *ADDRESS_COLUMNS,
    "creditor_reference",
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _report_part(household: Household) -> dict[str, Any]:
    summary = household.summary
    return {
        "case_id": summary.case_id,
        "version": summary.version,
        "state": summary.state,
        "crisis_date": _text(summary.crisis_date) or None,
        "result": summary.result,
        "result_on": _text(summary.result_on) or None,
    }


def _signal_part(signal: SignalView) -> dict[str, Any]:
    return {
        "signal_id": signal.signal_id,
        "creditor_id": signal.creditor_id,
        "sector": signal.ddas_sector,
        "amount_euros": f"{signal.amount_cents // 100}.{signal.amount_cents % 100:02d}",
        "arrears_since": signal.arrears_since.isoformat(),
        "signal_date": signal.signal_date.isoformat(),
        "crisis_kind": signal.crisis_kind,
        "signal_crisis_date": _text(signal.crisis_date) or None,
        "warm_handover": signal.warm_handover,
        "repeat_of": signal.repeat_of,
    }


def csv_rows(household: Household) -> Iterable[dict[str, str]]:
    """The CSV lines of one household: one per debtor of each signal."""
    report = _report_part(household)
    for signal in household.signals:
        base = {**report, **_signal_part(signal)}
        base["warm_handover"] = "ja" if signal.warm_handover else "nee"
        identity = signal.identity
        if identity is None:
            yield {column: _text(base.get(column)) for column in CSV_COLUMNS}
            continue
        for number, debtor in enumerate(identity["debtors"], start=1):
            row = {**base, **identity["address"], **debtor, "debtor": number}
            row["creditor_reference"] = identity["creditor_reference"]
            yield {column: _text(row.get(column)) for column in CSV_COLUMNS}


def json_report(household: Household) -> dict[str, Any]:
    """The JSON form of one household."""
    signals = [{**_signal_part(s), "identity": s.identity} for s in household.signals]
    links = [
        {"signal_id": k.signal_id, "target_signal_id": k.target_signal_id, "level": k.level, "explanation": k.text}
        for k in household.links
    ]
    return {**_report_part(household), "signals": signals, "links": links}


def _private_file(path: Path) -> int:
    return os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)


def write_case_files(store: LocalStore, case_ids: Iterable[str], folder: Path, now: dt.datetime) -> list[Path]:
    """Write the CSV and JSON files of the reports ``case_ids`` (their newest stored version); the paths.
    Nothing is written for no reports."""
    households = [store.household(case_id) for case_id in dict.fromkeys(case_ids)]
    if not households:
        return []
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem = folder / f"reports-{now.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"
    csv_path, json_path = stem.with_suffix(".csv"), stem.with_suffix(".json")
    with os.fdopen(_private_file(csv_path), "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for household in households:
            writer.writerows(csv_rows(household))
    with os.fdopen(_private_file(json_path), "w", encoding="utf-8") as handle:
        json.dump({"reports": [json_report(h) for h in households]}, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    return [csv_path, json_path]

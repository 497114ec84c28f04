"""From a raw record to what a signal is built from: the identity payload and the hub-visible facts.

``parse_record`` reads each mapped column with its parser (values.py, names.py) and returns the
identity in wire form, the facts, and a problem per field that could not be read. ``checks.check_row``
then validates both through the exchange standard's schemas. Nothing here logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from adapters import normalise
from adapters.exports import names, values
from adapters.exports.layouts import Layout
from adapters.exports.records import Record, RowProblem

T = TypeVar("T")

ATTESTATIONS = ("personal_contact_attempted", "debt_help_pointed_out", "written_reminder_sent", "transfer_offered")
_DEBTOR_TEXT = ("initials", "first_names", "name_prefix", "surname", "phone", "email", "bsn")


@dataclass
class ParsedRecord:
    """The readable parts of one row. ``problems`` maps a ``FIELDS`` name to why it could not be read;
    ``derived`` names the facts computed from others because the export has no column for them."""

    line: int
    identity: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    derived: set[str] = field(default_factory=set)


class _Reader:
    def __init__(self, layout: Layout, record: Record) -> None:
        self.layout, self.record = layout, record
        self.parsed = ParsedRecord(record.line)

    def raw(self, name: str) -> Any:
        column = self.layout.column(name)
        return None if column is None else self.record.get(column)

    def read(self, name: str, parser: Callable[[Any], T | None]) -> T | None:
        try:
            return parser(self.raw(name))
        except ValueError as error:
            self.parsed.problems[name] = str(error)
            return None


def _debtor(reader: _Reader) -> dict[str, Any]:
    layout = reader.layout
    debtor: dict[str, Any] = {name: values.text(reader.raw(name)) for name in _DEBTOR_TEXT}
    if layout.column("name"):
        parts = reader.read("name", lambda raw: names.split_name(values.text(raw) or ""))
        debtor.update(parts or {})
    debtor["date_of_birth"] = reader.read("date_of_birth", lambda raw: values.date(raw, layout.birth_date_format))
    return {key: value for key, value in debtor.items() if value is not None}


def _address(reader: _Reader) -> dict[str, Any]:
    address: dict[str, Any] = {name: values.text(reader.raw(name)) for name in ("postcode", "town")}
    if reader.layout.column("street_and_number"):
        split = reader.read("street_and_number", lambda raw: names.split_address(values.text(raw) or ""))
        if split is not None:
            address["street"], address["house_number"], address["house_number_addition"] = split
        return address
    address["street"] = values.text(reader.raw("street"))
    number = reader.read("house_number", _house_number)
    addition = values.text(reader.raw("house_number_addition"))
    if number is not None:
        address["house_number"] = number[0]
        glued = " ".join(part for part in (number[1], addition) if part)
        address["house_number_addition"] = glued or None
    else:
        address["house_number_addition"] = addition
    return address


def _house_number(raw: Any) -> tuple[int, str | None] | None:
    text = values.text(raw)
    return None if text is None else normalise.split_house_number(text)


def _facts(reader: _Reader) -> dict[str, Any]:
    layout, parsed = reader.layout, reader.parsed
    day, amount = layout.date_format, layout.amount_format
    facts: dict[str, Any] = {
        "amount_cents": reader.read("amount", lambda raw: values.amount_cents(raw, amount)),
        "arrears_since": reader.read("arrears_since", lambda raw: values.date(raw, day)),
        "signal_date": reader.read("signal_date", lambda raw: values.date(raw, day)),
        "periods_in_arrears": reader.read("periods_in_arrears", values.whole_number),
        "periodic_charge_cents": reader.read("periodic_charge", lambda raw: values.amount_cents(raw, amount)),
        "warm_handover": reader.read("warm_handover", values.flag) or False,
    }
    for name in ATTESTATIONS:
        facts[name] = reader.read(name, lambda raw: values.date(raw, day))
    crisis_date = reader.read("crisis_date", lambda raw: values.date(raw, day))
    if crisis_date is not None and layout.crisis_kind is not None:
        facts["crisis"] = {"kind": layout.crisis_kind, "date": crisis_date}
    _derive(facts, layout, parsed)
    return facts


def _derive(facts: dict[str, Any], layout: Layout, parsed: ParsedRecord) -> None:
    since, signal_date, amount = facts["arrears_since"], facts["signal_date"], facts["amount_cents"]
    if not layout.column("periods_in_arrears"):
        parsed.derived.add("periods_in_arrears")
        if isinstance(since, dt.date) and isinstance(signal_date, dt.date):
            facts["periods_in_arrears"] = values.months_in_arrears(since, signal_date)
    if not layout.column("periodic_charge"):
        parsed.derived.add("periodic_charge")
        periods = facts["periods_in_arrears"]
        if amount is not None and periods:
            facts["periodic_charge_cents"] = values.charge_per_period(amount, periods)


def parse_record(layout: Layout, record: Record) -> ParsedRecord:
    """Read one record with ``layout``; blank cells are left out, unreadable ones become problems."""
    reader = _Reader(layout, record)
    parsed = reader.parsed
    reference = values.text(reader.raw("creditor_reference"))
    parsed.identity = {"debtors": [_debtor(reader)], "address": _address(reader), "creditor_reference": reference}
    parsed.facts = _facts(reader)
    return parsed


def problem(layout: Layout, line: int, name: str, path: str, reason: str) -> RowProblem:
    """A problem of field ``name`` (a ``FIELDS`` name) at standard ``path``, naming the export column."""
    combined = {"street": "street_and_number", "house_number": "street_and_number"}
    combined |= {"house_number_addition": "street_and_number"}
    combined |= {part: "name" for part in ("initials", "first_names", "name_prefix", "surname")}
    column = layout.column(name) or layout.column(combined.get(name, "")) or ""
    return RowProblem(line, path, column, reason)

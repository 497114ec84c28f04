"""``signaal outcomes push FILE``: contact attempts and results (DDAS vocabulary) from the case system.

The file is CSV (comma- or semicolon-separated, UTF-8, a header line) or JSON lines, one record per row:

| column | meaning |
|---|---|
| ``case_id`` | the report (household case) id, as ``signaal reports pull`` wrote it |
| ``date`` | the day of the attempt or result: ``2026-10-05`` or ``05-10-2026`` |
| ``contact_kind`` | a contact attempt (DDAS Contactsoort): Mail, Brief, SMS/Whatsapp, Telefoon, ... |
| ``reached`` | with ``contact_kind``: ``ja``/``nee`` (also yes/no, true/false, 1/0) |
| ``part_of_day`` | with ``contact_kind``, optional: Ochtend, Middag, Avond (DDAS Dagdeel) |
| ``result`` | the case's result (DDAS Eindresultaat), e.g. ``(Budget)advies en/of quick fix`` |

A row carries a contact attempt, a result or both (the attempt is recorded first). Every row is validated
before anything is sent; a rejected row is named by line and field in the rejected-rows report
(``adapters.report``), never with its values. Valid rows are recorded in the local store as pending (the
same row recorded twice is one outcome), then every pending outcome, including those recorded in the
staff portal, is sent; what the hub refuses is marked rejected with its reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from adapters.client import HubClient, HubClientError
from adapters.exports import RowProblem
from adapters.exports import values as parse
from adapters.localstore import LocalStore
from schemas.v1 import ddas

COLUMNS: Final = ("case_id", "date", "contact_kind", "reached", "part_of_day", "result")
_DATE_FORMATS: Final = ("%Y-%m-%d", "%d-%m-%Y")


class OutcomeFileError(Exception):
    """The file as a whole cannot be read; the message says what to check."""


@dataclass(frozen=True)
class OutcomeRow:
    """A valid row: the contact attempt and/or result it records."""

    line: int
    case_id: str
    date: dt.date
    contact: tuple[str, bool, str | None] | None
    result: str | None


@dataclass
class OutcomeReading:
    rows: list[OutcomeRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


def _records(path: Path) -> Iterator[tuple[int, Mapping[str, Any]] | RowProblem]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise OutcomeFileError("the file is not valid UTF-8; save it as UTF-8 (CSV UTF-8 in spreadsheets)") from None
    except OSError as error:
        raise OutcomeFileError(f"cannot read the file: {error.strerror or type(error).__name__}") from None
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        for line, raw in enumerate(text.splitlines(), start=1):
            if raw.strip():
                try:
                    value = json.loads(raw)
                except ValueError:
                    value = None
                if isinstance(value, dict):
                    yield line, value
                else:
                    yield RowProblem(line, "row", "", "the line is not a JSON object")
        return
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(text.splitlines(), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [name.strip() for name in reader.fieldnames or ()]
    if "case_id" not in header or "date" not in header:
        raise OutcomeFileError(f"the header must name the columns {', '.join(COLUMNS)} (case_id and date at least)")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise OutcomeFileError(f"unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    for record in reader:
        yield reader.line_num, {k.strip(): v for k, v in record.items() if k is not None}


def _date(raw: Any) -> dt.date:
    for layout in _DATE_FORMATS:
        try:
            value = parse.date(raw, layout)
        except ValueError:
            continue
        if value is None:
            raise ValueError("is required")
        return value
    raise ValueError("must be a date written 2026-10-05 or 05-10-2026")


def _choice(raw: Any, allowed: tuple[str, ...], what: str) -> str:
    value = parse.text(raw)
    if value not in allowed:
        raise ValueError(f"must be a DDAS {what}: {', '.join(allowed)}")
    return value


def check_record(line: int, record: Mapping[str, Any], store: LocalStore) -> OutcomeRow | list[RowProblem]:
    """The valid row of ``record``, or its problems (one per field, without the values)."""
    problems: list[RowProblem] = []

    def field_value(name: str, check: Any) -> Any:
        try:
            return check(record.get(name))
        except ValueError as error:
            problems.append(RowProblem(line, name, name, str(error)))
            return None

    unknown = sorted(set(record) - set(COLUMNS))
    if unknown:
        problems.append(RowProblem(line, "row", "", f"unknown field(s) {', '.join(unknown)}"))
    case_id = parse.text(record.get("case_id"))
    if case_id is None:
        problems.append(RowProblem(line, "case_id", "case_id", "is required"))
    elif not store.knows(case_id):
        problems.append(
            RowProblem(line, "case_id", "case_id", "is not a report in the local store; run `signaal reports pull`")
        )
    date = field_value("date", _date)
    if date is not None and date > dt.date.today():
        problems.append(RowProblem(line, "date", "date", "lies in the future"))
    contact = None
    if parse.text(record.get("contact_kind")) is not None:
        kind = field_value("contact_kind", lambda raw: _choice(raw, ddas.CONTACT_KINDS, "Contactsoort"))
        reached = field_value("reached", _reached)
        part = field_value(
            "part_of_day", lambda raw: None if parse.text(raw) is None else _choice(raw, ddas.PARTS_OF_DAY, "Dagdeel")
        )
        contact = (kind, reached, part)
    else:
        for name in ("reached", "part_of_day"):
            if parse.text(record.get(name)) is not None:
                problems.append(RowProblem(line, name, name, "is given without contact_kind"))
    result = None
    if parse.text(record.get("result")) is not None:
        result = field_value("result", lambda raw: _choice(raw, ddas.RESULTS, "Eindresultaat"))
    elif contact is None:
        problems.append(RowProblem(line, "row", "", "names neither a contact_kind nor a result"))
    if problems:
        return problems
    assert case_id is not None and date is not None
    return OutcomeRow(line, case_id, date, contact, result)


def _reached(raw: Any) -> bool:
    value = raw if isinstance(raw, bool) else parse.flag(raw)
    if value is None:
        raise ValueError("is required with contact_kind: ja or nee")
    return value


def read_outcomes(path: Path, store: LocalStore) -> OutcomeReading:
    """Every row of ``path`` checked; ``OutcomeFileError`` when the file cannot be read at all."""
    reading = OutcomeReading()
    for item in _records(path):
        if isinstance(item, RowProblem):
            reading.problems.append(item)
            continue
        checked = check_record(*item, store)
        if isinstance(checked, list):
            reading.problems.extend(checked)
        else:
            reading.rows.append(checked)
    return reading


def record_rows(store: LocalStore, rows: list[OutcomeRow], recorded_by: str) -> dict[int, int]:
    """Record the rows as pending outcomes; outcome id -> line of the file."""
    lines: dict[int, int] = {}
    for row in rows:
        if row.contact is not None:
            kind, reached, part = row.contact
            outcome_id, _ = store.record_contact(row.case_id, kind, reached, row.date, part, recorded_by=recorded_by)
            lines[outcome_id] = row.line
        if row.result is not None:
            outcome_id, _ = store.record_result(row.case_id, row.result, row.date, recorded_by=recorded_by)
            lines[outcome_id] = row.line
    return lines


@dataclass(frozen=True)
class Refusal:
    """An outcome the hub refused: its id, the file line if it came from the file, the hub's code and detail."""

    outcome_id: int
    line: int | None
    code: str
    detail: str


def send_pending(client: HubClient, store: LocalStore, lines: Mapping[int, int]) -> tuple[int, list[Refusal]]:
    """Send every pending outcome (per report: attempts before the result); ``(sent, refusals)``.

    ``HubUnreachableError`` propagates: what was not sent stays pending for the next run."""
    pending = sorted(store.outcomes(state="pending"), key=lambda o: (o.case_id, o.kind != "contact", o.id))
    sent, refusals = 0, []
    for outcome in pending:
        tail = "contacts" if outcome.kind == "contact" else "result"
        try:
            answer = client.post(f"/v1/municipality/reports/{outcome.case_id}/{tail}", dict(outcome.body))
        except HubClientError as error:
            detail = str(error.problem.get("detail") or error.problem.get("title") or "")
            store.mark_outcome(outcome.id, "rejected", f"{error.code}: {detail}")
            refusals.append(Refusal(outcome.id, lines.get(outcome.id), str(error.code), detail))
            continue
        store.mark_outcome(outcome.id, "sent")
        store.refresh(answer.json())
        sent += 1
    return sent, refusals

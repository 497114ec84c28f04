"""A creditor's answers in a settlement, typed at the command line or read from a file, validated row by row.

One answer is one message to the debt-help organisation, about one place in a dossier (``participant_id``):

- ``claim``: a claim statement (saldoverzoek antwoord); needs ``principal``, ``interest`` and ``costs``,
  optionally ``preferential`` (yes/no) and ``agreed_in_advance`` (a convenant id: vooraf akkoord).
- ``accept``: the proposal is accepted (betaalvoorstel antwoord, akkoord).
- ``reject``: the proposal is rejected; needs ``reason`` (``schemas.v1.settlement.REJECT_REASONS``).
- ``counter``: rejected with what the creditor would accept instead (``counter``, sealed); ``reason``
  defaults to ``percentage_too_low``.
- ``refuse``: no cooperation (geen medewerking); needs ``reason`` (``REFUSAL_REASONS``).

Every answer may carry ``note`` and ``creditor_reference``; they travel sealed for the debt-help
organisation, as does a counter-offer. Amounts are euros, written ``1.234,56`` or ``1234.56``.

A file is CSV (``,`` or ``;``, UTF-8 or Windows-1252, a header naming the columns above) or JSON lines
(one object per line with the same keys). Every row is checked, through the exchange standard's own
schemas, before anything is sent; a row with a problem is reported by line, field and column, never with
its value.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import marshmallow as ma

from adapters.exports import RowProblem
from adapters.exports import values as parse
from schemas.v1 import settlement as rules
from schemas.v1.settlement_payloads import payload_schema

ACTIONS: Final = ("claim", "accept", "reject", "counter", "refuse")
COLUMNS: Final = (
    "participant_id",
    "action",
    "principal",
    "interest",
    "costs",
    "preferential",
    "agreed_in_advance",
    "reason",
    "counter",
    "note",
    "creditor_reference",
)
#: The hub endpoint (below ``/v1/creditor/settlements/<participant>``) and message kind of each action.
_SENDS: Final = {
    "claim": ("claim-statement", "claim_statement", rules.ClaimStatementSchema),
    "accept": ("proposal-answer", "proposal_answer", rules.ProposalAnswerSchema),
    "reject": ("proposal-answer", "proposal_answer", rules.ProposalAnswerSchema),
    "counter": ("proposal-answer", "proposal_answer", rules.ProposalAnswerSchema),
    "refuse": ("refusal", "refusal", rules.RefusalSchema),
}
#: Fields of the hub message and the sealed payload, by the column they come from.
_COLUMN_OF: Final = {
    "principal_cents": "principal",
    "interest_cents": "interest",
    "costs_cents": "costs",
    "participant_id": "participant_id",
}
_ENCODINGS: Final = ("utf-8-sig", "cp1252")
_COMMON: Final = frozenset({"participant_id", "action", "note", "creditor_reference"})
_APPLIES: Final = {
    "claim": {"principal", "interest", "costs", "preferential", "agreed_in_advance"},
    "accept": set(),
    "reject": {"reason"},
    "counter": {"reason", "counter"},
    "refuse": {"reason"},
}


class AnswerFileError(Exception):
    """The file as a whole cannot be read (encoding, no header, unknown columns)."""


@dataclass(frozen=True)
class Answer:
    """A validated answer: the hub-visible facts and the payload to seal for the debt-help organisation."""

    line: int
    participant_id: str
    action: str
    facts: dict[str, Any]
    payload: dict[str, Any]

    @property
    def endpoint(self) -> str:
        return f"/v1/creditor/settlements/{self.participant_id}/{_SENDS[self.action][0]}"

    @property
    def kind(self) -> str:
        return _SENDS[self.action][1]

    def describe(self) -> str:
        """The answer in words, without the sealed text."""
        facts = self.facts
        if self.action == "claim":
            total = sum(facts[k] for k in ("principal_cents", "interest_cents", "costs_cents"))
            extra = " (preferential)" if facts["preferential"] else ""
            extra += f", agreed in advance under {facts['agreed_in_advance']}" if facts.get("agreed_in_advance") else ""
            return f"claim statement: {euros(total)}{extra}"
        if self.action == "accept":
            return "accepts the proposal"
        if self.action == "refuse":
            return f"refuses to cooperate ({facts['reason']})"
        counter = " with a counter-offer" if self.action == "counter" else ""
        return f"rejects the proposal ({facts['reason']}){counter}"


def euros(cents: int) -> str:
    """``1.234,56 EUR``: amounts as a Dutch reader writes them."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", ".") + f",{rest:02d} EUR"


def parse_euros(raw: Any) -> int | None:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = f"{raw:.2f}" if isinstance(raw, float) else str(raw)
    text = parse.text(raw)
    if text is None:
        return None
    # a comma is the Dutch decimal separator (1.234,56); otherwise 1234.56
    try:
        return parse.amount_cents(text, "comma" if "," in text or text.count(".") > 1 else "dot")
    except ValueError:
        raise ValueError("must be an amount in euros written like 1.234,56 or 1234.56") from None


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return bool(parse.flag(raw))


class _Row:
    """One row being checked: its values and the problems found so far."""

    def __init__(self, line: int, raw: Mapping[str, Any]) -> None:
        self.line, self.raw, self.problems = line, raw, list[RowProblem]()

    def problem(self, name: str, reason: str, column: str | None = None) -> None:
        self.problems.append(RowProblem(self.line, name, column if column is not None else name, reason))

    def text(self, column: str) -> str | None:
        return parse.text(self.raw.get(column))

    def convert(self, column: str, name: str, convert: Any) -> Any:
        try:
            return convert(self.raw.get(column))
        except ValueError as error:
            self.problem(name, str(error), column)
            return None


def check_answer(line: int, raw: Mapping[str, Any]) -> Answer | list[RowProblem]:
    """An ``Answer`` from one row (``COLUMNS``), or every problem of the row."""
    row = _Row(line, raw)
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        row.problem("row", f"unknown column(s) {', '.join(unknown)}; use {', '.join(COLUMNS)}", "")
    action = (row.text("action") or "").lower()
    if action not in ACTIONS:
        row.problem("action", f"must be one of: {', '.join(ACTIONS)}")
        return row.problems
    stray = sorted(c for c in set(raw) & set(COLUMNS) - _COMMON if c not in _APPLIES[action] and row.text(c))
    for column in stray:
        row.problem(column, f"does not apply to {action}; leave it empty")
    facts = _facts(row, action)
    payload = {
        k: v for k, v in (("note", _note(row, action)), ("creditor_reference", row.text("creditor_reference"))) if v
    }
    participant = row.text("participant_id") or ""
    before, found = len(row.problems), {p.field for p in row.problems}
    schema = _SENDS[action][2]()
    try:
        schema.load({"message_id": participant, **facts}, partial=("sealed",))
    except ma.ValidationError as error:
        _name_problems(row, error.messages)
    try:
        payload_schema(f"settlement.{_SENDS[action][1]}").load(payload)
    except ma.ValidationError as error:
        _name_problems(row, error.messages)
    # a field already reported by the parsing above is not reported again by the schema
    row.problems = row.problems[:before] + [p for p in row.problems[before:] if p.field not in found]
    return row.problems or Answer(line, participant, action, facts, payload)


def _facts(row: _Row, action: str) -> dict[str, Any]:
    if action == "claim":
        facts: dict[str, Any] = {
            name: row.convert(column, name, parse_euros) for name, column in list(_COLUMN_OF.items())[:3]
        }
        for name, column in list(_COLUMN_OF.items())[:3]:
            if facts[name] is None and not any(p.field == name for p in row.problems):
                row.problem(name, f"{column} is required for a claim (write 0 for none)", column)
        facts["preferential"] = row.convert("preferential", "preferential", _flag)
        facts["agreed_in_advance"] = row.text("agreed_in_advance")
        return {k: v for k, v in facts.items() if v is not None}
    if action == "accept":
        return {"answer": "accept"}
    reason = row.text("reason")
    if action == "counter":
        if row.text("counter") is None:
            row.problem("counter", "a counter answer says what the creditor would accept")
        reason = reason or "percentage_too_low"
    if action == "refuse":
        return {"reason": reason}
    return {"answer": "reject", "reason": reason}


def _note(row: _Row, action: str) -> str | None:
    note, counter = row.text("note"), row.text("counter")
    if action == "counter" and counter:
        return f"Counter-offer: {counter}" + (f". {note}" if note else "")
    return note


def _name_problems(row: _Row, messages: Any, prefix: str = "") -> None:
    """marshmallow's nested messages as problems naming the exchange standard's field and the column."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = "row" if key == "_schema" else f"{prefix}{key}"
            _name_problems(row, value, "" if key == "_schema" else f"{name}.")
        return
    field = prefix.rstrip(".") or "row"
    field = "participant_id" if field == "message_id" else field
    for message in messages if isinstance(messages, list) else [messages]:
        reason = str(message).replace("Message id", "Participant id")
        row.problem(field, reason, _COLUMN_OF.get(field, field if field in COLUMNS else ""))


def check_file(path: Path) -> tuple[list[Answer], list[RowProblem]]:
    """Every row of an answers file checked: the valid answers and the problems of the others."""
    answers: list[Answer] = []
    problems: list[RowProblem] = []
    for line, raw in read_answers(path):
        if raw is None:
            problems.append(RowProblem(line, "row", "", "the line is not a JSON object"))
            continue
        checked = check_answer(line, raw)
        if isinstance(checked, Answer):
            answers.append(checked)
        else:
            problems.extend(checked)
    return answers, problems


def read_answers(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line, row) of an answers file: CSV with a header, or JSON lines (``.jsonl``/``.json``)."""
    text = _decode(path)
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        yield from _json_lines(text)
        return
    lines = text.splitlines()
    if not lines:
        raise AnswerFileError("the file is empty; expected a header line naming the columns")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    if "participant_id" not in header or "action" not in header:
        raise AnswerFileError(f"the header must name at least participant_id and action; columns: {', '.join(COLUMNS)}")
    reader.fieldnames = header
    for index, record in enumerate(reader, start=2):
        yield index, {k: v for k, v in record.items() if k is not None and v not in (None, "")}


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AnswerFileError(f"cannot read {path}: {error.strerror or type(error).__name__}") from None
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AnswerFileError("the file is neither UTF-8 nor Windows-1252")  # pragma: no cover - cp1252 decodes most


def _json_lines(text: str) -> Iterator[tuple[int, dict[str, Any] | None]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        yield number, value if isinstance(value, dict) else None

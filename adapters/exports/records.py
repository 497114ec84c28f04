"""Reading an export file into raw records: one mapping of column -> value per row, with its line number.

Line numbers are the physical lines of the file, the header being line 1, so that a clerk finds the row
in the export as it is (a quoted value spanning lines counts from its first line). A CSV row with the
wrong number of fields, or a JSON line that is not an object, is a :class:`RowProblem` for that line;
a file that cannot be read at all (wrong encoding, missing columns) raises :class:`ExportFileError`.
Messages name lines and columns, never values.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.exports.layouts import Layout

_UTF8 = frozenset({"utf-8", "utf8", "utf_8"})


class ExportFileError(Exception):
    """The file as a whole cannot be read with its layout; the message says what to check."""


@dataclass(frozen=True)
class RowProblem:
    """Why a row cannot be sent: ``field`` in the exchange standard's words (``address.postcode``, or
    ``row`` for the row as a whole), ``column`` in the export's words (empty when no one column)."""

    line: int
    field: str
    column: str
    reason: str


@dataclass(frozen=True)
class Record:
    """One row of the export, as column (or dotted JSON path) -> raw value."""

    line: int
    values: Mapping[str, Any]

    def get(self, column: str) -> Any:
        return self.values.get(column)


def read_records(path: Path, layout: Layout) -> Iterator[Record | RowProblem]:
    """The rows of ``path`` in order; raises ``ExportFileError`` when the file cannot be read."""
    try:
        if layout.file_format == "jsonl":
            yield from _jsonl(path)
        else:
            yield from _csv(path, layout)
    except UnicodeDecodeError as error:
        raise ExportFileError(
            f"the file is not valid {layout.encoding}; set export.encoding in the configuration "
            "(e.g. cp1252 for Windows exports, utf-8 otherwise)"
        ) from error
    except OSError as error:
        raise ExportFileError(f"cannot read the file: {error.strerror or type(error).__name__}") from error


def _encoding(layout: Layout) -> str:
    # utf-8-sig drops the byte-order mark that spreadsheet programs write
    return "utf-8-sig" if layout.encoding.lower() in _UTF8 else layout.encoding


def _csv(path: Path, layout: Layout) -> Iterator[Record | RowProblem]:
    with path.open("r", encoding=_encoding(layout), newline="") as handle:
        reader = csv.reader(handle, delimiter=layout.delimiter)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise ExportFileError("the file is empty; expected a header line") from None
        _check_header(header, layout)
        previous = reader.line_num
        try:
            for cells in reader:
                line, previous = previous + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    reason = f"the row has {len(cells)} fields where the header has {len(header)}"
                    yield RowProblem(line, "row", "", reason + "; check separators and quotes")
                    continue
                yield Record(line, dict(zip(header, cells, strict=True)))
        except csv.Error as error:
            raise ExportFileError(f"the file is not valid CSV near line {previous + 1}: {error}") from error


def _check_header(header: list[str], layout: Layout) -> None:
    wanted = [column for column in layout.columns.values() if column]
    missing = [column for column in wanted if column not in header]
    if missing:
        raise ExportFileError(
            f"the header lacks the column(s) {', '.join(missing)}; check export.delimiter (now "
            f"{layout.delimiter!r}) and export.columns in the configuration"
        )


def _jsonl(path: Path) -> Iterator[Record | RowProblem]:
    with path.open("r", encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except ValueError:
                yield RowProblem(line, "row", "", "the line is not valid JSON")
                continue
            if not isinstance(value, dict):
                yield RowProblem(line, "row", "", "the line is not a JSON object")
                continue
            yield Record(line, _Flat(value))


class _Flat(Mapping[str, Any]):
    """A JSON object read with dotted paths: ``get("adres.postcode")``."""

    def __init__(self, value: dict[str, Any]) -> None:
        self._value = value

    def __getitem__(self, path: str) -> Any:
        node: Any = self._value
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(path)
            node = node[part]
        return node

    def __iter__(self) -> Iterator[str]:
        return iter(self._value)

    def __len__(self) -> int:
        return len(self._value)

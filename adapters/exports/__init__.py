"""Creditors' exports: read a file with its layout, validate every row, and keep the valid ones.

``read_export(path, layout)`` reads the whole file before anything is sent, so that the rejected-rows
report is complete and a file that cannot be read at all is refused as a whole (``ExportFileError``).
Layouts and their column mappings are in ``layouts``; docs/adapters.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from adapters.exports.checks import ExportRow, RowFacts, check_row
from adapters.exports.layouts import FIELDS, LAYOUTS, Layout, LayoutError, layout_for
from adapters.exports.records import ExportFileError, Record, RowProblem, read_records
from adapters.exports.rows import parse_record

__all__ = [
    "FIELDS",
    "LAYOUTS",
    "ExportFileError",
    "ExportReading",
    "ExportRow",
    "Layout",
    "LayoutError",
    "RowFacts",
    "RowProblem",
    "layout_for",
    "read_export",
]


@dataclass
class ExportReading:
    """The outcome of reading one export: its valid rows and the problems of the others, by line."""

    rows: list[ExportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({problem.line for problem in self.problems})

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.rejected_lines)


def read_export(path: Path, layout: Layout) -> ExportReading:
    """Read and validate every row of ``path``; dates are checked against ``schemas.v1.clock.today()``."""
    reading = ExportReading()
    for item in read_records(path, layout):
        if isinstance(item, Record):
            checked = check_row(layout, parse_record(layout, item))
            if isinstance(checked, ExportRow):
                reading.rows.append(checked)
            else:
                reading.problems.extend(checked)
        else:
            reading.problems.append(item)
    return reading

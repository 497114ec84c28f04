"""The rejected-rows report: a CSV the organisation keeps locally, one line per problem of a row.

Columns: ``line`` (in the export, the header being line 1), ``field`` (in the exchange standard:
``address.postcode``, ``attestations.written_reminder_sent``), ``column`` (in the export) and ``reason``
(how to correct it). It never contains the rejected values themselves. Written with a byte-order mark
so that spreadsheet programs read it as UTF-8.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

from adapters.exports import RowProblem

HEADER = ("line", "field", "column", "reason")


def write_report(path: Path, problems: Iterable[RowProblem]) -> None:
    """Write (or replace) the report at ``path``, sorted by line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for problem in sorted(problems, key=lambda p: (p.line, p.field)):
            writer.writerow((problem.line, problem.field, problem.column, problem.reason))
    os.replace(temporary, path)


def read_report(path: Path) -> list[dict[str, str]]:
    """The rows of a report (for tests and for ``signaal signals status``)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))

"""Reading routing-table files: the simple CSV and the CBS "postcode huisnummer gemeente" layout.

Simple: ``postcode,from,to,gemeentecode,valid_from,valid_to`` where ``postcode`` is ``1234AB``, a postcode
area ``1234`` or a range ``1000-1099`` / ``1011AA-1011ZZ``; ``from``/``to`` are house numbers (empty: the
whole postcode); ``valid_to`` is exclusive and may be empty. CBS: ``PC6;Huisnummer;Buurt<jaar>;Wijk<jaar>;
Gemeente<jaar>`` (semicolon or comma), one row per address; consecutive house numbers of one postcode and
municipality are folded into ranges. Parsing is all-or-nothing: every bad line is reported by number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from schemas.v1.routing import RoutingEntry, RoutingFormatError

SIMPLE_HEADER = ["postcode", "from", "to", "gemeentecode", "valid_from", "valid_to"]
_CBS_GEMEENTE = re.compile(r"^gemeente(\d{4})$", re.IGNORECASE)
MAX_ERRORS = 50


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str


class RoutingFileError(ValueError):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(f"line {e.line}: {e.reason}" for e in errors[:5]))
        self.errors = errors


def parse(text: str, *, valid_from: dt.date | None = None) -> list[RoutingEntry]:
    """Entries from a file's text, recognising the layout by its header."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    header = [h.strip().lower() for h in next(rows, [])]
    if header == SIMPLE_HEADER:
        return _collect(_simple(rows))
    if header[:2] == ["pc6", "huisnummer"] and any(_CBS_GEMEENTE.match(h) for h in header):
        column = next(i for i, h in enumerate(header) if _CBS_GEMEENTE.match(h))
        year = int(_CBS_GEMEENTE.match(header[column]).group(1))  # type: ignore[union-attr]
        return _collect(_cbs(rows, column, valid_from or dt.date(year, 1, 1)))
    raise RoutingFileError(
        [
            LineError(
                1,
                f"unknown layout; expected the header {','.join(SIMPLE_HEADER)} or the "
                "CBS header PC6;Huisnummer;...;Gemeente<jaar>",
            )
        ]
    )


def _collect(results: Iterator[RoutingEntry | LineError]) -> list[RoutingEntry]:
    entries, errors = [], []
    for result in results:
        if isinstance(result, LineError):
            errors.append(result)
            if len(errors) >= MAX_ERRORS:
                break
        else:
            entries.append(result)
    if errors:
        raise RoutingFileError(errors)
    if not entries:
        raise RoutingFileError([LineError(2, "the file has no entries")])
    return entries


def _simple(rows: Iterator[list[str]]) -> Iterator[RoutingEntry | LineError]:
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            postcode, first, last, code, start, end = (cell.strip() for cell in row)
            low, _, high = postcode.partition("-")
            yield RoutingEntry.for_postcodes(
                low,
                high or None,
                municipality_code=_code(code),
                valid_from=dt.date.fromisoformat(start),
                valid_to=dt.date.fromisoformat(end) if end else None,
                house_number_from=int(first) if first else None,
                house_number_to=int(last) if last else None,
            )
        except (ValueError, RoutingFormatError) as exc:
            yield LineError(number, _reason(exc))


def _cbs(rows: Iterator[list[str]], column: int, valid_from: dt.date) -> Iterator[RoutingEntry | LineError]:
    """Fold address rows into house-number ranges per postcode and municipality."""
    current: tuple[str, str, int, int] | None = None
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            postcode, house, code = row[0].strip().upper(), int(row[1]), _code(row[column])
        except (ValueError, IndexError, RoutingFormatError) as exc:
            yield LineError(number, _reason(exc))
            continue
        if current and current[:2] == (postcode, code) and house == current[3] + 1:
            current = (postcode, code, current[2], house)
            continue
        if current:
            yield _cbs_entry(current, valid_from, number - 1)
        current = (postcode, code, house, house)
    if current:
        yield _cbs_entry(current, valid_from, 0)


def _cbs_entry(run: tuple[str, str, int, int], valid_from: dt.date, line: int) -> RoutingEntry | LineError:
    try:
        return RoutingEntry.for_postcodes(
            run[0], municipality_code=run[1], valid_from=valid_from, house_number_from=run[2], house_number_to=run[3]
        )
    except RoutingFormatError as exc:
        return LineError(line, _reason(exc))


def _code(text: str) -> str:
    digits = text.strip().upper().removeprefix("GM")
    if not digits.isdigit() or len(digits) > 4:
        raise RoutingFormatError(f"municipality code must be up to four digits (or GM0363), got {text.strip()!r}")
    return digits.zfill(4)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValueError) and "unpack" in str(exc):
        return f"expected {len(SIMPLE_HEADER)} columns: {','.join(SIMPLE_HEADER)}"
    return str(exc)

"""Parsers for the values in creditors' exports: amounts, dates, counts and yes/no flags.

Each parser takes the raw value (text from a CSV cell, or a JSON value) and returns the typed value, or
``None`` for a blank cell. Errors are ``ValueError`` with a message that says how the value must be
written and never repeats it: rows hold personal data, and these messages end up in reports and logs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

#: Amount styles of the exports: ``comma`` is Dutch (``1.234,56``), ``dot`` is ``1234.56``, ``cents``
#: an integer number of cents (``123456``).
AMOUNT_FORMATS: Final = ("comma", "dot", "cents")
_COMMA_AMOUNT = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?")
_DOT_AMOUNT = re.compile(r"(\d+)(?:\.(\d{1,2}))?")
_CENTS = re.compile(r"\d+")
_EURO = re.compile(r"^(?:€|EUR)\s*", re.IGNORECASE)
_YES: Final = frozenset({"j", "ja", "y", "yes", "true", "1", "waar"})
_NO: Final = frozenset({"n", "nee", "no", "false", "0", "onwaar"})
_EXAMPLE_DATES: Final = {"%d-%m-%Y": "31-12-2025", "%Y-%m-%d": "2025-12-31", "%Y%m%d": "20251231"}


def text(raw: Any) -> str | None:
    """The value as text with its outer whitespace removed; ``None`` when blank or absent."""
    if raw is None:
        return None
    value = str(raw).strip()
    return value or None


def amount_cents(raw: Any, style: str) -> int | None:
    """An amount in whole cents. ``style`` is one of :data:`AMOUNT_FORMATS`; a leading ``€`` is allowed."""
    if style == "cents" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    value = text(raw)
    if value is None:
        return None
    value = _EURO.sub("", value)
    if style == "cents":
        if _CENTS.fullmatch(value) is None:
            raise ValueError("must be a whole number of cents, e.g. 123456")
        return int(value)
    pattern, example = (_COMMA_AMOUNT, "1.234,56") if style == "comma" else (_DOT_AMOUNT, "1234.56")
    match = pattern.fullmatch(value)
    if match is None:
        raise ValueError(f"must be an amount in euros written like {example}")
    euros = int(match.group(1).replace(".", "") if style == "comma" else match.group(1))
    cents = (match.group(2) or "0").ljust(2, "0")
    return euros * 100 + int(cents)


def date(raw: Any, layout: str) -> dt.date | None:
    """A date written in the ``strptime`` layout ``layout`` (``%d-%m-%Y``, ``%Y-%m-%d``, ``%Y%m%d``)."""
    value = text(raw)
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, layout).date()  # a calendar date: no time zone applies
    except ValueError:
        # strptime's own message quotes the value; ours says only how to write it
        example = _EXAMPLE_DATES.get(layout, layout)
        raise ValueError(f"must be a date written like {example}") from None


def whole_number(raw: Any) -> int | None:
    """A count such as the number of months in arrears."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    value = text(raw)
    if value is None:
        return None
    if _CENTS.fullmatch(value) is None:
        raise ValueError("must be a whole number, e.g. 3")
    return int(value)


def flag(raw: Any) -> bool | None:
    """Yes or no: ``ja``/``nee``, ``j``/``n``, ``yes``/``no``, ``true``/``false``, ``1``/``0``."""
    if isinstance(raw, bool):
        return raw
    value = text(raw)
    if value is None:
        return None
    if value.casefold() in _YES:
        return True
    if value.casefold() in _NO:
        return False
    raise ValueError("must be ja or nee")


def months_in_arrears(since: dt.date, signal_date: dt.date) -> int:
    """The number of monthly due dates from ``since`` up to (not including) ``signal_date``, at least 1.

    Used when an export has no column for it: arrears since 26 August signalled on 24 March cover the due
    dates 26 August .. 26 February, seven periods.
    """
    months = (signal_date.year - since.year) * 12 + signal_date.month - since.month
    return max(1, months + (1 if since.day < signal_date.day else 0))


def charge_per_period(amount: int, periods: int) -> int:
    """The amount divided over the periods, rounded to whole cents (half up)."""
    return (amount + periods // 2) // max(1, periods)

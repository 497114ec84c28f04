"""The date "today" against which the schemas check dates, injectable for tests and replays.

marshmallow 4 dropped ``Schema.context``; nested schemas (a signal inside a batch, a debtor inside an
identity) still need the same "today". A private context variable carries it, so nothing has to be
threaded through schema constructors: ``with as_of(date(2026, 5, 1)): SignalSchema().load(...)``.
Without an override, today is the current date in the Netherlands, whatever the server's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_TODAY: ContextVar[dt.date | None] = ContextVar("signaalhub_schemas_v1_today", default=None)
_DUTCH_TIME = "Europe/Amsterdam"


def today() -> dt.date:
    """The validation date: the innermost ``as_of`` value, else the current date in the Netherlands."""
    fixed = _TODAY.get()
    if fixed is not None:
        return fixed
    try:
        return dt.datetime.now(ZoneInfo(_DUTCH_TIME)).date()
    except ZoneInfoNotFoundError:  # a system without tz data (install ``tzdata``); UTC is at most 2 h off
        return dt.datetime.now(dt.UTC).date()


@contextmanager
def as_of(day: dt.date) -> Iterator[dt.date]:
    """Validate as if ``day`` were today inside the ``with`` block (tests, replaying an old batch)."""
    token = _TODAY.set(day)
    try:
        yield day
    finally:
        _TODAY.reset(token)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)

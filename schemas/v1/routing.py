"""The routing table: postcode (+ house-number range) -> municipality code, with validity dates.

Shared by the hub (which publishes it and checks that signals were routed with a current version) and the
adapters (which fetch it and route locally, since only they can read the address). A version is an
immutable snapshot; entries carry ``valid_from`` (inclusive) and ``valid_to`` (exclusive), so a merger on
24 March 2022 ends the old municipality's entries on that day and starts the successor's.

Lookup picks the most specific entry valid on the date: a house-number range beats a whole postcode, a
six-character postcode beats a range of postcodes, and a narrower range beats a wider one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_PC6 = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
_PC4 = re.compile(r"^[1-9][0-9]{3}$")
_CODE = re.compile(r"^[0-9]{4}$")


class RoutingFormatError(ValueError):
    """An entry or a postcode is not in the routing table's format."""


def normalise_postcode(text: str) -> str:
    """``"1234 ab"`` -> ``"1234AB"``; a four-digit area stays four digits."""
    compact = "".join(text.split()).upper()
    if not (_PC6.match(compact) or _PC4.match(compact)):
        raise RoutingFormatError(f"not a Dutch postcode or postcode area: {text!r}")
    return compact


@dataclass(frozen=True, order=True)
class RoutingEntry:
    """Postcodes ``postcode_from``..``postcode_to`` (six characters, inclusive), optionally only house
    numbers ``house_number_from``..``house_number_to`` (inclusive), belong to ``municipality_code`` from
    ``valid_from`` (inclusive) until ``valid_to`` (exclusive; None: open)."""

    postcode_from: str
    postcode_to: str
    municipality_code: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    house_number_from: int | None = None
    house_number_to: int | None = None

    def __post_init__(self) -> None:
        for value in (self.postcode_from, self.postcode_to):
            if not _PC6.match(value):
                raise RoutingFormatError(f"postcode bounds are six characters like 1234AB, got {value!r}")
        if self.postcode_from > self.postcode_to:
            raise RoutingFormatError(f"postcode range {self.postcode_from}-{self.postcode_to} is reversed")
        if not _CODE.match(self.municipality_code):
            raise RoutingFormatError(f"municipality code must be four digits, got {self.municipality_code!r}")
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise RoutingFormatError(f"valid_to {self.valid_to} is not after valid_from {self.valid_from}")
        numbers = (self.house_number_from, self.house_number_to)
        if (numbers[0] is None) != (numbers[1] is None):
            raise RoutingFormatError("give both house-number bounds or neither")
        if numbers[0] is not None and numbers[1] is not None and not 0 <= numbers[0] <= numbers[1]:
            raise RoutingFormatError(f"house-number range {numbers[0]}-{numbers[1]} is invalid")

    @classmethod
    def for_postcodes(cls, first: str, last: str | None = None, **kwargs: Any) -> RoutingEntry:
        """An entry from postcodes as people write them: ``"1011"`` means 1011AA-1011ZZ."""
        low, high = normalise_postcode(first), normalise_postcode(last or first)
        return cls(
            postcode_from=low if len(low) == 6 else low + "AA",
            postcode_to=high if len(high) == 6 else high + "ZZ",
            **kwargs,
        )

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def covers(self, postcode: str, house_number: int) -> bool:
        if not self.postcode_from <= postcode <= self.postcode_to:
            return False
        if self.house_number_from is None or self.house_number_to is None:
            return True
        return self.house_number_from <= house_number <= self.house_number_to

    def specificity(self) -> tuple[int, int, int]:
        """Smaller is more specific: (no house numbers?, postcode span, house-number span)."""
        span = _postcode_index(self.postcode_to) - _postcode_index(self.postcode_from)
        if self.house_number_from is None or self.house_number_to is None:
            return (1, span, 0)
        return (0, span, self.house_number_to - self.house_number_from)

    def to_wire(self) -> dict[str, Any]:
        return {
            "postcode_from": self.postcode_from,
            "postcode_to": self.postcode_to,
            "house_number_from": self.house_number_from,
            "house_number_to": self.house_number_to,
            "municipality_code": self.municipality_code,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RoutingEntry:
        return cls(
            postcode_from=data["postcode_from"],
            postcode_to=data["postcode_to"],
            house_number_from=data.get("house_number_from"),
            house_number_to=data.get("house_number_to"),
            municipality_code=data["municipality_code"],
            valid_from=dt.date.fromisoformat(data["valid_from"]),
            valid_to=dt.date.fromisoformat(data["valid_to"]) if data.get("valid_to") else None,
        )


def _postcode_index(postcode: str) -> int:
    """A number that orders postcodes and measures range widths: 1000AA is 0, 1000AB 1, ..."""
    return (int(postcode[:4]) * 26 + ord(postcode[4]) - 65) * 26 + ord(postcode[5]) - 65


class RoutingTable:
    """One version of the table, indexed for lookups: exact six-character postcodes in a dict, ranges in
    a list sorted by their first postcode."""

    def __init__(self, version: str, entries: Iterable[RoutingEntry]) -> None:
        self.version = version
        self.entries = sorted(entries)
        self._exact: dict[str, list[RoutingEntry]] = {}
        self._ranges: list[RoutingEntry] = []
        for entry in self.entries:
            if entry.postcode_from == entry.postcode_to:
                self._exact.setdefault(entry.postcode_from, []).append(entry)
            else:
                self._ranges.append(entry)
        self._range_starts = [entry.postcode_from for entry in self._ranges]

    def route(self, postcode: str, house_number: int, on: dt.date) -> str | None:
        """The municipality code for an address on a date, or None when the table does not cover it."""
        pc = normalise_postcode(postcode)
        if len(pc) != 6:
            raise RoutingFormatError("route a full postcode like 1234AB")
        candidates = list(self._exact.get(pc, ()))
        upto = bisect.bisect_right(self._range_starts, pc)
        candidates.extend(entry for entry in self._ranges[:upto] if entry.covers(pc, house_number))
        valid = [e for e in candidates if e.covers(pc, house_number) and e.valid_on(on)]
        if not valid:
            return None
        return min(valid, key=RoutingEntry.specificity).municipality_code

    def codes_on(self, day: dt.date) -> set[str]:
        """Every municipality code that some address routes to on ``day``."""
        return {e.municipality_code for e in self.entries if e.valid_on(day)}

    def to_wire(self) -> dict[str, Any]:
        return {"version": self.version, "entries": [e.to_wire() for e in self.entries]}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RoutingTable:
        return cls(str(data["version"]), (RoutingEntry.from_wire(e) for e in data["entries"]))


def first_difference(old: Iterable[RoutingEntry], new: Iterable[RoutingEntry]) -> dt.date | None:
    """The earliest date on which routing under ``new`` may differ from ``old`` (None: identical).

    Conservative: the earliest ``valid_from`` of any entry that is in one table and not the other. A
    signal dated before this day is routed the same by both versions.
    """
    changed = set(old) ^ set(new)
    return min((e.valid_from for e in changed), default=None)

"""Reports (Wgs meldingen) and what a municipality records about them, in the DDAS v0.9 vocabulary; and the
statistics rules. Pure: no Flask, no SQL."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Final

from schemas.v1.ddas import NOT_PICKED_UP_RESULTS

#: Results that mean the household accepted help: its data may stay beyond the plain retention term.
HELP_RESULTS: Final = frozenset(
    {
        "(Budget)advies en/of quick fix",
        "Vervolghulp en/of verwijzing financieel",
        "Vervolghulp en/of verwijzing niet financieel",
        "Inwoner al bekend bij schuldhulpverlening",
        "Inwoner heeft al een ander lopend traject",
    }
)

REPORT_STATES: Final = ("new", "in_progress", "closed", "merged")

#: Counts below this are not published (statistical disclosure control).
SMALL_COUNT: Final = 10


def signal_status_for(result: str) -> str:
    """The signal status each creditor learns when the municipality closes a report with ``result``: the
    not-picked-up results carry over as such; every other result means the signal was picked up."""
    return result if result in NOT_PICKED_UP_RESULTS else "Opgepakt"


def suppress(count: int) -> int | None:
    """A count fit to publish, or None when it is small enough to point at a household."""
    return count if count >= SMALL_COUNT else None


def share(part: int, whole: int) -> float | None:
    """A fraction, published only when both counts are large enough."""
    if suppress(part) is None or suppress(whole) is None or whole == 0:
        return None
    return round(part / whole, 3)


def median_cents(amounts: Sequence[int]) -> int | None:
    """The median arrears of at least SMALL_COUNT signals, rounded to whole euros (as DDAS exports)."""
    if len(amounts) < SMALL_COUNT:
        return None
    return round(statistics.median(amounts) / 100) * 100


def suppressed_counts(counts: Mapping[str, int]) -> dict[str, int | None]:
    return {key: suppress(value) for key, value in sorted(counts.items())}

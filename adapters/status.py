"""``signaal signals status``: what was sent from here, per file, and what the hub says became of it.

The local state knows which rows of which file were sent; the hub knows each signal's state
(``received``, ``delivered``, ``picked_up``, or ``not_picked_up`` with the reason the law lets it give:
``repeat_report``, ``unfounded`` or ``other_reason``). ``refresh_hub_states`` pages through
``GET /v1/signals`` (``after`` = the last ``seq``) and stores each state with its signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from adapters.client import HubClient
from adapters.state import FileSummary, PushState

PAGE_SIZE: Final = 1000


@dataclass(frozen=True)
class HubTally:
    """Signals the hub listed for us, and how many of them were pushed from this directory."""

    listed: int
    ours: int


def refresh_hub_states(client: HubClient, state: PushState) -> HubTally:
    """Fetch the state of every signal of ours at the hub and record it in the local state."""
    after, listed, ours = 0, 0, 0
    while True:
        page = client.get(f"/v1/signals?after={after}&limit={PAGE_SIZE}").json()
        signals = page["signals"]
        listed += len(signals)
        ours += state.record_hub_states((s["id"], s["state"], s.get("state_reason")) for s in signals)
        if page.get("next_after") is None or not signals:
            return HubTally(listed, ours)
        after = int(page["next_after"])


def describe(summary: FileSummary) -> list[str]:
    """Lines about one pushed file (no personal data: names of files, counts and states)."""
    progress = "complete" if summary.completed_at else "NOT complete: push it again to resume"
    lines = [
        f"{summary.name} (sha256 {summary.digest[:12]}, started {summary.started_at}, {progress})",
        f"  rows {summary.rows}, rejected {summary.rejected}, sent {summary.sent}, waiting {summary.planned}",
    ]
    if summary.hub_states:
        states = ", ".join(f"{label} {count}" for label, count in sorted(summary.hub_states.items()))
        lines.append(f"  at the hub: {states}")
    return lines


def totals(summaries: list[FileSummary]) -> dict[str, int]:
    """Counts by the hub's state over all files."""
    result: dict[str, int] = {}
    for summary in summaries:
        for label, count in summary.hub_states.items():
            result[label] = result.get(label, 0) + count
    return result

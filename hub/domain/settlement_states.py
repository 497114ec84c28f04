"""The states of a settlement dossier (schuldregelingstraject) and the moves between them, declared once.

A dossier opens when a debt-help organisation accepts a referral. It inventories the debts (notices and
claim requests out, claim statements in), drafts a proposal the hub has checked, negotiates it with the
creditors, and once every creditor agreed it runs (the household pays for the term) until it completes.
It can fail or be withdrawn along the way. Everything else in the hub asks this module whether a move is
allowed; ``tests/unit/test_settlement_states.py`` checks the whole table.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

OPENED: Final = "opened"
INVENTORY: Final = "inventory"
PROPOSAL: Final = "proposal"
NEGOTIATION: Final = "negotiation"
AGREED: Final = "agreed"
RUNNING: Final = "running"
COMPLETED: Final = "completed"
FAILED: Final = "failed"
WITHDRAWN: Final = "withdrawn"

STATES: Final = (OPENED, INVENTORY, PROPOSAL, NEGOTIATION, AGREED, RUNNING, COMPLETED, FAILED, WITHDRAWN)
TERMINAL: Final = frozenset({COMPLETED, FAILED, WITHDRAWN})
#: States in which creditors are still being asked for claims or answers.
BEFORE_AGREEMENT: Final = frozenset({OPENED, INVENTORY, PROPOSAL, NEGOTIATION})

#: Every allowed move. A proposal can go back to inventory (a late or corrected claim makes it stale), and
#: negotiation back to proposal (a revised proposal). Once running, ending early is a failure.
TRANSITIONS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        OPENED: frozenset({INVENTORY, FAILED, WITHDRAWN}),
        INVENTORY: frozenset({PROPOSAL, FAILED, WITHDRAWN}),
        PROPOSAL: frozenset({INVENTORY, NEGOTIATION, FAILED, WITHDRAWN}),
        NEGOTIATION: frozenset({PROPOSAL, AGREED, FAILED, WITHDRAWN}),
        AGREED: frozenset({RUNNING, FAILED, WITHDRAWN}),
        RUNNING: frozenset({COMPLETED, FAILED}),
        COMPLETED: frozenset(),
        FAILED: frozenset(),
        WITHDRAWN: frozenset(),
    }
)

#: Moves a debt counsellor makes without a message to the creditors (the others travel with a message:
#: the agreement, the end of the settlement).
PLAIN_MOVES: Final = frozenset({(AGREED, RUNNING), (PROPOSAL, INVENTORY)})

#: How a settlement can end (the "settlement ended" message), and the state each outcome leads to.
OUTCOMES: Final[Mapping[str, str]] = MappingProxyType(
    {"completed": COMPLETED, "failed": FAILED, "withdrawn": WITHDRAWN}
)


class TransitionRefused(ValueError):
    """The dossier cannot move from ``current`` to ``target``."""

    def __init__(self, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, frozenset()))) or "none: it has ended"
        super().__init__(f"A dossier in state {current} cannot move to {target} (allowed: {allowed}).")
        self.current, self.target = current, target


def allowed(current: str) -> frozenset[str]:
    """The states a dossier in ``current`` may move to."""
    return TRANSITIONS[current]


def check(current: str, target: str) -> None:
    """Raise :class:`TransitionRefused` unless ``current`` -> ``target`` is an allowed move."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionRefused(current, target)


def is_active(state: str) -> bool:
    return state not in TERMINAL

"""The settlement messages (as Schuldenknooppunt standardises them): who sends each, when it may be sent,
and how it moves the dossier. Declared once; the services and the API read this table.

Debt-help to creditor: notice (kennisgeving), claim request (saldoverzoek), proposal (betaalvoorstel),
reconsideration (heroverweging), agreed (schuldregeling akkoord), ended (schuldregeling beëindigd), status.
Creditor to debt-help: claim statement (saldoverzoek antwoord), proposal answer (betaalvoorstel antwoord),
refusal (geen medewerking), status, status request. The hub itself writes reminders (to the creditor),
escalations (to the debt-help organisation), the multi-creditor notice, and answers "accepted under
convenant X" on behalf of a creditor that accepts compliant proposals in advance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from hub.domain import settlement_states as states

Sender = Literal["debt_help", "creditor", "hub"]


@dataclass(frozen=True)
class MessageKind:
    """``states``: dossier states in which it may be sent; ``moves``: state before -> state after."""

    name: str
    sender: Sender
    dutch: str
    states: frozenset[str]
    moves: Mapping[str, str] = field(default_factory=dict)
    sealed: bool = True  # carries a sealed part for its recipient, HPKE kind ``settlement.<name>``


_ACTIVE = frozenset(s for s in states.STATES if s not in states.TERMINAL)
_BEFORE = states.BEFORE_AGREEMENT
_INVENTORY = frozenset({states.OPENED, states.INVENTORY})

KINDS: Final[Mapping[str, MessageKind]] = MappingProxyType(
    {
        k.name: k
        for k in (
            MessageKind("notice", "debt_help", "kennisgeving", _INVENTORY, {states.OPENED: states.INVENTORY}),
            MessageKind("claim_request", "debt_help", "saldoverzoek", _INVENTORY, {states.OPENED: states.INVENTORY}),
            MessageKind(
                "proposal",
                "debt_help",
                "betaalvoorstel",
                frozenset({states.PROPOSAL}),
                {states.PROPOSAL: states.NEGOTIATION},
            ),
            MessageKind("reconsideration", "debt_help", "heroverweging", frozenset({states.NEGOTIATION})),
            MessageKind(
                "agreed",
                "debt_help",
                "schuldregeling akkoord",
                frozenset({states.NEGOTIATION}),
                {states.NEGOTIATION: states.AGREED},
            ),
            MessageKind("ended", "debt_help", "schuldregeling beëindigd", _ACTIVE),
            MessageKind("status", "debt_help", "statusbericht", _ACTIVE),
            MessageKind(
                "claim_statement",
                "creditor",
                "saldoverzoek antwoord",
                frozenset({*_INVENTORY, states.PROPOSAL}),
                {states.OPENED: states.INVENTORY, states.PROPOSAL: states.INVENTORY},
            ),
            MessageKind("proposal_answer", "creditor", "betaalvoorstel antwoord", frozenset({states.NEGOTIATION})),
            MessageKind("refusal", "creditor", "geen medewerking", _BEFORE),
            MessageKind("creditor_status", "creditor", "statusbericht", _ACTIVE),
            MessageKind("status_request", "creditor", "statusverzoek", _ACTIVE),
            MessageKind("reminder", "hub", "herinnering", _BEFORE, sealed=False),
            MessageKind("escalation", "hub", "termijn verlopen", _BEFORE, sealed=False),
            MessageKind("multi_creditor_notice", "hub", "meerdere schuldeisers", _ACTIVE, sealed=False),
        )
    }
)

#: Requests that start a deadline for the creditor's answer, and the answer that meets it.
ANSWERED_BY: Final[Mapping[str, str]] = MappingProxyType(
    {"claim_request": "claim_statement", "proposal": "proposal_answer", "reconsideration": "proposal_answer"}
)


class MessageRefused(ValueError):
    """A message of this kind cannot be sent now; ``code`` is the problem code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def check_sendable(kind: str, dossier_state: str) -> None:
    """Raise :class:`MessageRefused` when a ``kind`` message does not fit a dossier in ``dossier_state``."""
    found = KINDS[kind]
    if dossier_state not in found.states:
        listed = ", ".join(s for s in states.STATES if s in found.states)
        raise MessageRefused(
            "dossier_state",
            f"A {kind} ({found.dutch}) cannot be sent while the dossier is {dossier_state}; it can in: {listed}.",
        )


def next_state(kind: str, dossier_state: str) -> str | None:
    """The state a ``kind`` message moves the dossier to, or None when it does not move it."""
    target = KINDS[kind].moves.get(dossier_state)
    if target is not None:
        states.check(dossier_state, target)
    return target

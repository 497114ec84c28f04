"""Rules about signals that the hub can apply without reading them: who may send which sector, what a
creditor may learn back, and the states a signal passes through."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from schemas.v1 import ddas, vocab

#: Which sectors an organisation of each creditor kind signals in (DDAS signaalpartner types).
SECTORS_BY_KIND: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "housing": frozenset({"huur"}),
        "energy": frozenset({"energie"}),
        "water": frozenset({"water"}),
        "health_insurer": frozenset({"zorg", "cak_zorgverzekeringen", "cak_eigen_bijdrage"}),
        "municipal_taxes": frozenset({"overige"}),
    }
)

#: States of a signal. ``received``: stored, sealed identity waiting; ``delivered``: the municipality
#: acknowledged it and the identity blob is gone; then ``picked_up`` or ``not_picked_up``.
STATES: Final = ("received", "delivered", "picked_up", "not_picked_up")

#: The municipality's signal status (DDAS EnumSignaalstatus and the picked-up case) -> state.
PICKED_UP: Final = "Opgepakt"
NOT_PICKED_UP_STATUSES: Final = ddas.SIGNAL_STATUSES[1:]
OUTCOME_STATUSES: Final = (PICKED_UP, *NOT_PICKED_UP_STATUSES)

#: What the creditor learns of a "not picked up" status: the law allows picked up or not, with the kind
#: of refusal only where it says nothing about the person (a repeat or unfounded report). Death or moving
#: away are never passed on; they become "other reason".
_CREDITOR_REASON: Final[Mapping[str, str]] = MappingProxyType(
    {
        "Niet opgepakt: herhaalde melding": "repeat_report",
        "Niet opgepakt: onterecht signaal": "unfounded",
    }
)


def sector_allowed(kind: str, sector: str) -> bool:
    return sector in SECTORS_BY_KIND.get(kind, frozenset())


def may_carry_bsn(sector: str) -> bool:
    return sector in vocab.BSN_SECTORS


def state_for_outcome(status: str) -> str:
    return "picked_up" if status == PICKED_UP else "not_picked_up"


def creditor_reason(state: str, status: str | None) -> str | None:
    """The reason a creditor may see for its signal's state (None when there is none to give)."""
    if state != "not_picked_up" or status is None:
        return None
    return _CREDITOR_REASON.get(status, "other_reason")

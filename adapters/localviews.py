"""What the municipality's local store hands out: reports, households, signals, links and outcomes.

Plain frozen dataclasses, built by ``adapters.localstore.LocalStore`` from the report versions it pulled and
the identities it opened. They hold personal data (``SignalView.identity``, ``ReportSummary.name``): show
them to the municipality's staff, never log them. Dates are ``datetime.date``; amounts are cents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

#: What each linkage-token kind means, in words for the staff who check a link.
TOKEN_WORDS: Final[Mapping[str, str]] = {
    "surname_dob": "surname and date of birth",
    "phonetic_dob": "surname as it sounds and date of birth",
    "initial_dob": "initial and date of birth",
    "surname_initial_postcode": "surname, initial and postcode",
    "email": "e-mail address",
    "phone": "phone number",
    "bsn": "BSN",
    "address": "street address",
    "postcode_house_number": "postcode and house number",
    "contract": "the same creditor contract",
}


@dataclass(frozen=True)
class ReportSummary:
    """One household report as the inbox lists it (a row of ``LocalStore.list_reports``).

    ``name`` and ``postcode`` come from the opened identities (the first debtor of the fullest one); they are
    ``None`` when no identity of the report could be opened.
    """

    case_id: str
    version: int
    state: str
    signal_count: int
    amount_cents: int
    sectors: tuple[str, ...]
    crisis_date: dt.date | None
    warm_handover: bool
    result: str | None
    result_on: dt.date | None
    updated_at: str
    pulled_at: str
    name: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class SignalView:
    """One creditor's signal in a household, with the identity the municipality opened for it (or ``None``).

    ``identity`` is the identity payload in wire form (``schemas.v1.identity``): ``debtors`` (surname,
    initials, date of birth as ISO text, phone, e-mail, BSN for health insurers), ``address`` and
    ``creditor_reference``.
    """

    signal_id: str
    creditor_id: str
    sector: str
    ddas_sector: str
    amount_cents: int
    arrears_since: dt.date
    signal_date: dt.date
    crisis_kind: str | None
    crisis_date: dt.date | None
    warm_handover: bool
    status: str
    hub_state: str
    repeat_of: str | None
    identity: Mapping[str, Any] | None


@dataclass(frozen=True)
class LinkExplanation:
    """Why the hub linked one signal to another: the token kinds both shared, those that differed, and the
    Fellegi-Sunter weight; ``text`` says it in one sentence."""

    signal_id: str
    target_signal_id: str
    level: str
    score: float
    agreed: tuple[str, ...]
    disagreed: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Outcome:
    """A contact attempt (``kind == "contact"``) or a result (``kind == "result"``) recorded locally.

    ``state`` is ``pending`` (not yet at the hub), ``sent`` or ``rejected`` (``detail`` says why).
    ``body`` is the hub's request body: ``{kind, reached, date, part_of_day}`` or ``{result, date}``.
    """

    id: int
    case_id: str
    kind: str
    body: Mapping[str, Any]
    recorded_by: str
    recorded_at: str
    state: str
    detail: str | None


@dataclass(frozen=True)
class Household:
    """Everything the municipality holds about one household case (``LocalStore.household``).

    ``signals`` are crisis first, then by signal date; ``contacts`` are the contact attempts the hub holds
    for the report (DDAS form); ``outcomes`` what was recorded locally, sent or not; ``versions`` every
    version pulled, oldest first; ``merged_from`` the cases merged into this one.
    """

    summary: ReportSummary
    signals: tuple[SignalView, ...]
    links: tuple[LinkExplanation, ...]
    contacts: tuple[Mapping[str, Any], ...]
    outcomes: tuple[Outcome, ...]
    versions: tuple[int, ...]
    merged_from: tuple[str, ...] = field(default=())


def explain_link(link: Mapping[str, Any]) -> LinkExplanation:
    """A ``LinkExplanation`` of one entry of a case's ``links`` (hub form)."""
    agreed = tuple(str(kind) for kind in link.get("agreed", ()))
    disagreed = tuple(str(kind) for kind in link.get("disagreed", ()))
    words = ", ".join(TOKEN_WORDS.get(kind, kind) for kind in agreed) or "no shared identifier"
    text = f"linked as the same {link['level']} on {words}"
    if disagreed:
        text += f"; differed on {', '.join(TOKEN_WORDS.get(kind, kind) for kind in disagreed)}"
    return LinkExplanation(
        signal_id=str(link["signal_id"]),
        target_signal_id=str(link["target_signal_id"]),
        level=str(link["level"]),
        score=float(link["score"]),
        agreed=agreed,
        disagreed=disagreed,
        text=f"{text} (weight {float(link['score']):.1f})",
    )


def crisis_first(signals: Sequence[SignalView]) -> tuple[SignalView, ...]:
    """Signals with a crisis first (nearest crisis date first), then the newest signal date first."""
    return tuple(
        sorted(
            signals,
            key=lambda s: (
                s.crisis_date is None,
                s.crisis_date or dt.date.max,
                -s.signal_date.toordinal(),
                s.signal_id,
            ),
        )
    )

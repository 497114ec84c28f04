"""Purposes of disclosure after the signal, each with its legal basis: the table is data, not branches.

A purpose has one or more :class:`Basis` rows. A ``statute`` basis names the law that lets organisations
of the listed kinds receive a case's data without the person's consent; a ``consent`` basis lets the
listed kinds receive it only under a consent record that names them. A kind that no basis lists is
denied. The legal reasoning behind every row is in docs/consent.md; change both together, and have
the data protection officer (FG) confirm the citations before production.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

BasisKind = Literal["statute", "consent"]

#: Creditor kinds (vaste-lastenpartners and the municipality's own tax office), as in the directory.
CREDITORS = frozenset({"housing", "energy", "water", "health_insurer", "municipal_taxes"})
MUNICIPALITY = frozenset({"municipality"})
DEBT_HELP = frozenset({"debt_help"})
#: Who records consent: the municipality's worker or the debt-help worker, whose organisation signs.
RECORDERS = MUNICIPALITY | DEBT_HELP

CONSENT_CITATION = "AVG art. 6(1)(a) and art. 7: freely given, specific, informed, withdrawable at any time"


@dataclass(frozen=True)
class Basis:
    """One lawful ground: ``statute`` (the law named in ``citation``) or ``consent``, for these kinds."""

    kind: BasisKind
    citation: str
    recipient_kinds: frozenset[str]


@dataclass(frozen=True)
class Purpose:
    """Why a case's data is disclosed, what is disclosed, and on which bases.

    ``recorder_kinds`` may record (and renew) consent for it; ``max_term_days`` bounds how long one
    consent (or renewal) may run. Purposes resting on statute alone record no consent.
    """

    id: str
    title: str
    description: str
    data: str
    bases: tuple[Basis, ...]
    recorder_kinds: frozenset[str] = frozenset()
    max_term_days: int = 0

    def statute_for(self, kind: str) -> Basis | None:
        """The statutory basis that covers organisations of ``kind``, if any."""
        return next((b for b in self.bases if b.kind == "statute" and kind in b.recipient_kinds), None)

    def consent_for(self, kind: str) -> Basis | None:
        """The consent basis that covers organisations of ``kind``, if any."""
        return next((b for b in self.bases if b.kind == "consent" and kind in b.recipient_kinds), None)

    @property
    def takes_consent(self) -> bool:
        return any(b.kind == "consent" for b in self.bases)


PURPOSE_LIST: tuple[Purpose, ...] = (
    Purpose(
        id="wgs_early_warning",
        title="Early warning of payment arrears (vroegsignalering)",
        description="The creditor's arrears signal reaches the municipality of the address, which offers help.",
        data="contact details, arrears amount and dates, crisis and warm-handover flags (Bgs art. 2)",
        bases=(Basis("statute", "Wgs art. 3 with Bgs art. 2 (duty to signal, no consent needed)", MUNICIPALITY),),
    ),
    Purpose(
        id="debt_help_referral",
        title="Referral to debt help (doorverwijzing schuldhulpverlening)",
        description="The case is referred to a debt-help service, which contacts the household to start help.",
        data="contact details and the signals of the case",
        bases=(
            Basis(
                "statute",
                "Wgs art. 3 (the college's own debt-help task; Bgs art. 1 'schuldhulpverlener')",
                MUNICIPALITY,
            ),
            Basis("consent", CONSENT_CITATION, DEBT_HELP),
        ),
        recorder_kinds=RECORDERS,
        max_term_days=365,
    ),
    Purpose(
        id="settlement_negotiation",
        title="Settlement with creditors (minnelijke schuldregeling)",
        description="The debt-help service sends notices, claim requests and a settlement proposal to the "
        "creditors named, and receives their answers.",
        data="the case's debts, claim statements, repayment capacity and the settlement proposal",
        bases=(Basis("consent", CONSENT_CITATION, CREDITORS | DEBT_HELP),),
        recorder_kinds=RECORDERS,
        max_term_days=3 * 365,
    ),
    Purpose(
        id="multi_creditor_notice",
        title="Notice that the household has several creditors",
        description="The creditors named learn that other creditors take part, so none acts alone "
        "(e.g. before forgiving arrears, Gereedschapskist 3.6).",
        data="that the case has several creditors, and how many; never who they are or what is owed",
        bases=(Basis("consent", CONSENT_CITATION, CREDITORS),),
        recorder_kinds=RECORDERS,
        max_term_days=3 * 365,
    ),
    Purpose(
        id="fund_referral",
        title="Referral to a debt fund (schuldenfonds, saneringskrediet)",
        description="The case is put to a fund that may buy off or refinance the debts.",
        data="the case's debts and the settlement proposal",
        bases=(Basis("consent", CONSENT_CITATION, DEBT_HELP),),
        recorder_kinds=RECORDERS,
        max_term_days=365,
    ),
)

PURPOSES: Mapping[str, Purpose] = {p.id: p for p in PURPOSE_LIST}
CONSENT_PURPOSE_IDS: tuple[str, ...] = tuple(p.id for p in PURPOSE_LIST if p.takes_consent)


def purpose_view(purpose: Purpose) -> dict[str, object]:
    """The purpose as published to organisations (``GET /v1/consent-purposes``)."""
    return {
        "id": purpose.id,
        "title": purpose.title,
        "description": purpose.description,
        "data": purpose.data,
        "bases": [
            {"kind": b.kind, "citation": b.citation, "recipient_kinds": sorted(b.recipient_kinds)}
            for b in purpose.bases
        ],
        "recorder_kinds": sorted(purpose.recorder_kinds),
        "max_term_days": purpose.max_term_days,
    }

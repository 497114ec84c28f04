"""Convenants as data, and how the hub applies them to one creditor in one dossier.

A convenant (e.g. the Aedes-modelconvenant minnelijke schuldhulpverlening) binds creditors and debt-help
organisations: the creditor pauses collection when it hears of a debt-help case (pauzeknop), answers
within a number of days, and may accept a compliant settlement proposal in advance. The clause-level terms
differ per convenant, so each is a row of data; this module decides with them, without storage.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from hub.domain import settlement_math as math

#: For a creditor under no convenant: the answer is due after this many days, with a reminder before.
DEFAULT_RESPONSE_DAYS: Final = 28
DEFAULT_REMINDER_DAYS: Final = 5
DEFAULT_TERM_MONTHS: Final = 18  # NVVK since 1 July 2023 (it was 36)
CONVENANT_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]")


@dataclass(frozen=True)
class Convenant:
    """The terms of one convenant. ``preferential_min_share_bp`` is in basis points of the claim."""

    id: str
    name: str
    response_days: int
    reminder_days: int
    pause_on_notice: bool
    accepts_compliant_in_advance: bool
    term_months: int = DEFAULT_TERM_MONTHS
    preferential_min_share_bp: int = 0


@dataclass(frozen=True)
class Deadline:
    """When an answer is due, and when the hub reminds the creditor of it."""

    due_at: dt.datetime
    remind_at: dt.datetime


def check_terms(c: Convenant) -> list[tuple[str, str]]:
    """Problems with a convenant's terms, as ``(field, reason)``; empty when it is sound."""
    problems = []
    if not CONVENANT_ID.fullmatch(c.id):
        problems.append(("id", "3 to 64 lower-case letters, digits and hyphens"))
    if not c.name.strip() or len(c.name) > 200:
        problems.append(("name", "1 to 200 characters"))
    if not 1 <= c.response_days <= 365:
        problems.append(("response_days", "between 1 and 365 days"))
    if not 0 < c.reminder_days < c.response_days:
        problems.append(("reminder_days", "at least 1 and fewer than the response days"))
    if not 1 <= c.term_months <= math.MAX_TERM_MONTHS:
        problems.append(("term_months", f"between 1 and {math.MAX_TERM_MONTHS} months"))
    if not 0 <= c.preferential_min_share_bp <= math.BASIS_POINTS:
        problems.append(("preferential_min_share_bp", f"between 0 and {math.BASIS_POINTS} basis points"))
    return problems


def applicable(shared: Iterable[Convenant]) -> Convenant | None:
    """The convenant that governs a creditor in a dossier, among those both it and the debt-help
    organisation are party to: one that accepts in advance first, then the shortest deadline, then by id."""
    ranked = sorted(shared, key=lambda c: (not c.accepts_compliant_in_advance, c.response_days, c.id))
    return ranked[0] if ranked else None


def deadline(convenant: Convenant | None, sent_at: dt.datetime) -> Deadline:
    """The deadline of a request sent at ``sent_at`` to a creditor under ``convenant`` (or none)."""
    days = convenant.response_days if convenant else DEFAULT_RESPONSE_DAYS
    before = convenant.reminder_days if convenant else DEFAULT_REMINDER_DAYS
    due = sent_at + dt.timedelta(days=days)
    return Deadline(due, due - dt.timedelta(days=before))


def pauses_collection(convenant: Convenant | None) -> bool:
    return convenant is not None and convenant.pause_on_notice


def compliance(convenant: Convenant, offer: math.Offer, claim: math.Claim, share_cents: int) -> str | None:
    """Why a checked proposal does not comply with ``convenant`` for this creditor; None when it does.

    Compliant: not an SA (that needs the creditor's own answer); a regular settlement over at least the
    convenant's term, or one that pays the claim in full; a saneringskrediet that pays at least what the
    regular settlement over the convenant's term would; a preferential creditor gets its minimum share.
    """
    if offer.kind == math.SA:
        return "a settlement without repayment capacity (SA) needs the creditor's own answer"
    full = share_cents >= claim.admitted_cents
    if offer.kind == math.REGULAR and offer.term_months < convenant.term_months and not full:
        return f"the term is shorter than the convenant's {convenant.term_months} months"
    if offer.kind == math.SANERINGSKREDIET:
        regular = offer.monthly_capacity_cents * convenant.term_months
        if offer.lump_sum_cents < regular and not full:
            return f"the lump sum is less than {convenant.term_months} months of repayment capacity"
    minimum = convenant.preferential_min_share_bp
    if claim.preferential and share_cents * math.BASIS_POINTS < claim.admitted_cents * minimum:
        return f"a preferential creditor gets less than {minimum} basis points of its claim"
    return None

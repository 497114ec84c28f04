"""The one policy function: may this organisation receive this case's data for this purpose, now?

Modelled on how Mitz checks consent at the moment of use: the question is asked each time data is about
to be disclosed, against the records as they are at that moment, and the answer says why. Deny by
default: only a statutory basis for the organisation's kind, or an active consent naming the
organisation, allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consent.purposes import PURPOSES, Purpose
from consent.records import ConsentRecord

#: Decision codes. Allowed: ``statute``, ``consent``. Denied: all others.
ALLOW_CODES = ("statute", "consent")
DENY_CODES = ("unknown_purpose", "kind_not_eligible", "no_consent", "consent_expired", "consent_withdrawn")


@dataclass(frozen=True)
class Party:
    """The organisation that would receive the data."""

    id: str
    kind: str


@dataclass(frozen=True)
class Case:
    """What the policy needs to know of a case: its opaque id and the consent records held for it."""

    case_id: str
    records: Sequence[ConsentRecord]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str
    reason: str
    basis: str | None = None  # the statute cited, or the consent citation
    consent_id: str | None = None  # the consent relied on, or the one that lapsed


def may(
    organisation: Party,
    purpose: str,
    case: Case,
    at: dt.datetime,
    purposes: Mapping[str, Purpose] = PURPOSES,
) -> Decision:
    """Decide, with the reason. Pure: the caller loads the records and logs the decision."""
    found = purposes.get(purpose)
    if found is None:
        return Decision(False, "unknown_purpose", f"There is no purpose {purpose!r}.")
    statute = found.statute_for(organisation.kind)
    if statute is not None:
        return Decision(
            True,
            "statute",
            f"Statute allows an organisation of kind {organisation.kind} to receive data for {purpose} "
            f"without consent: {statute.citation}.",
            basis=statute.citation,
        )
    consent = found.consent_for(organisation.kind)
    if consent is None:
        return Decision(
            False,
            "kind_not_eligible",
            f"No legal basis lets an organisation of kind {organisation.kind} receive data for {purpose}.",
        )
    return _by_consent(organisation, found, case, at, consent.citation)


def _by_consent(organisation: Party, purpose: Purpose, case: Case, at: dt.datetime, citation: str) -> Decision:
    naming = [
        r
        for r in case.records
        if r.purpose == purpose.id and r.case_id == case.case_id and organisation.id in r.recipients
    ]
    statuses = [(r, r.status_at(at)) for r in naming]
    for record, status in statuses:
        if status.state == "active" and status.expires_at is not None:
            return Decision(
                True,
                "consent",
                f"Consent {record.id} for {purpose.id} names {organisation.id} and is valid until "
                f"{status.expires_at.isoformat(timespec='seconds')}.",
                basis=citation,
                consent_id=record.id,
            )
    for record, status in statuses:
        if status.state == "withdrawn" and status.withdrawn_at is not None:
            return Decision(
                False,
                "consent_withdrawn",
                f"Consent {record.id} for {purpose.id} was withdrawn at "
                f"{status.withdrawn_at.isoformat(timespec='seconds')}.",
                consent_id=record.id,
            )
    for record, status in statuses:
        if status.state == "expired" and status.expires_at is not None:
            return Decision(
                False,
                "consent_expired",
                f"Consent {record.id} for {purpose.id} expired at {status.expires_at.isoformat(timespec='seconds')}.",
                consent_id=record.id,
            )
    return Decision(
        False,
        "no_consent",
        f"{purpose.id} needs consent for an organisation of kind {organisation.kind}, and no consent for this "
        f"case names {organisation.id}.",
    )

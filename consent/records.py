"""Consent records and their lifecycle events (after ISO/IEC TS 27560), and the rules for recording them.

A record says who consented for which case (a pseudonymous ``case_id``: the hub never learns who the
person is), to what purpose, to which recipient organisations, recorded by which organisation and how.
What happens to it afterwards is a list of events (``given``, ``renewed``, ``withdrawn``), appended and
never edited; the state at any moment is folded from them. A withdrawal is final: consenting again is a
new record, so the history stays readable.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from consent.purposes import Purpose

METHODS = ("in_person", "in_writing", "digital")
EVENTS = ("given", "renewed", "withdrawn")
#: Clocks of the recording organisations may run a little ahead of the hub's.
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_RECIPIENTS = 50
CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_CASE_ID = re.compile(CASE_ID_PATTERN)

State = Literal["active", "expired", "withdrawn", "not_given"]


class ConsentRuleError(ValueError):
    """The request breaks a rule; ``field`` names the offending field (a 422)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class ConsentStateError(ValueError):
    """The record's state does not allow this (a 409), e.g. renewing a withdrawn consent."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def is_case_id(value: str) -> bool:
    """A case id is opaque to the consent package: 1-64 letters, digits and ``._:-``."""
    return bool(_CASE_ID.match(value))


@dataclass(frozen=True)
class ConsentEvent:
    event: str
    occurred_at: dt.datetime  # when the person gave, renewed or withdrew it, as the worker recorded
    recorded_at: dt.datetime  # when the hub recorded it
    recorded_by: str
    method: str
    expires_at: dt.datetime | None  # for given and renewed

    @property
    def effective_at(self) -> dt.datetime:
        """An event counts from when it happened, but never from later than the hub learned of it."""
        return min(self.occurred_at, self.recorded_at)


@dataclass(frozen=True)
class Status:
    state: State
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


@dataclass(frozen=True)
class ConsentRecord:
    id: str
    case_id: str
    purpose: str
    recorder_id: str
    recipients: tuple[str, ...]
    method: str
    given_at: dt.datetime
    expires_at: dt.datetime  # as first given; renewals move the current expiry (see status_at)
    recorded_at: dt.datetime
    events: tuple[ConsentEvent, ...]

    def status_at(self, at: dt.datetime) -> Status:
        """Fold the events that were in effect at ``at``."""
        expires: dt.datetime | None = None
        for event in self.events:
            if event.effective_at > at:
                break
            if event.event == "withdrawn":
                return Status("withdrawn", expires, event.effective_at)
            expires = event.expires_at
        if expires is None:
            return Status("not_given", None, None)
        return Status("expired" if at >= expires else "active", expires, None)

    def parties(self) -> frozenset[str]:
        """The organisations that may read the record: its recorder and its recipients."""
        return frozenset(self.recipients) | {self.recorder_id}

    def latest_event_at(self) -> dt.datetime:
        return self.events[-1].occurred_at if self.events else self.given_at


def check_grant(
    purpose: Purpose,
    *,
    recorder_kind: str,
    recipient_kinds: Mapping[str, str | None],
    given_at: dt.datetime,
    expires_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """Raise :class:`ConsentRuleError` for the first rule a new consent breaks.

    ``recipient_kinds`` maps each named recipient to its kind, or to None when it is not an active,
    registered organisation.
    """
    if not purpose.takes_consent:
        raise ConsentRuleError("purpose", f"{purpose.id} rests on statute; no consent is recorded for it.")
    if recorder_kind not in purpose.recorder_kinds:
        kinds = ", ".join(sorted(purpose.recorder_kinds))
        raise ConsentRuleError("purpose", f"Consent for {purpose.id} is recorded by {kinds}, not {recorder_kind}.")
    _check_recipients(purpose, recipient_kinds)
    check_term(purpose, "given_at", given_at, expires_at, now, not_before=None)


def _check_recipients(purpose: Purpose, recipient_kinds: Mapping[str, str | None]) -> None:
    if not recipient_kinds:
        raise ConsentRuleError("recipients", "Name at least one recipient organisation.")
    if len(recipient_kinds) > MAX_RECIPIENTS:
        raise ConsentRuleError("recipients", f"At most {MAX_RECIPIENTS} recipients per consent.")
    for index, (org_id, kind) in enumerate(recipient_kinds.items()):
        if kind is None:
            raise ConsentRuleError(f"recipients.{index}", f"{org_id} is not an active registered organisation.")
        if purpose.consent_for(kind) is None:
            raise ConsentRuleError(
                f"recipients.{index}", f"An organisation of kind {kind} cannot receive data for {purpose.id}."
            )


def check_term(
    purpose: Purpose,
    field: str,
    start: dt.datetime,
    expires_at: dt.datetime,
    now: dt.datetime,
    *,
    not_before: dt.datetime | None,
) -> None:
    """``start`` (given or renewed) is not in the future nor before ``not_before``; the term runs from it
    to ``expires_at``, which is still ahead and within the purpose's maximum term."""
    check_moment(field, start, now, not_before=not_before)
    if expires_at <= now:
        raise ConsentRuleError("expires_at", "Must lie in the future.")
    longest = dt.timedelta(days=purpose.max_term_days)
    if expires_at - start > longest:
        raise ConsentRuleError(
            "expires_at", f"Consent for {purpose.id} runs at most {purpose.max_term_days} days from {field}."
        )


def check_moment(field: str, at: dt.datetime, now: dt.datetime, *, not_before: dt.datetime | None) -> None:
    if at > now + CLOCK_SKEW:
        raise ConsentRuleError(field, "Must not lie in the future.")
    if not_before is not None and at < not_before:
        raise ConsentRuleError(field, "Must not lie before the consent's latest event.")


def check_renewal(record: ConsentRecord, now: dt.datetime) -> None:
    if record.status_at(now).state == "withdrawn":
        raise ConsentStateError("consent_withdrawn", "This consent was withdrawn; record a new consent instead.")


def check_withdrawal(record: ConsentRecord, now: dt.datetime) -> None:
    if record.status_at(now).state == "withdrawn":
        raise ConsentStateError("consent_withdrawn", "This consent was already withdrawn.")


def record_view(record: ConsentRecord, now: dt.datetime) -> dict[str, object]:
    """The record as its parties see it: facts, the state now and every event."""
    status = record.status_at(now)
    return {
        "id": record.id,
        "case_id": record.case_id,
        "purpose": record.purpose,
        "recorder_id": record.recorder_id,
        "recipients": list(record.recipients),
        "method": record.method,
        "given_at": record.given_at,
        "expires_at": status.expires_at or record.expires_at,
        "state": status.state,
        "withdrawn_at": status.withdrawn_at,
        "recorded_at": record.recorded_at,
        "events": [event_view(e) for e in record.events],
    }


def event_view(event: ConsentEvent) -> dict[str, object]:
    return {
        "event": event.event,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "recorded_by": event.recorded_by,
        "method": event.method,
        "expires_at": event.expires_at,
    }

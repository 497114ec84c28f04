"""Cross-field rules of a v1 signal envelope: dates in order, crisis fitting the sector, tokens consistent.

Pure functions over a (partly) loaded envelope. Each rule checks only the fields that loaded cleanly, so a
clerk sees every problem of a signal at once, and reports under the path of the field to correct
(``attestations.transfer_offered``), never quoting the submitted value.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from marshmallow.exceptions import SCHEMA

from schemas.v1 import clock, vocab

_ATTESTATION_WORDS = {
    "personal_contact_attempted": "The attempt at personal contact",
    "debt_help_pointed_out": "Pointing out debt help",
    "written_reminder_sent": "The written reminder",
    "transfer_offered": "The offer to pass on contact details",
}


class Errors:
    """Collects messages under dotted field paths, in marshmallow's nested error shape."""

    def __init__(self) -> None:
        self.messages: dict[str | int, Any] = {}

    def add(self, path: str, message: str) -> None:
        """Record ``message`` for the field at ``path`` (``"crisis.date"``, ``"tokens.3.debtor"``). A field
        with messages of its own and of its items (``"tokens"`` and ``"tokens.3.debtor"``) keeps its own
        under ``_schema``, as marshmallow merges them."""
        node = self.messages
        *parents, leaf = (int(part) if part.isdigit() else part for part in path.split("."))
        for part in parents:
            child = node.setdefault(part, {})
            if isinstance(child, list):  # the field's own messages came first
                child = node[part] = {SCHEMA: child}
            node = child
        messages = node.setdefault(leaf, [])
        if isinstance(messages, dict):  # its items' messages came first
            messages = messages.setdefault(SCHEMA, [])
        messages.append(message)


def check_facts(signal: Mapping[str, Any], errors: Errors) -> None:
    """The rules over the envelope's facts: dates, crisis, status (the tokens have ``check_tokens``)."""
    check_dates(signal, errors)
    check_crisis(signal, errors)
    check_status(signal, errors)


def long_enough(ciphertext: bytes, suite: str) -> bool:
    """Longer than the suite's encapsulated key and AEAD tag: something was sealed."""
    return len(ciphertext) > vocab.ENCAPSULATION_BYTES[suite] + vocab.AEAD_TAG_BYTES


def check_dates(signal: Mapping[str, Any], errors: Errors) -> None:
    """Signal date not in the future nor before the Wgs; arrears arose before it; attestations on or before it."""
    signal_date: dt.date | None = signal.get("signal_date")
    arrears_since: dt.date | None = signal.get("arrears_since")
    if signal_date is not None:
        if signal_date > clock.today():
            errors.add("signal_date", "The signal date lies in the future; it can be today at the latest.")
        if signal_date < vocab.EARLIEST_SIGNAL_DATE:
            errors.add("signal_date", "The signal date lies before 2021, when signalling started; check the year.")
    if signal_date is None or arrears_since is None:
        return
    if arrears_since >= signal_date:
        errors.add("arrears_since", "The arrears must have arisen before the signal date.")
    elif signal_date >= vocab.EARLIEST_SIGNAL_DATE and arrears_since < clock.years_before(
        signal_date, vocab.MAX_ARREARS_AGE_YEARS
    ):  # before 2021 the signal date is wrong already (and some years before year 1 do not exist)
        errors.add(
            "arrears_since",
            f"The arrears arose more than {vocab.MAX_ARREARS_AGE_YEARS} years before the signal date; check the year.",
        )
    for name, moment in signal.get("attestations", {}).items():
        if moment > signal_date:
            errors.add(
                f"attestations.{name}", f"{_ATTESTATION_WORDS[name]} must be dated on or before the signal date."
            )


def check_crisis(signal: Mapping[str, Any], errors: Errors) -> None:
    """A crisis fits the sector and its date lies after the arrears arose and within a year of the signal."""
    crisis = signal.get("crisis")
    if not crisis:
        return
    sector = signal.get("sector")
    kind = crisis.get("kind")
    if sector is not None and kind is not None and sector not in vocab.CRISIS_SECTORS[kind]:
        allowed = " and ".join(sorted(vocab.SECTORS[code] for code in vocab.CRISIS_SECTORS[kind]))
        errors.add("crisis.kind", f"This kind of crisis applies only to signals of sector {allowed}.")
    when: dt.date | None = crisis.get("date")
    if when is None:
        return
    arrears_since = signal.get("arrears_since")
    if arrears_since is not None and when < arrears_since:
        errors.add("crisis.date", "The crisis date lies before the arrears arose; check the date.")
    signal_date = signal.get("signal_date")
    if signal_date is not None and (when - signal_date).days > vocab.MAX_CRISIS_LEAD_DAYS:  # no sum past year 9999
        errors.add("crisis.date", "The crisis date lies more than a year after the signal date; check the year.")


def check_status(signal: Mapping[str, Any], errors: Errors) -> None:
    """A withdrawal names the signal it withdraws; a signal never supersedes itself."""
    supersedes = signal.get("supersedes")
    if signal.get("status") == "withdrawn" and supersedes is None:
        errors.add("supersedes", "A withdrawn signal must name the signal it withdraws.")
    if supersedes is not None and supersedes == signal.get("signal_id"):
        errors.add("supersedes", "A signal cannot supersede itself.")


def check_tokens(tokens: list[Mapping[str, Any]] | None, errors: Errors) -> None:
    """Person tokens name debtor 0 or 1, household tokens none; one contract token; no repeats."""
    if tokens is None:
        return
    for index, token in enumerate(tokens):
        person_level = token["kind"] in vocab.PERSON_TOKEN_KINDS
        if person_level and token["debtor"] is None:
            errors.add(f"tokens.{index}.debtor", "A token of this kind must name its debtor (0 or 1).")
        if not person_level and token["debtor"] is not None:
            errors.add(f"tokens.{index}.debtor", "A token of this kind describes the household; debtor must be null.")
    if sum(token["kind"] == "contract" for token in tokens) != 1:
        errors.add("tokens", "A signal carries exactly one contract token.")
    repeated = Counter((token["kind"], token["value"], token["debtor"]) for token in tokens)
    if any(count > 1 for count in repeated.values()):
        errors.add("tokens", "A token appears more than once; send each token once.")
    debtors = {token["debtor"] for token in tokens if token["debtor"] is not None}
    if 1 in debtors and 0 not in debtors:
        errors.add("tokens", "Tokens name debtor 1 but not debtor 0; number the debtors from 0.")

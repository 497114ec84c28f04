"""Validating a parsed row through the exchange standard before anything is routed, sealed or sent.

The identity goes through ``schemas.v1.identity.load_identity`` (for the layout's sector, so a BSN is
refused outside the BSN sectors), the facts through the envelope schema ``schemas.v1.signal.load_signal``
itself: the parts that only routing and sealing produce (signal id, municipality, routing version,
sealed blobs, tokens) are filled with well-formed placeholders that cannot fail, so every message is
about the row. A row passes only when both pass; its problems name the standard field, the export column
and the schema's reason (which never repeats the value).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from adapters.exports.layouts import Layout
from adapters.exports.records import RowProblem
from adapters.exports.rows import ATTESTATIONS, ParsedRecord, problem
from adapters.signals import Attestations, Crisis, SignalFacts
from schemas.v1.identity import IdentityPayload, load_identity
from schemas.v1.signal import load_signal

_BLOB = {"recipient": "placeholder", "key_id": "placeholder", "suite": "x25519"}
_PLACEHOLDERS: Mapping[str, Any] = {
    "signal_id": str(uuid.UUID(int=0)),
    "municipality_code": "0000",
    "routing_version": "unrouted",
    "sealed_identity": {**_BLOB, "ciphertext": base64.b64encode(bytes(64)).decode("ascii")},
    "sealed_reference": {**_BLOB, "ciphertext": base64.b64encode(bytes(64)).decode("ascii")},
    "tokens": [{"kind": "contract", "value": "A" * 43, "debtor": None}],
}
#: The standard field path of each ``FIELDS`` name, for problems found while reading a value.
PATHS: Mapping[str, str] = {
    **{name: f"debtors.0.{name}" for name in ("initials", "first_names", "name_prefix", "surname")},
    **{name: f"debtors.0.{name}" for name in ("date_of_birth", "phone", "email", "bsn")},
    "name": "debtors.0",
    **{name: f"address.{name}" for name in ("street", "house_number", "house_number_addition", "postcode", "town")},
    "street_and_number": "address",
    "creditor_reference": "creditor_reference",
    "amount": "amount_cents",
    "periodic_charge": "periodic_charge_cents",
    "crisis_date": "crisis.date",
    **{name: f"attestations.{name}" for name in ATTESTATIONS},
    **{name: name for name in ("arrears_since", "signal_date", "periods_in_arrears", "warm_handover")},
}
_FIELD_OF_PATH = {"amount_cents": "amount", "periodic_charge_cents": "periodic_charge", "crisis": "crisis_date"}


@dataclass(frozen=True)
class RowFacts:
    """The hub-visible facts of a valid row, before it is routed."""

    amount_cents: int
    arrears_since: dt.date
    signal_date: dt.date
    periods_in_arrears: int
    periodic_charge_cents: int
    attestations: Attestations
    warm_handover: bool = False
    crisis: Crisis | None = None

    def signal_facts(self, signal_id: uuid.UUID, sector: str, municipality_code: str, version: str) -> SignalFacts:
        """The facts of the signal for this row, routed to ``municipality_code`` with table ``version``."""
        return SignalFacts(
            signal_id=signal_id,
            sector=sector,
            amount_cents=self.amount_cents,
            arrears_since=self.arrears_since,
            signal_date=self.signal_date,
            periods_in_arrears=self.periods_in_arrears,
            periodic_charge_cents=self.periodic_charge_cents,
            attestations=self.attestations,
            municipality_code=municipality_code,
            routing_version=version,
            warm_handover=self.warm_handover,
            crisis=self.crisis,
        )


@dataclass(frozen=True)
class ExportRow:
    """A valid row: its line, the loaded identity payload (personal data: never log it) and its facts."""

    line: int
    identity: IdentityPayload
    facts: RowFacts


def flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """marshmallow's nested messages as (dotted path, message) pairs."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            yield from flatten(value, path)
    elif isinstance(messages, list | tuple):
        for value in messages:
            yield from flatten(value, prefix)
    else:
        yield prefix, str(messages)


def field_of(path: str) -> str:
    """The ``FIELDS`` name a standard path is read from: ``debtors.0.surname`` -> ``surname``."""
    parts = path.split(".")
    head = parts[0]
    if head in _FIELD_OF_PATH:
        return _FIELD_OF_PATH[head]
    return parts[-1] if head in {"debtors", "address", "attestations"} and len(parts) > 1 else head


def _wire_facts(facts: Mapping[str, Any], sector: str) -> dict[str, Any]:
    def wire(value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value

    body = {key: wire(value) for key, value in facts.items() if key not in ATTESTATIONS and value is not None}
    if "crisis" in body:
        body["crisis"] = {key: wire(value) for key, value in body["crisis"].items()}
    body["attestations"] = {name: wire(facts[name]) for name in ATTESTATIONS if facts.get(name) is not None}
    return {**body, **_PLACEHOLDERS, "sector": sector, "status": "active"}


def check_row(layout: Layout, parsed: ParsedRecord) -> ExportRow | list[RowProblem]:
    """The valid row, or every problem of it (read problems first, then schema problems)."""
    found = [problem(layout, parsed.line, name, PATHS[name], reason) for name, reason in parsed.problems.items()]
    seen = set(parsed.problems)
    identity: IdentityPayload | None = None
    try:
        identity = load_identity(parsed.identity, sector=layout.sector)
    except ValidationError as error:
        found += _schema_problems(layout, parsed, error, seen)
    try:
        load_signal(_wire_facts(parsed.facts, layout.sector))
    except ValidationError as error:
        found += _schema_problems(layout, parsed, error, seen)
    if found or identity is None:
        return found
    return ExportRow(parsed.line, identity, _row_facts(parsed.facts))


def _schema_problems(layout: Layout, parsed: ParsedRecord, error: ValidationError, seen: set[str]) -> list[RowProblem]:
    found = []
    for path, reason in flatten(error.messages):
        name = field_of(path)
        if name in seen or (name in parsed.derived and parsed.facts.get(PATHS[name]) is None):
            continue  # already reported where it was read, or derived from a field reported already
        found.append(problem(layout, parsed.line, name, path, reason))
    return found


def _row_facts(facts: Mapping[str, Any]) -> RowFacts:
    crisis = facts.get("crisis")
    return RowFacts(
        amount_cents=facts["amount_cents"],
        arrears_since=facts["arrears_since"],
        signal_date=facts["signal_date"],
        periods_in_arrears=facts["periods_in_arrears"],
        periodic_charge_cents=facts["periodic_charge_cents"],
        attestations=Attestations(**{name: facts[name] for name in ATTESTATIONS}),
        warm_handover=bool(facts.get("warm_handover")),
        crisis=None if crisis is None else Crisis(crisis["kind"], crisis["date"]),
    )

"""Building a v1 signal envelope at the creditor, and opening its identity at the municipality.

``build_signal`` validates the identity payload, seals it for the municipality of the address, seals the
creditor's own reference for the creditor itself, derives the linkage tokens and returns the envelope in
its JSON wire form, validated with ``SignalSchema``. ``open_signal_identity`` is its counterpart at the
municipality: it opens the identity and validates it again. Dates are checked against
``schemas.v1.clock.today()``. Nothing here logs; errors never carry personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from adapters import crypto, tokens
from schemas.v1 import vocab
from schemas.v1.identity import IdentityPayload, ReferencePayloadSchema, dump_identity, load_identity
from schemas.v1.signal import SealedBlobSchema, dump_signal, load_signal


class SignalOpenError(Exception):
    """A sealed part of a signal is not for this organisation or key, or cannot be opened."""


@dataclass(frozen=True)
class RecipientKey:
    """A published encryption key of an organisation, as the hub's directory lists it."""

    org_id: str
    key_id: str
    suite: str
    public_key: bytes = field(repr=False)


@dataclass(frozen=True)
class Attestations:
    """The dates on which the four Bgs art. 2 preconditions were met."""

    personal_contact_attempted: dt.date
    debt_help_pointed_out: dt.date
    written_reminder_sent: dt.date
    transfer_offered: dt.date


@dataclass(frozen=True)
class Crisis:
    """An imminent crisis: ``kind`` is ``end_of_supply`` or ``eviction``, ``date`` when it is planned."""

    kind: str
    date: dt.date


@dataclass(frozen=True)
class SignalFacts:
    """The hub-visible facts of a signal (everything in the envelope except sealed blobs and tokens)."""

    signal_id: uuid.UUID
    sector: str
    amount_cents: int
    arrears_since: dt.date
    signal_date: dt.date
    periods_in_arrears: int
    periodic_charge_cents: int
    attestations: Attestations
    municipality_code: str
    routing_version: str
    warm_handover: bool = False
    crisis: Crisis | None = None
    supersedes: uuid.UUID | None = None
    status: str = "active"


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant whitespace: the plaintext that gets sealed."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _seal_blob(payload: Mapping[str, Any], kind: str, signal_id: uuid.UUID, to: RecipientKey) -> dict[str, Any]:
    info = crypto.sealing_info(kind, str(signal_id), to.org_id, to.key_id)
    sealed = crypto.seal(canonical_json(payload), to.public_key, to.suite, info)
    return {"recipient": to.org_id, "key_id": to.key_id, "suite": to.suite, "ciphertext": sealed}


def _facts(facts: SignalFacts) -> dict[str, Any]:
    crisis = None if facts.crisis is None else {"kind": facts.crisis.kind, "date": facts.crisis.date}
    return {
        "signal_id": facts.signal_id,
        "sector": facts.sector,
        "amount_cents": facts.amount_cents,
        "arrears_since": facts.arrears_since,
        "signal_date": facts.signal_date,
        "periods_in_arrears": facts.periods_in_arrears,
        "periodic_charge_cents": facts.periodic_charge_cents,
        "crisis": crisis,
        "warm_handover": facts.warm_handover,
        "attestations": asdict(facts.attestations),
        "municipality_code": facts.municipality_code,
        "routing_version": facts.routing_version,
        "supersedes": facts.supersedes,
        "status": facts.status,
    }


def build_signal(
    identity: Mapping[str, Any],
    facts: SignalFacts,
    *,
    municipality: RecipientKey,
    creditor: RecipientKey,
    linkage_key: bytes,
) -> dict[str, Any]:
    """The JSON-ready envelope of one signal, validated with ``SignalSchema``.

    ``identity`` is an identity payload (wire or loaded form); it is validated again for ``facts.sector``.
    It is sealed for ``municipality`` (kind ``signal.identity``); its creditor reference is sealed for
    ``creditor``, the sender's own key (kind ``signal.reference``); ``creditor.org_id`` also keys the
    ``contract`` token. Raises ``marshmallow.ValidationError`` (messages keyed by field) when the identity
    or the envelope is invalid, and ``crypto.KeyFormatError`` for an unusable public key.
    """
    loaded = load_identity(identity, sector=facts.sector)
    envelope = _facts(facts)
    envelope["sealed_identity"] = _seal_blob(
        dump_identity(loaded), vocab.KIND_SIGNAL_IDENTITY, facts.signal_id, municipality
    )
    envelope["sealed_reference"] = _seal_blob(
        {"creditor_reference": loaded["creditor_reference"]}, vocab.KIND_SIGNAL_REFERENCE, facts.signal_id, creditor
    )
    envelope["tokens"] = tokens.derive_tokens(loaded, linkage_key=linkage_key, creditor_org_id=creditor.org_id)
    wire = dump_signal({key: value for key, value in envelope.items() if value is not None})
    load_signal(wire)  # the envelope as posted must pass the hub's own validation
    return wire


def sealed_key_id(envelope: Mapping[str, Any], part: str = "sealed_identity") -> str:
    """The key id ``part`` of ``envelope`` is sealed to: which private key ``open_signal_*`` needs."""
    return str(_blob(envelope, part)["key_id"])


def _blob(envelope: Mapping[str, Any], part: str) -> dict[str, Any]:
    raw = envelope.get(part)
    if not isinstance(raw, Mapping):
        raise SignalOpenError(f"the envelope has no {part}")
    blob: dict[str, Any] = SealedBlobSchema().load(raw)
    return blob


def _open(envelope: Mapping[str, Any], part: str, kind: str, private_key: crypto.EncryptionPrivateKey, org: str) -> Any:
    blob = _blob(envelope, part)
    if blob["recipient"] != org:
        raise SignalOpenError(f"{part} is addressed to another organisation")
    if blob["suite"] != private_key.suite:
        raise SignalOpenError(f"{part} is sealed with another suite than this key's")
    try:
        signal_id = str(uuid.UUID(str(envelope.get("signal_id"))))
    except ValueError as error:
        raise SignalOpenError("the envelope's signal_id is not a UUID") from error
    info = crypto.sealing_info(kind, signal_id, org, blob["key_id"])
    try:
        return json.loads(crypto.open_sealed(blob["ciphertext"], private_key, info))
    except crypto.SealedPayloadError as error:
        raise SignalOpenError(f"{part} cannot be opened with this key for this signal") from error
    except ValueError as error:  # JSON or UTF-8: a sender bug, since the plaintext was authenticated
        raise SignalOpenError(f"{part} does not hold JSON") from error


def open_signal_identity(
    envelope: Mapping[str, Any], private_key: crypto.EncryptionPrivateKey, own_org_id: str
) -> IdentityPayload:
    """The validated identity payload of a signal addressed to ``own_org_id`` (the municipality).

    ``private_key`` must be the key named by ``sealed_key_id(envelope)``. Raises ``SignalOpenError`` when
    the blob is for another organisation or key, was moved from another signal, or was tampered with;
    ``marshmallow.ValidationError`` when the envelope's sealed blob or the opened payload is invalid.
    """
    payload = _open(envelope, "sealed_identity", vocab.KIND_SIGNAL_IDENTITY, private_key, own_org_id)
    return load_identity(payload, sector=str(envelope.get("sector")))


def open_signal_reference(
    envelope: Mapping[str, Any], private_key: crypto.EncryptionPrivateKey, own_org_id: str
) -> str:
    """The creditor reference the creditor sealed for itself, e.g. to match the hub's feedback to a contract."""
    payload = _open(envelope, "sealed_reference", vocab.KIND_SIGNAL_REFERENCE, private_key, own_org_id)
    loaded: dict[str, str] = ReferencePayloadSchema().load(payload)
    return loaded["creditor_reference"]

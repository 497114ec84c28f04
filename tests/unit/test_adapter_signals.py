"""Building a signal at the creditor and opening it at the municipality, and what must fail."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import ValidationError

from adapters import crypto, signals
from schemas.v1 import clock
from schemas.v1.identity import load_identity
from tests.unit import signal_data

MUNICIPALITY_KEY, CREDITOR_KEY = signal_data.keys()
MUNICIPALITY = signals.RecipientKey(
    "gm0363", "gm0363-enc-20261123-ab12", MUNICIPALITY_KEY.suite, MUNICIPALITY_KEY.public_bytes()
)
CREDITOR = signals.RecipientKey(
    signal_data.CREDITOR, "woonstad-rdam-enc-1", CREDITOR_KEY.suite, CREDITOR_KEY.public_bytes()
)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(signal_data.TODAY):
        yield


def facts(**changes: Any) -> signals.SignalFacts:
    values: dict[str, Any] = {
        "signal_id": uuid.UUID(signal_data.SIGNAL_ID),
        "sector": "huur",
        "amount_cents": 85698,
        "arrears_since": dt.date(2026, 5, 14),
        "signal_date": dt.date(2026, 11, 1),
        "periods_in_arrears": 2,
        "periodic_charge_cents": 84611,
        "attestations": signals.Attestations(
            dt.date(2026, 10, 13), dt.date(2026, 10, 18), dt.date(2026, 9, 28), dt.date(2026, 9, 28)
        ),
        "municipality_code": "0363",
        "routing_version": "2026-11-01",
        "crisis": signals.Crisis("eviction", dt.date(2027, 1, 5)),
    }
    return signals.SignalFacts(**{**values, **changes})


def build(identity: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    return signals.build_signal(
        identity or signal_data.identity(),
        facts(**changes),
        municipality=MUNICIPALITY,
        creditor=CREDITOR,
        linkage_key=signal_data.LINKAGE_KEY,
    )


def test_built_envelope_is_json_and_carries_no_plaintext() -> None:
    envelope = build()
    text = json.dumps(envelope)
    for secret in ("Meer", "Nadiakade", "4110", "28447326", "HC632510", "1974"):
        assert secret not in text
    assert envelope["sealed_identity"]["recipient"] == "gm0363"
    assert envelope["sealed_reference"]["recipient"] == signal_data.CREDITOR
    assert envelope["crisis"] == {"kind": "eviction", "date": "2027-01-05"}
    assert "supersedes" not in envelope


def test_municipality_opens_exactly_the_validated_payload() -> None:
    envelope = json.loads(json.dumps(build()))
    opened = signals.open_signal_identity(envelope, MUNICIPALITY_KEY, "gm0363")
    assert opened == load_identity(signal_data.identity(), sector="huur")
    assert signals.sealed_key_id(envelope) == "gm0363-enc-20261123-ab12"


def test_creditor_opens_its_own_reference_and_the_municipality_cannot() -> None:
    envelope = build()
    assert signals.open_signal_reference(envelope, CREDITOR_KEY, signal_data.CREDITOR) == "HC632510"
    with pytest.raises(signals.SignalOpenError, match="another organisation"):
        signals.open_signal_reference(envelope, MUNICIPALITY_KEY, "gm0363")


def test_another_key_cannot_open_the_identity() -> None:
    with pytest.raises(signals.SignalOpenError, match="cannot be opened"):
        signals.open_signal_identity(build(), crypto.generate_encryption_key(), "gm0363")


def test_a_blob_moved_into_another_signal_does_not_open() -> None:
    envelope = build()
    moved = copy.deepcopy(envelope)
    moved["signal_id"] = str(uuid.uuid4())
    with pytest.raises(signals.SignalOpenError, match="cannot be opened"):
        signals.open_signal_identity(moved, MUNICIPALITY_KEY, "gm0363")


def test_a_blob_readdressed_to_another_recipient_or_key_does_not_open() -> None:
    readdressed = build()
    readdressed["sealed_identity"]["recipient"] = "gm0599"
    with pytest.raises(signals.SignalOpenError, match="cannot be opened"):
        signals.open_signal_identity(readdressed, MUNICIPALITY_KEY, "gm0599")
    rekeyed = build()
    rekeyed["sealed_identity"]["key_id"] = "gm0363-enc-20270101-cd34"
    with pytest.raises(signals.SignalOpenError, match="cannot be opened"):
        signals.open_signal_identity(rekeyed, MUNICIPALITY_KEY, "gm0363")


def test_opening_for_another_organisation_is_refused_before_decrypting() -> None:
    with pytest.raises(signals.SignalOpenError, match="another organisation"):
        signals.open_signal_identity(build(), MUNICIPALITY_KEY, "gm0599")


def test_opening_with_a_key_of_another_suite_is_refused() -> None:
    with pytest.raises(signals.SignalOpenError, match="another suite"):
        signals.open_signal_identity(build(), CREDITOR_KEY, "gm0363")


def test_invalid_identity_is_refused_before_sealing() -> None:
    identity = signal_data.identity()
    identity["debtors"][0]["bsn"] = "999998365"
    with pytest.raises(ValidationError) as caught:
        build(identity)
    assert "bsn" in caught.value.messages["debtors"][0]  # type: ignore[call-overload]
    build(identity, sector="zorg", crisis=None)


def test_invalid_facts_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        build(signal_date=dt.date(2026, 12, 1))
    assert "signal_date" in caught.value.messages


def test_tokens_are_derived_and_the_contract_token_repeats_across_signals() -> None:
    first = build()
    second = build(signal_id=uuid.uuid4(), amount_cents=99000)
    contract = [token for token in first["tokens"] if token["kind"] == "contract"]
    assert len(contract) == 1
    assert contract[0] in second["tokens"]
    assert first["tokens"] == second["tokens"]


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert signals.canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()

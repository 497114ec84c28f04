"""The hub-visible signal envelope and the batch: acceptance, and refusals that name each field."""

from __future__ import annotations

import base64
import datetime as dt
import string
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import ValidationError

from hub.errors import flatten_messages
from schemas.v1 import clock, vocab
from schemas.v1.signal import SignalBatchSchema, SignalSchema, dump_signal, load_signal
from schemas.v1.signal_plain import is_token_value
from tests.unit import signal_data
from tests.unit.signal_data import envelope


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with clock.as_of(signal_data.TODAY):
        yield


def errors_of(data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        load_signal(data)
    messages: dict[str, Any] = caught.value.messages  # type: ignore[assignment]
    return messages


def test_valid_envelope_loads_with_typed_values() -> None:
    loaded = load_signal(envelope())
    assert loaded["signal_id"] == uuid.UUID(signal_data.SIGNAL_ID)
    assert loaded["signal_date"] == dt.date(2026, 11, 1)
    assert isinstance(loaded["sealed_identity"]["ciphertext"], bytes)
    assert loaded["status"] == "active"


def test_dump_of_a_loaded_envelope_is_the_wire_form() -> None:
    assert dump_signal(load_signal(envelope())) == envelope()


def test_dump_signal_gives_what_the_schema_dumps() -> None:
    """dump_signal skips marshmallow's field walk for speed; the hub digests its output, so it must not
    differ from the schema's own dump in any field."""
    for body in (envelope(), envelope(crisis=None, supersedes=signal_data.new_signal_id(), status="withdrawn")):
        loaded = load_signal(body)
        assert dump_signal(loaded) == SignalSchema().dump(loaded)
        assert list(dump_signal(loaded)) == list(SignalSchema().dump(loaded))


def test_status_defaults_to_active_and_crisis_is_optional() -> None:
    body = envelope()
    del body["status"], body["crisis"]
    loaded = load_signal(body)
    assert loaded["status"] == "active"
    assert "crisis" not in loaded
    assert "crisis" not in load_signal(envelope(crisis=None))


def test_every_sector_of_the_ddas_model_is_a_code() -> None:
    assert set(vocab.SECTORS.values()) == {
        "Energie", "Huur", "Hypotheek", "CAK Zorgverzekeringen", "Zorg", "Water", "DUO",
        "Belastingdienst", "CAK Eigen bijdrage", "Overige", "Dienst Toeslagen",
    }  # fmt: skip
    for code in vocab.SECTORS:
        load_signal(envelope(sector=code, crisis=None))


def test_unknown_fields_are_refused() -> None:
    assert "not part of the exchange standard" in errors_of(envelope(debtor_name="Jansen"))["debtor_name"][0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount_cents", 0, "Amount in arrears must be between 1 and 10000000 cents."),
        ("amount_cents", 10_000_001, "Amount in arrears must be between 1 and 10000000 cents."),
        ("amount_cents", "856,98", "Amount in arrears must be a whole number."),
        ("amount_cents", 856.98, "Amount in arrears must be a whole number."),
        ("periods_in_arrears", 0, "Periods in arrears must be between 1 and 120 periods."),
        ("periodic_charge_cents", -1, "Periodic charge must be between 0 and 10000000 cents."),
        ("warm_handover", "yes", "Warm handover must be true or false."),
        ("warm_handover", 1, "Warm handover must be true or false."),
        ("municipality_code", "363", "Municipality code must be four digits, e.g. 0363."),
        ("municipality_code", "03630", "Municipality code must be four digits, e.g. 0363."),
        ("signal_id", "not-a-uuid", "Signal id must be a UUID."),
        ("sector", "telecom", "Sector must be one of: energie, huur,"),
        ("status", "paused", "Status must be active or withdrawn."),
        ("signal_date", "01-11-2026", "Signal date must be a date written as YYYY-MM-DD"),
    ],
)
def test_field_errors_name_the_field(field: str, value: Any, message: str) -> None:
    assert errors_of(envelope(**{field: value}))[field][0].startswith(message)


def test_required_fields_are_named() -> None:
    errors = errors_of({})
    for field in ("signal_id", "sector", "amount_cents", "attestations", "sealed_identity", "tokens"):
        assert errors[field][0].endswith("is required.")


def test_signal_date_may_be_today_but_not_later() -> None:
    load_signal(envelope(signal_date="2026-11-23"))
    assert errors_of(envelope(signal_date="2026-11-24"))["signal_date"] == [
        "The signal date lies in the future; it can be today at the latest."
    ]


def test_arrears_must_arise_before_the_signal_date() -> None:
    errors = errors_of(envelope(arrears_since="2026-11-01"))
    assert errors["arrears_since"] == ["The arrears must have arisen before the signal date."]
    assert "check the year" in errors_of(envelope(arrears_since="1926-05-14"))["arrears_since"][0]


def test_each_attestation_must_be_dated_on_or_before_the_signal_date() -> None:
    body = envelope()
    body["attestations"]["transfer_offered"] = "2026-11-02"
    body["attestations"]["written_reminder_sent"] = "2026-11-01"  # the same day is allowed
    assert errors_of(body)["attestations"] == {
        "transfer_offered": ["The offer to pass on contact details must be dated on or before the signal date."]
    }


def test_dates_at_the_ends_of_the_calendar_are_named_not_crashed_on() -> None:
    """Year 9999 and year 15 are well-formed dates; the rules once did arithmetic with them that left the
    calendar (OverflowError, ValueError: a 500 instead of a 422)."""
    late = errors_of(envelope(signal_date="9999-12-31", crisis={"kind": "eviction", "date": "9999-12-31"}))
    assert "future" in late["signal_date"][0]
    early = errors_of(envelope(signal_date="0015-06-01", arrears_since="0001-01-01", crisis=None))
    assert "before 2021" in early["signal_date"][0]
    assert "date" in errors_of(envelope(crisis={"kind": "eviction", "date": "9999-12-31"}))["crisis"]
    lead = dt.timedelta(days=vocab.MAX_CRISIS_LEAD_DAYS)  # from the signal date, 2026-11-01
    assert load_signal(envelope(crisis={"kind": "eviction", "date": (dt.date(2026, 11, 1) + lead).isoformat()}))
    one_more = (dt.date(2026, 11, 1) + lead + dt.timedelta(days=1)).isoformat()
    assert "date" in errors_of(envelope(crisis={"kind": "eviction", "date": one_more}))["crisis"]


def test_a_missing_attestation_is_named() -> None:
    body = envelope()
    del body["attestations"]["written_reminder_sent"]
    assert errors_of(body)["attestations"]["written_reminder_sent"] == [
        "Date the written reminder was sent is required."
    ]


def test_date_errors_are_reported_together_with_other_field_errors() -> None:
    errors = errors_of(envelope(signal_date="2026-12-01", amount_cents=0))
    assert set(errors) == {"signal_date", "amount_cents"}


def test_crisis_needs_a_date_and_a_kind_fitting_the_sector() -> None:
    assert errors_of(envelope(crisis={"kind": "eviction"}))["crisis"] == {"date": ["Crisis date is required."]}
    errors = errors_of(envelope(crisis={"kind": "end_of_supply", "date": "2027-01-05"}))
    assert errors["crisis"]["kind"] == ["This kind of crisis applies only to signals of sector Energie and Water."]
    assert (
        "before the arrears arose"
        in errors_of(envelope(crisis={"kind": "eviction", "date": "2026-01-01"}))["crisis"]["date"][0]
    )
    load_signal(envelope(sector="energie", crisis={"kind": "end_of_supply", "date": "2026-12-15"}))


def test_withdrawn_signal_must_supersede_another() -> None:
    assert errors_of(envelope(status="withdrawn"))["supersedes"] == [
        "A withdrawn signal must name the signal it withdraws."
    ]
    earlier = signal_data.new_signal_id()
    assert load_signal(envelope(status="withdrawn", supersedes=earlier))["supersedes"] == uuid.UUID(earlier)
    assert errors_of(envelope(supersedes=signal_data.SIGNAL_ID))["supersedes"] == ["A signal cannot supersede itself."]


def test_sealed_blob_is_checked_for_base64_suite_ids_and_size() -> None:
    blob = signal_data.sealed_blob()
    bad = {**blob, "ciphertext": "not base64!", "suite": "rsa", "recipient": "GM 0363", "key_id": "k"}
    errors = errors_of(envelope(sealed_identity=bad))["sealed_identity"]
    assert errors["ciphertext"] == ["Ciphertext must be standard base64 with padding."]
    assert errors["suite"] == ["Suite must be one of: mlkem768-x25519, x25519."]
    assert "organisation id" in errors["recipient"][0]
    assert "key id" in errors["key_id"][0]
    short = signal_data.sealed_blob(size=1136)
    assert errors_of(envelope(sealed_identity=short))["sealed_identity"]["ciphertext"] == [
        "Ciphertext is too short to be sealed with this suite."
    ]
    huge = signal_data.sealed_blob(size=vocab.MAX_SEALED_BYTES + 1)
    assert "at most" in errors_of(envelope(sealed_reference=huge))["sealed_reference"]["ciphertext"][0]


def test_tokens_are_checked_for_kind_value_and_debtor() -> None:
    tokens = signal_data.signal_tokens()
    person = next(index for index, token in enumerate(tokens) if token["kind"] == "surname_dob")
    household = next(index for index, token in enumerate(tokens) if token["kind"] == "address")
    tokens[person]["debtor"] = None
    tokens[household]["debtor"] = 0
    errors = errors_of(envelope(tokens=tokens))["tokens"]
    assert errors[person]["debtor"] == ["A token of this kind must name its debtor (0 or 1)."]
    assert errors[household]["debtor"] == ["A token of this kind describes the household; debtor must be null."]
    bad = [{"kind": "shoe_size", "value": "x" * 44, "debtor": 2}]
    errors = errors_of(envelope(tokens=bad))["tokens"][0]
    assert set(errors) == {"kind", "value", "debtor"}


def test_token_value_must_be_exactly_32_bytes_of_base64url() -> None:
    tokens = signal_data.signal_tokens()
    tokens[0]["value"] = tokens[0]["value"][:42] + "B"  # spare bits set: not the encoding of 32 bytes
    assert "43 base64url" in errors_of(envelope(tokens=tokens))["tokens"][0]["value"][0]


def test_token_value_rule_is_decoding_to_32_bytes_and_back() -> None:
    """The pattern stands in for base64url-decoding and encoding again: the same verdict for every last
    character on a valid stem, and for the other lengths and alphabets."""
    alphabet = string.ascii_letters + string.digits + "-_+/=."
    stem = base64.urlsafe_b64encode(bytes(range(32))).decode()[:42]

    def round_trips(value: str) -> bool:
        if len(value) != 43 or any(c not in string.ascii_letters + string.digits + "-_" for c in value):
            return False
        return base64.urlsafe_b64encode(base64.urlsafe_b64decode(value + "=")).decode()[:43] == value

    candidates = [stem + last for last in alphabet] + [stem, stem + "AA", "", stem[:41] + "+A"]
    for value in candidates:
        assert is_token_value(value) == round_trips(value), value
    assert sum(is_token_value(stem + last) for last in alphabet) == 16


def test_exactly_one_contract_token_and_no_repeats() -> None:
    tokens = signal_data.signal_tokens()
    without_contract = [token for token in tokens if token["kind"] != "contract"]
    assert "exactly one contract token" in errors_of(envelope(tokens=without_contract))["tokens"][0]
    assert "more than once" in errors_of(envelope(tokens=[*tokens, tokens[0]]))["tokens"][0]


def test_a_token_error_and_an_error_of_the_token_list_are_both_named() -> None:
    """A person token without its debtor, repeated: the token and the list each get their message (this
    once raised AttributeError, a 500, instead of naming both)."""
    tokens = signal_data.signal_tokens()
    email = next(index for index, token in enumerate(tokens) if token["kind"] == "email")
    tokens[email]["debtor"] = None
    named = flatten_messages(errors_of(envelope(tokens=[*tokens, tokens[email]])))
    assert {(param.name, param.reason) for param in named} == {
        (f"tokens.{email}.debtor", "A token of this kind must name its debtor (0 or 1)."),
        (f"tokens.{len(tokens)}.debtor", "A token of this kind must name its debtor (0 or 1)."),
        ("tokens", "A token appears more than once; send each token once."),
    }
    without_contract = [token for token in tokens if token["kind"] != "contract"]
    named = flatten_messages(errors_of(envelope(tokens=without_contract)))
    assert ("tokens", "A signal carries exactly one contract token.") in {(p.name, p.reason) for p in named}


def test_batch_limits_its_size_before_loading() -> None:
    schema = SignalBatchSchema(max_signals=2)
    batch = {"signals": [envelope(signal_id=signal_data.new_signal_id()) for _ in range(3)]}
    with pytest.raises(ValidationError) as caught:
        schema.load(batch)
    assert caught.value.messages == {"signals": ["A batch holds 1 to 2 signals."]}
    assert len(SignalBatchSchema().load({"signals": batch["signals"][:2]})["signals"]) == 2


def test_batch_errors_carry_the_position_and_refuse_repeated_ids() -> None:
    ids = [signal_data.new_signal_id() for _ in range(3)]
    batch = {
        "signals": [envelope(signal_id=ids[0]), envelope(signal_id=ids[1], amount_cents=0), envelope(signal_id=ids[2])]
    }
    with pytest.raises(ValidationError) as caught:
        SignalBatchSchema().load(batch)
    assert set(caught.value.messages["signals"]) == {1}  # type: ignore[call-overload]
    batch = {"signals": [envelope(), envelope()]}
    with pytest.raises(ValidationError) as caught:
        SignalBatchSchema().load(batch)
    assert caught.value.messages == {"signals": {1: {"signal_id": ["This signal id already appears at position 0."]}}}


def test_today_is_injectable_and_nests() -> None:
    body = envelope(signal_date="2026-11-20")
    with clock.as_of(dt.date(2026, 11, 19)), pytest.raises(ValidationError):
        SignalSchema().load(body)
    SignalSchema().load(body)

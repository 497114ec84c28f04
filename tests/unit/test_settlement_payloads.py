"""The sealed parts of the settlement exchange: strict payloads, sealed by the adapter library and bound to
their message, so a part moved to another message, recipient or key does not open."""

import uuid

import pytest
from marshmallow import ValidationError

from adapters.crypto import generate_encryption_key
from adapters.settlements import SealedPartError, open_part, seal_part
from adapters.signals import RecipientKey
from schemas.v1.settlement import ClaimStatementSchema, ProposalAnswerSchema, ProposalSchema
from schemas.v1.settlement_payloads import payload_schema

KEY = generate_encryption_key("x25519")
CREDITOR = RecipientKey("woonstad", "woonstad-enc-1", "x25519", KEY.public_bytes())
NOTICE = {
    "debtors": [{"surname": "Meer", "name_prefix": "van der", "date_of_birth": "1974-06-17"}],
    "address": {"street": "Nadiakade", "house_number": 126, "postcode": "4110 kp", "town": "Oudeschans"},
    "creditor_reference": "HC632510",
    "counsellor": {"name": "A. de Vries", "phone": "06-12345678"},
}


def test_a_sealed_part_opens_only_for_its_message_and_recipient() -> None:
    message_id = str(uuid.uuid4())
    blob = seal_part(NOTICE, "settlement.notice", message_id, CREDITOR)
    opened = open_part(blob, "settlement.notice", message_id, KEY, "woonstad")
    assert opened["address"]["postcode"] == "4110KP" and opened["counsellor"]["phone"] == "+31612345678"
    with pytest.raises(SealedPartError):
        open_part(blob, "settlement.notice", str(uuid.uuid4()), KEY, "woonstad")  # moved to another message
    with pytest.raises(SealedPartError):
        open_part(blob, "settlement.proposal", message_id, KEY, "woonstad")  # replayed as another kind
    with pytest.raises(SealedPartError):
        open_part(blob, "settlement.notice", message_id, generate_encryption_key("x25519"), "woonstad")
    with pytest.raises(SealedPartError):
        open_part(blob, "settlement.notice", message_id, KEY, "vattenfall")


def test_payloads_are_strict_and_minimal() -> None:
    with pytest.raises(ValidationError) as error:
        payload_schema("settlement.notice").load({**NOTICE, "income": 1800})
    assert "income" in error.value.messages
    bsn = {**NOTICE, "debtors": [{"surname": "Meer", "bsn": "111222333"}]}
    with pytest.raises(ValidationError, match="no BSN"):
        payload_schema("settlement.notice").load(bsn)
    assert payload_schema("settlement.proposal_answer").load({"note": "  too   low  "}) == {"note": "too low"}
    with pytest.raises(ValueError, match="not a settlement payload"):
        payload_schema("signal.identity")


def _sealed() -> dict[str, object]:
    return seal_part({"note": "x"}, "settlement.claim_statement", str(uuid.uuid4()), CREDITOR)


def test_message_envelopes_are_strict() -> None:
    claim = {
        "message_id": str(uuid.uuid4()),
        "sealed": _sealed(),
        "principal_cents": 1,
        "interest_cents": 0,
        "costs_cents": 0,
        "preferential": False,
    }
    assert ClaimStatementSchema().load(claim)["principal_cents"] == 1
    with pytest.raises(ValidationError) as error:
        ClaimStatementSchema().load({**claim, "principal_cents": -1, "preferential": "yes", "debtor_name": "x"})
    assert set(error.value.messages) == {"principal_cents", "preferential", "debtor_name"}
    answer = {"message_id": str(uuid.uuid4()), "sealed": _sealed(), "answer": "reject"}
    with pytest.raises(ValidationError, match="needs a reason"):
        ProposalAnswerSchema().load(answer)
    with pytest.raises(ValidationError) as error:
        ProposalSchema().load({"proposal_id": str(uuid.uuid4()), "kind": "lottery", "shares": []})
    assert set(error.value.messages) == {"kind"}

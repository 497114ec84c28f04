"""A small early-warning chain for tests: a municipality and creditors registered in a real hub, with
real keys, and signals built by the real adapter library."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from adapters import crypto
from adapters.signals import Attestations, Crisis, RecipientKey, SignalFacts, build_signal
from hub.domain.evidence import Actor
from tests.support.signing import SignedClient, new_signing_key

LINKAGE_KEY = bytes(range(32))
SAMPLE_ROUTING = Path(__file__).resolve().parents[2] / "hub" / "data" / "routing-sample.csv"
SECTOR = {
    "housing": "huur",
    "energy": "energie",
    "water": "water",
    "health_insurer": "zorg",
    "municipal_taxes": "overige",
}


@dataclass
class Party:
    org_id: str
    kind: str
    client: SignedClient
    encryption_key: crypto.EncryptionPrivateKey
    recipient: RecipientKey


@dataclass
class Chain:
    """Registers parties in the hub; imports the shipped sample routing table and routes with its version."""

    app: Flask
    parties: dict[str, Party] = field(default_factory=dict)
    routing_version: str = ""

    def __post_init__(self) -> None:
        routing = self.app.extensions["signaalhub"].routing
        self.routing_version = routing.import_text(
            Actor.operator(), SAMPLE_ROUTING.read_text(), source=SAMPLE_ROUTING.name
        ).version

    def add(
        self, org_id: str, kind: str, municipality_code: str | None = None, suite: str = "mlkem768-x25519"
    ) -> Party:
        directory = self.app.extensions["signaalhub"].directory
        directory.add_organisation(Actor.operator(), org_id, f"Test {org_id}", kind, municipality_code)
        private, public = new_signing_key()
        signing = directory.add_key(Actor.operator(), org_id, "signing", public, key_id=f"{org_id}-sig-1")
        encryption_key = crypto.generate_encryption_key(suite)
        enc = directory.add_key(Actor.operator(), org_id, "encryption", encryption_key.public_bytes(), suite=suite)
        party = Party(
            org_id,
            kind,
            SignedClient(self.app.test_client(), signing.key_id, private),
            encryption_key,
            RecipientKey(org_id, enc.key_id, suite, encryption_key.public_bytes()),
        )
        self.parties[org_id] = party
        return party

    def signal(self, creditor: Party, municipality: Party, identity: dict[str, Any], **facts: Any) -> dict[str, Any]:
        """An envelope built by the adapter library, with plausible facts relative to today."""
        today = dt.date.today()
        base: dict[str, Any] = {
            "signal_id": uuid.uuid4(),
            "sector": SECTOR[creditor.kind],
            "amount_cents": 85_698,
            "arrears_since": today - dt.timedelta(days=70),
            "signal_date": today - dt.timedelta(days=1),
            "periods_in_arrears": 2,
            "periodic_charge_cents": 84_611,
            "attestations": Attestations(*(today - dt.timedelta(days=d) for d in (20, 18, 40, 40))),
            "municipality_code": municipality_code_of(municipality),
            "routing_version": self.routing_version,
        }
        base.update(facts)
        return build_signal(
            identity,
            SignalFacts(**base),
            municipality=municipality.recipient,
            creditor=creditor.recipient,
            linkage_key=LINKAGE_KEY,
        )


def municipality_code_of(party: Party) -> str:
    return party.org_id.removeprefix("gm")


def identity(
    *,
    surname: str = "Meer",
    prefix: str | None = "van der",
    street: str = "Nadiakade",
    postcode: str = "4110 KP",
    house_number: int = 126,
    reference: str = "HC632510",
    date_of_birth: str | None = "1974-06-17",
    **extra: Any,
) -> dict[str, Any]:
    debtor: dict[str, Any] = {"initials": "P.C.", "first_names": "Pieter Cornelis", "surname": surname}
    if prefix:
        debtor["name_prefix"] = prefix
    if date_of_birth:
        debtor["date_of_birth"] = date_of_birth
    debtor.update(extra)
    return {
        "debtors": [debtor],
        "address": {"street": street, "house_number": house_number, "postcode": postcode, "town": "Oudeschans"},
        "creditor_reference": reference,
    }


__all__ = ["Chain", "Crisis", "Party", "identity"]

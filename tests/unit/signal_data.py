"""Synthetic, valid example data for the signal tests: an identity payload, signal facts and an envelope.

No real person: names and addresses are made up, the BSN is in the 99999xxxx test range.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import uuid
from typing import Any

from adapters import crypto, tokens
from schemas.v1 import clock
from schemas.v1.identity import load_identity

TODAY = dt.date(2026, 11, 23)
LINKAGE_KEY = bytes(range(32))
CREDITOR = "woonstad-rdam"
MUNICIPALITY = "gm0363"
SIGNAL_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def identity() -> dict[str, Any]:
    """A valid identity payload of one debtor, in wire form."""
    return {
        "debtors": [
            {
                "initials": "P.C.",
                "first_names": "Pieter Cornelis",
                "name_prefix": "van der",
                "surname": "Meer",
                "date_of_birth": "1974-06-17",
                "phone": "06-28447326",
                "email": "p.vandermeer@example.nl",
            }
        ],
        "address": {
            "street": "Nadiakade",
            "house_number": 126,
            "house_number_addition": "I",
            "postcode": "4110 kp",
            "town": "Oudeschans",
        },
        "creditor_reference": "HC632510",
    }


def sealed_blob(recipient: str = MUNICIPALITY, size: int = 1400, suite: str = "mlkem768-x25519") -> dict[str, Any]:
    """A sealed-blob object of plausible size (random bytes: the schema cannot tell them from a real seal)."""
    return {
        "recipient": recipient,
        "key_id": f"{recipient}-enc-20261123-ab12",
        "suite": suite,
        "ciphertext": base64.b64encode(bytes(size)).decode("ascii"),
    }


def signal_tokens() -> list[dict[str, Any]]:
    """The real tokens of ``identity()``."""
    with clock.as_of(TODAY):
        loaded = load_identity(identity(), sector="huur")
    return tokens.derive_tokens(loaded, linkage_key=LINKAGE_KEY, creditor_org_id=CREDITOR)


_TOKENS = signal_tokens()


def envelope(**changes: Any) -> dict[str, Any]:
    """A valid signal envelope in wire form, with top-level fields replaced by ``changes``."""
    body: dict[str, Any] = {
        "signal_id": SIGNAL_ID,
        "sector": "huur",
        "amount_cents": 85698,
        "arrears_since": "2026-05-14",
        "signal_date": "2026-11-01",
        "periods_in_arrears": 2,
        "periodic_charge_cents": 84611,
        "crisis": {"kind": "eviction", "date": "2027-01-05"},
        "warm_handover": False,
        "attestations": {
            "personal_contact_attempted": "2026-10-13",
            "debt_help_pointed_out": "2026-10-18",
            "written_reminder_sent": "2026-09-28",
            "transfer_offered": "2026-09-28",
        },
        "municipality_code": "0363",
        "routing_version": "2026-11-01",
        "sealed_identity": sealed_blob(),
        "sealed_reference": sealed_blob(CREDITOR, size=200, suite="x25519"),
        "tokens": copy.deepcopy(_TOKENS),
        "status": "active",
    }
    body.update(changes)
    return body


def new_signal_id() -> str:
    """A fresh signal id."""
    return str(uuid.uuid4())


def keys() -> tuple[crypto.EncryptionPrivateKey, crypto.EncryptionPrivateKey]:
    """A hybrid key for the municipality and an X25519 key for the creditor."""
    return crypto.generate_encryption_key(), crypto.generate_encryption_key("x25519")

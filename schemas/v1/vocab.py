"""Vocabularies and limits of the v1 exchange standard, shared by the hub and the adapters.

Everything here is data the hub may read: sector codes, crisis kinds, linkage-token kinds, sealing suites
and plausibility bounds. Bounds are module constants so that a deployment can see (and a later settings
layer can override) each one in a single place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

#: Sector codes of a signal, mapped to the DDAS ``EnumSignaalpartner`` value they export as (VNG/Divosa
#: exchange model v0.9). A municipality signalling its own local taxes uses ``overige``.
SECTORS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "energie": "Energie",
        "huur": "Huur",
        "hypotheek": "Hypotheek",
        "water": "Water",
        "zorg": "Zorg",
        "cak_zorgverzekeringen": "CAK Zorgverzekeringen",
        "cak_eigen_bijdrage": "CAK Eigen bijdrage",
        "duo": "DUO",
        "belastingdienst": "Belastingdienst",
        "dienst_toeslagen": "Dienst Toeslagen",
        "overige": "Overige",
    }
)

#: Sectors whose creditors hold a BSN and may therefore send one (DOMAIN: only health insurers and the CAK).
BSN_SECTORS: Final = frozenset({"zorg", "cak_zorgverzekeringen", "cak_eigen_bijdrage"})

#: Crisis kinds and the sectors in which each can occur.
CRISIS_SECTORS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "end_of_supply": frozenset({"energie", "water"}),
        "eviction": frozenset({"huur", "hypotheek"}),
    }
)
CRISIS_KINDS: Final = tuple(CRISIS_SECTORS)

SIGNAL_STATUSES: Final = ("active", "withdrawn")

#: Linkage-token kinds that describe one debtor: a token of these kinds carries ``debtor`` 0 or 1.
PERSON_TOKEN_KINDS: Final = (
    "surname_dob",
    "phonetic_dob",
    "initial_dob",
    "surname_initial_postcode",
    "email",
    "phone",
    "bsn",
)
#: Linkage-token kinds that describe the household or the contract: ``debtor`` is null.
HOUSEHOLD_TOKEN_KINDS: Final = ("address", "postcode_house_number", "contract")
TOKEN_KINDS: Final = PERSON_TOKEN_KINDS + HOUSEHOLD_TOKEN_KINDS

#: Encryption suites of published keys and sealed blobs (docs/wire-formats.md).
SUITE_HYBRID: Final = "mlkem768-x25519"
SUITE_X25519: Final = "x25519"
ENCRYPTION_SUITES: Final = (SUITE_HYBRID, SUITE_X25519)
DEFAULT_SUITE: Final = SUITE_HYBRID
#: HPKE encapsulated-key length per suite, and the AES-GCM tag: the least overhead of a sealed blob.
ENCAPSULATION_BYTES: Final[Mapping[str, int]] = MappingProxyType({SUITE_HYBRID: 1120, SUITE_X25519: 32})
AEAD_TAG_BYTES: Final = 16
#: Largest sealed blob accepted, decoded (an identity of two debtors seals to well under 8 KiB).
MAX_SEALED_BYTES: Final = 16_384

#: Message kinds used in the HPKE ``info`` of the blobs in a signal.
KIND_SIGNAL_IDENTITY: Final = "signal.identity"
KIND_SIGNAL_REFERENCE: Final = "signal.reference"

#: Plausibility bounds of a signal envelope.
MAX_AMOUNT_CENTS: Final = 10_000_000
MAX_PERIODS_IN_ARREARS: Final = 120
MAX_ARREARS_AGE_YEARS: Final = 15
MAX_CRISIS_LEAD_DAYS: Final = 366
EARLIEST_SIGNAL_DATE: Final = dt.date(2021, 1, 1)  # the Wgs duty to signal started on 1 January 2021
MAX_TOKENS_PER_SIGNAL: Final = 64
MAX_SIGNALS_PER_BATCH: Final = 1000

#: Plausibility bounds of a debtor's date of birth, in whole years before today.
MAX_DEBTOR_AGE_YEARS: Final = 120
MIN_DEBTOR_AGE_YEARS: Final = 16

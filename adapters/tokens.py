"""Linkage tokens of a signal: keyed hashes of normalised identifiers that let the hub link one household.

Each token is ``crypto.token(linkage_key, kind, value)`` over a normalised value built here. The kinds and
their levels are the shared vocabulary in ``schemas.v1.vocab``; the values (``kind``: value) are:

person level, ``debtor`` 0 or 1 (per surname key, and per date-of-birth variant: as written, and with day
and month swapped when that is another date):
  ``surname_dob``: ``surname key|YYYY-MM-DD``        ``phonetic_dob``: ``phonetic key|YYYY-MM-DD``
  ``initial_dob``: ``first initial|YYYY-MM-DD``      ``surname_initial_postcode``: ``surname key|initial|1234AB``
  ``email``: lower-cased address                     ``phone``: E.164           ``bsn``: nine digits
household level, ``debtor`` null:
  ``address``: ``1234AB|126|1`` (postcode, number, normalised addition, empty when none)
  ``postcode_house_number``: ``1234AB|126``          ``contract``: ``creditor org id|REFERENCE``

Surname keys are the surname, the birth surname and the parts of a double surname (``normalise``). A
variant written differently by another creditor (prefix position, accents, ij/y, case, spaces, addition
style) therefore still yields at least one equal token, while people who differ in surname, date of birth
and address share none. Tokens are deduplicated and sorted, so their order reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters import crypto, normalise
from schemas.v1.identity import Address, Debtor, IdentityPayload


@dataclass(frozen=True)
class LinkageValue:
    """A token's input before keying. Personal data: never log it, never send it."""

    kind: str
    value: str
    debtor: int | None


def _person_values(debtor: Debtor, index: int, postcode: str) -> set[LinkageValue]:
    keys = normalise.surname_keys(debtor["surname"], debtor.get("birth_surname"))
    initial = normalise.first_initial(debtor.get("initials"), debtor.get("first_names"))
    values: set[tuple[str, str]] = set()
    born = debtor.get("date_of_birth")
    for day in normalise.date_variants(born) if born is not None else []:
        values.update(("surname_dob", f"{key}|{day}") for key in keys)
        values.update(("phonetic_dob", f"{normalise.phonetic(key)}|{day}") for key in keys)
        if initial is not None:
            values.add(("initial_dob", f"{initial}|{day}"))
    if initial is not None:
        values.update(("surname_initial_postcode", f"{key}|{initial}|{postcode}") for key in keys)
    if "email" in debtor:
        values.add(("email", normalise.email(debtor["email"])))
    if "phone" in debtor:
        values.add(("phone", normalise.phone(debtor["phone"])))
    if "bsn" in debtor:
        values.add(("bsn", debtor["bsn"]))
    return {LinkageValue(kind, value, index) for kind, value in values}


def _household_values(address: Address, creditor_org_id: str, reference: str) -> set[LinkageValue]:
    postcode = normalise.postcode(address["postcode"])
    number = address["house_number"]
    addition = normalise.house_number_addition(address.get("house_number_addition"))
    return {
        LinkageValue("address", f"{postcode}|{number}|{addition}", None),
        LinkageValue("postcode_house_number", f"{postcode}|{number}", None),
        LinkageValue("contract", f"{creditor_org_id}|{normalise.reference(reference)}", None),
    }


def linkage_values(identity: IdentityPayload, *, creditor_org_id: str) -> list[LinkageValue]:
    """The normalised token inputs of a loaded identity payload, deduplicated and sorted.

    ``identity`` must be loaded with ``schemas.v1.identity.load_identity`` (dates as dates). The
    ``contract`` value binds the creditor's reference to ``creditor_org_id``, so two creditors' contract
    numbers never collide.
    """
    if not creditor_org_id or "|" in creditor_org_id:
        raise ValueError("creditor_org_id must be a non-empty organisation id without '|'")
    postcode = normalise.postcode(identity["address"]["postcode"])
    values = _household_values(identity["address"], creditor_org_id, identity["creditor_reference"])
    for index, debtor in enumerate(identity["debtors"]):
        values |= _person_values(debtor, index, postcode)
    return sorted(values, key=_order)


def derive_tokens(identity: IdentityPayload, *, linkage_key: bytes, creditor_org_id: str) -> list[dict[str, Any]]:
    """The ``tokens`` of a signal envelope: ``{"kind", "value", "debtor"}`` per linkage value, sorted by
    kind, debtor and token so that the order says nothing about which value produced which token.
    """
    tokens = [
        {"kind": item.kind, "value": crypto.token(linkage_key, item.kind, item.value), "debtor": item.debtor}
        for item in linkage_values(identity, creditor_org_id=creditor_org_id)
    ]
    return sorted(tokens, key=_order)


def _order(item: LinkageValue | dict[str, Any]) -> tuple[str, int, str]:
    kind, value, debtor = (
        (item.kind, item.value, item.debtor)
        if isinstance(item, LinkageValue)
        else (item["kind"], item["value"], item["debtor"])
    )
    return kind, -1 if debtor is None else debtor, value

"""``signaal refer CASE --to ORG``: refer a household to debt help, its identity re-sealed for that service.

The identity comes from the local store (what ``signaal reports pull`` opened): the fullest one the
creditors sent, without BSN or creditor reference (the debt-help service needs neither to contact the
household), with the municipality's own case reference. It is sealed for the debt-help organisation's
newest key in the hub's directory (kind ``referral.identity``, bound to the referral id), so the hub
cannot read it. The request body is kept in the store before it is posted: a retry after an interruption
posts the same bytes, which the hub recognises instead of refusing a second referral; a referral the hub
refused is marked ``refused`` and the next attempt seals anew.

The hub refers only with a legal basis: for a debt-help organisation, the household's consent naming it
(purpose ``debt_help_referral``). ``record_consent`` records that consent first when it was just given.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from adapters.client import HubClient, HubClientError
from adapters.localstore import LocalStore
from adapters.settlements import seal_part
from adapters.signals import RecipientKey
from schemas.v1.settlement_payloads import KIND_REFERRAL_IDENTITY

REFERRAL_PURPOSE: Final = "debt_help_referral"


class ReferralError(Exception):
    """The referral cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Consent:
    """Consent the household just gave: how, and for how many days; for which purposes."""

    method: str
    days: int
    purposes: tuple[str, ...] = (REFERRAL_PURPOSE,)


def referral_identity(identities: Iterable[Mapping[str, Any]], reference: str | None) -> dict[str, Any]:
    """The fullest of the opened identities (wire form), without BSN or creditor reference, with the
    municipality's ``reference`` for the case (``municipality_reference``) when given."""
    opened = list(identities)
    if not opened:
        raise ReferralError("no identity of this household was opened here, so there is nothing to refer")
    best = max(opened, key=lambda identity: sum(len(debtor) for debtor in identity["debtors"]))
    debtors = [{k: v for k, v in debtor.items() if k != "bsn"} for debtor in best["debtors"]]
    payload: dict[str, Any] = {"debtors": debtors, "address": best["address"]}
    if reference:
        payload["municipality_reference"] = reference
    return payload


def record_consent(client: HubClient, case_id: str, recipients: Sequence[str], consent: Consent) -> list[str]:
    """Record the household's consent naming ``recipients`` (the debt-help service, and for a settlement
    also the creditors) for each purpose; the consent ids."""
    given = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    ids = []
    for purpose in consent.purposes:
        body = {
            "case_id": case_id,
            "purpose": purpose,
            "recipients": list(recipients),
            "method": consent.method,
            "given_at": given.isoformat(),
            "expires_at": (given + dt.timedelta(days=consent.days)).isoformat(),
        }
        ids.append(str(client.post("/v1/consents", body).json()["id"]))
    return ids


def _planned_body(store: LocalStore, case_id: str, debt_help_id: str) -> tuple[str, str] | None:
    for referral in store.referrals(case_id):
        if referral["debt_help_id"] == debt_help_id and referral["state"] == "planned" and referral["body"]:
            return str(referral["referral_id"]), str(referral["body"])
    return None


def refer(
    client: HubClient, store: LocalStore, case_id: str, to: RecipientKey, reference: str | None
) -> dict[str, Any]:
    """Refer report ``case_id`` to the debt-help organisation whose key is ``to``; the hub's referral view.

    Raises ``ReferralError`` when the report or its identities are not in the store, and the client's
    errors when the hub refuses (e.g. 403 ``no_legal_basis`` without consent, 409 ``case_in_debt_help``)."""
    if not store.knows(case_id):
        raise ReferralError(f"report {case_id} is not in the local store; run `signaal reports pull` first")
    identities = store.identities(case_id).values()
    planned = _planned_body(store, case_id, to.org_id)
    if planned is None:
        referral_id = str(uuid.uuid4())
        payload = referral_identity(identities, reference)
        sealed = seal_part(payload, KIND_REFERRAL_IDENTITY, referral_id, to)
        body = {"referral_id": referral_id, "case_id": case_id, "debt_help_id": to.org_id, "sealed_identity": sealed}
        text = json.dumps(body, sort_keys=True)
        store.plan_referral(referral_id, case_id, to.org_id, REFERRAL_PURPOSE, text)
    else:
        referral_id, text = planned
    try:
        view: dict[str, Any] = client.post("/v1/municipality/referrals", json.loads(text), idempotent=True).json()
    except HubClientError:
        store.mark_referral(referral_id, "refused")  # the hub kept nothing: a later attempt seals anew
        raise
    store.mark_referral(referral_id, str(view.get("state", "pending")))
    return view

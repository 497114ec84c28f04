"""The debt-help organisation's side of a settlement (minnelijke schuldregeling), as a library.

``Desk`` does what a debt counsellor does through the hub: accept a referral (open the identity the
municipality re-sealed for us, accept, keep it in the local ``DossierStore``), add the creditors, send
notices (kennisgeving), claim requests (saldoverzoek), the proposal (betaalvoorstel, with the shares
computed by ``adapters.proposals`` and checked by the hub), reconsiderations (heroverweging) and the
agreement (schuldregeling akkoord), and collect the creditors' answers. Every personal part is sealed for
its recipient with ``adapters.settlements.seal_part``. The ``signaal referrals`` and ``signaal dossiers``
commands and the demo use it; nothing here prints or logs personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.client import HubClient, HubClientError
from adapters.dossiers import DossierStore, LocalCreditor, LocalDossier
from adapters.proposals import ClaimLine, Offer, compute_shares
from adapters.settlement_exchange import (
    Party,
    Sender,
    SettlementError,
    collect,
    key_for,
    listing,
    new_id,
    published_keys,
)
from adapters.settlement_store import ReceivedMessage
from adapters.settlements import SealedPartError, open_part, seal_part
from adapters.signals import RecipientKey

#: The message kinds the counsellor sends, and the hub endpoint of each (below the dossier).
ENDPOINTS = {
    "notice": "/notices",
    "claim_request": "/claim-requests",
    "proposal": "/proposal/send",
    "reconsideration": "/reconsiderations",
    "agreed": "/agreed",
    "ended": "/ended",
}


@dataclass(frozen=True)
class Counsellor:
    """The counsellor's work contact details, sealed into every notice so the creditor knows whom to call."""

    name: str
    phone: str | None = None
    email: str | None = None

    def payload(self) -> dict[str, str]:
        return {k: v for k, v in (("name", self.name), ("phone", self.phone), ("email", self.email)) if v}


@dataclass(frozen=True)
class ProposalPlan:
    """A proposal computed locally: the offer, the claims it shares, and each share, before it is sent."""

    offer: Offer
    claims: list[ClaimLine]
    shares: dict[str, int]

    @property
    def amount_offered_cents(self) -> int:
        return sum(self.shares.values())


@dataclass
class Desk:
    party: Party
    store: DossierStore
    _keys: dict[str, RecipientKey] = field(default_factory=dict)

    @property
    def client(self) -> HubClient:
        return self.party.client

    def keys(self) -> Mapping[str, RecipientKey]:
        if not self._keys:
            self._keys.update(published_keys(self.party.client))
        return self._keys

    def path(self, dossier_id: str, tail: str = "") -> str:
        return f"/v1/debt-help/dossiers/{dossier_id}{tail}"

    # --- referrals --------------------------------------------------------------------------------

    def referrals(self, state: str = "pending") -> list[dict[str, Any]]:
        """The referrals to us (``pending``: waiting for our decision), oldest first."""
        return listing(self.client, f"/v1/debt-help/referrals?state={state}", "referrals")

    def accept(self, referral_id: str) -> LocalDossier:
        """Open the referral's identity, accept it (the hub deletes the sealed copy), keep the dossier.

        The opened identity is kept here before the hub is asked, so a run cut off after the hub accepted
        finishes on the next run instead of losing the identity with the hub's deleted copy."""
        referral = next((r for r in self.referrals() if r["id"] == referral_id), None)
        if referral is not None:
            self.store.stash_identity(referral_id, self._open_referral(referral))
            self.client.post(f"/v1/debt-help/referrals/{referral_id}/accept", None, idempotent=True)
        household = self.store.stashed_identity(referral_id)
        dossier = next((d for d in self._dossiers() if d["referral_id"] == referral_id), None)
        if household is None or dossier is None:
            raise SettlementError(f"no pending referral {referral_id} to us; see `signaal referrals list`")
        local = self.store.save_dossier(dossier, household)
        self.store.drop_stash(referral_id)
        return local

    def _open_referral(self, referral: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return open_part(
                referral["sealed_identity"],
                "referral.identity",
                referral["id"],
                self.party.private_key,
                self.party.org_id,
            )
        except SealedPartError as error:
            raise SettlementError(
                f"referral {referral['id']}: {error}. Check that paths.encryption_key in config.toml is the key "
                "whose public half is registered at the hub (`signaal whoami`); the referral was not accepted"
            ) from None

    def _dossiers(self) -> list[dict[str, Any]]:
        """Every dossier of ours at the hub (summaries), oldest first."""
        return listing(self.client, "/v1/debt-help/dossiers", "dossiers")

    def decline(self, referral_id: str, reason: str) -> dict[str, Any]:
        """Decline a referral with a reason code (``DECLINE_REASONS``); the hub deletes the sealed identity."""
        answer: dict[str, Any] = self.client.post(
            f"/v1/debt-help/referrals/{referral_id}/decline", {"reason": reason}, idempotent=True
        ).json()
        return answer

    # --- the dossier ------------------------------------------------------------------------------

    def local(self, dossier_id: str) -> LocalDossier:
        dossier = self.store.dossier(dossier_id)
        if dossier is None:
            raise SettlementError(
                f"no dossier {dossier_id} in {self.store.path}; `signaal dossiers list` shows the dossiers opened here"
            )
        return dossier

    def view(self, dossier_id: str) -> dict[str, Any]:
        """The hub's dossier (creditors, claims, shares, answers, deadlines); the local state follows it."""
        self.local(dossier_id)
        view: dict[str, Any] = self.client.get(self.path(dossier_id)).json()
        self.store.set_state(dossier_id, view["state"])
        return view

    def case_creditors(self, dossier_id: str) -> list[str]:
        """The creditors that signalled the case's arrears (needs the household's consent at the hub)."""
        signals = self.client.get(self.path(dossier_id, "/case-signals")).json()
        return sorted({s["creditor_id"] for s in signals})

    def add_creditor(self, dossier_id: str, creditor_id: str) -> LocalCreditor:
        """Add a creditor in the hub (once: an existing one is returned as it is)."""
        known = next((c for c in self.store.creditors(dossier_id) if c.creditor_id == creditor_id), None)
        participant_id = new_id() if known is None else known.participant_id
        # kept here first, so that a run cut off after the hub added it adds the same participant again
        self.store.add_creditor(dossier_id, participant_id, creditor_id=creditor_id)
        body = {"participant_id": participant_id, "creditor_id": creditor_id}
        try:
            self.client.post(self.path(dossier_id, "/creditors"), body, idempotent=True)
        except HubClientError:
            if known is None:
                self.store.remove_creditor(participant_id)
            raise
        return self._creditor(dossier_id, participant_id)

    def add_outside(self, dossier_id: str, name: str, sector: str, reference: str | None = None) -> LocalCreditor:
        """Add a creditor outside the hub; its name travels sealed for ourselves only."""
        participant_id = new_id()
        payload = {"creditor_name": name, **({"creditor_reference": reference} if reference else {})}
        note = seal_part(payload, "settlement.creditor_note", participant_id, self._own_key())
        body = {"participant_id": participant_id, "sector": sector, "sealed_note": note}
        self.client.post(self.path(dossier_id, "/creditors"), body, idempotent=True)
        self.store.add_creditor(dossier_id, participant_id, name=name, reference=reference)
        return self._creditor(dossier_id, participant_id)

    def record(self, dossier_id: str, participant_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """What a creditor outside the hub (or any creditor, for a claim) answered by letter."""
        view: dict[str, Any] = self.client.post(
            self.path(dossier_id, f"/creditors/{participant_id}/record"), dict(body), idempotent=True
        ).json()
        return view

    # --- messages ---------------------------------------------------------------------------------

    def send(
        self,
        dossier_id: str,
        kind: str,
        to: Sequence[LocalCreditor],
        note: str | None = None,
        *,
        counsellor: Counsellor | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """One ``kind`` message to each creditor in ``to`` (in the hub), its personal part sealed for it."""
        dossier = self.local(dossier_id)
        items = []
        for creditor in to:
            if creditor.creditor_id is None:
                raise SettlementError(f"{creditor.label} is not in the hub; record its answers by hand")
            message_id = new_id()
            payload: dict[str, Any] = {"creditor_reference": creditor.reference} if creditor.reference else {}
            if kind == "notice":  # who the household is, so the creditor finds the account; no free text
                # a creditor that holds a BSN has it already; the others may not receive one
                debtors = [{k: v for k, v in d.items() if k != "bsn"} for d in dossier.household["debtors"]]
                payload |= {"debtors": debtors, "address": dossier.household["address"]}
                payload |= {"counsellor": counsellor.payload()} if counsellor else {}
            elif note:
                payload["note"] = note
            sealed = seal_part(payload, f"settlement.{kind}", message_id, key_for(self.keys(), creditor.creditor_id))
            items.append({"message_id": message_id, "participant_id": creditor.participant_id, "sealed": sealed})
        sender = Sender(self.client, self.store)
        return sender.send(self.path(dossier_id, ENDPOINTS[kind]), kind, dossier_id, items, extra)

    def plan_proposal(self, dossier_id: str, offer: Offer) -> ProposalPlan:
        """The shares of ``offer`` over every known claim, in the order the creditors were added."""
        view = self.view(dossier_id)
        outstanding = [c for c in view["creditors"] if c["claim"]["state"] == "none"]
        if outstanding:
            raise SettlementError(
                f"{len(outstanding)} creditor(s) have not stated a claim yet; wait for their answers "
                "(`signaal dossiers inbox`) or record a claim by hand (`signaal dossiers record`)"
            )
        claims = [
            ClaimLine(c["participant_id"], c["claim"]["total_cents"], bool(c["claim"]["preferential"]))
            for c in view["creditors"]
            if c["claim"]["total_cents"] is not None
        ]
        return ProposalPlan(offer, claims, compute_shares(offer, claims))

    def send_proposal(self, dossier_id: str, plan: ProposalPlan, note: str | None = None) -> dict[str, Any]:
        """Have the hub check the proposal, then send it to every creditor in the hub with a share.

        Returns the checked proposal (``ProposalOut``, with ``convenant_checks``: who accepts in advance)."""
        shares = [{"participant_id": pid, "share_cents": cents} for pid, cents in plan.shares.items()]
        body = {**plan.offer.body(new_id()), "shares": shares}
        checked: dict[str, Any] = self.client.post(self.path(dossier_id, "/proposal"), body, idempotent=True).json()
        with_share = {s["participant_id"] for s in checked["shares"]}
        to = [c for c in self.store.creditors(dossier_id) if c.creditor_id and c.participant_id in with_share]
        self.send(dossier_id, "proposal", to, note)
        return checked

    def agree(self, dossier_id: str, first_payment_on: dt.date, note: str | None = None) -> list[dict[str, Any]]:
        """Schuldregeling akkoord, to every creditor in the hub; the hub refuses until all accepted."""
        to = [c for c in self.store.creditors(dossier_id) if c.creditor_id]
        return self.send(dossier_id, "agreed", to, note, extra={"first_payment_on": first_payment_on.isoformat()})

    def end(self, dossier_id: str, outcome: str, reason: str, note: str | None = None) -> list[dict[str, Any]]:
        """Schuldregeling beëindigd (``OUTCOMES``, ``END_REASONS``), to every creditor that heard of the dossier."""
        heard = {c["participant_id"] for c in self.view(dossier_id)["creditors"] if c["contacted"]}
        to = [c for c in self.store.creditors(dossier_id) if c.creditor_id and c.participant_id in heard]
        return self.send(dossier_id, "ended", to, note, extra={"outcome": outcome, "reason": reason})

    def start_payments(self, dossier_id: str) -> dict[str, Any]:
        """The agreed settlement runs: the household started paying (``agreed -> running``)."""
        view: dict[str, Any] = self.client.post(
            self.path(dossier_id, "/state"), {"state": "running"}, idempotent=True
        ).json()
        self.store.set_state(dossier_id, view["state"])
        return view

    def inbox(self) -> list[ReceivedMessage]:
        """Collect the creditors' messages (claims, answers, refusals) and the hub's escalations."""
        return collect(self.party, self.store)

    def creditor(self, dossier_id: str, name: str) -> LocalCreditor:
        """A creditor of the dossier by organisation id, participant id or (outside the hub) name."""
        for creditor in self.store.creditors(dossier_id):
            if name in (creditor.creditor_id, creditor.participant_id, creditor.name):
                return creditor
        raise SettlementError(f"dossier {dossier_id} has no creditor {name}; `signaal dossiers show` lists them")

    def _creditor(self, dossier_id: str, participant_id: str) -> LocalCreditor:
        return next(c for c in self.store.creditors(dossier_id) if c.participant_id == participant_id)

    def _own_key(self) -> RecipientKey:
        return key_for(self.keys(), self.party.org_id)

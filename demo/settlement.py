"""The debt-help half of the walk, up to the claims: convenants, consent, the referral with the identity
re-sealed for the debt-help service, the dossier, notices and claim requests, and the creditors' claim
statements. ``demo.negotiation`` continues with the proposal.

Every personal part is sealed by the sender's adapter (``adapters.settlements.seal_part``) for the key the
hub's directory publishes, and opened only by its recipient. Nothing personal is printed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.exports import read_export
from adapters.settlements import open_part, seal_part
from adapters.signals import RecipientKey
from demo.parties import Partner, published_keys
from demo.say import Say, euros, plural
from demo.steps import Household
from schemas.v1.identity import dump_identity

#: A counsellor's work contact details travel sealed in the notice (kennisgeving); made up for the demo.
COUNSELLOR = {"name": "Schuldhulpverlener Kredietbank (demo)", "phone": "023-5000000"}


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Desk:
    """The debt counsellor's side of one dossier."""

    bank: Partner
    dossier_id: str
    household: dict[str, Any]  # the identity the municipality re-sealed for the debt-help service
    keys: Mapping[str, RecipientKey]
    participants: dict[str, str] = field(default_factory=dict)  # creditor org id (or "outside") -> participant

    def path(self, tail: str = "") -> str:
        return f"/v1/debt-help/dossiers/{self.dossier_id}{tail}"

    def view(self) -> dict[str, Any]:
        return dict(self.bank.get(self.path()))

    def messages(self, kind: str, creditors: list[str], note: str) -> list[dict[str, Any]]:
        """One ``kind`` message per creditor in the hub, its personal part sealed for that creditor."""
        out = []
        for org_id in creditors:
            message_id = new_id()
            payload: dict[str, Any] = {"note": note}
            if kind == "notice":
                payload = {"debtors": self.household["debtors"], "address": self.household["address"]}
                payload["counsellor"] = COUNSELLOR
            sealed = seal_part(payload, f"settlement.{kind}", message_id, self.keys[org_id])
            out.append({"message_id": message_id, "participant_id": self.participants[org_id], "sealed": sealed})
        return out

    def send(self, tail: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bank.post(self.path(tail), body))


def record_convenants(say: Say, admin: Partner, creditors: Mapping[str, Partner], bank: Partner) -> None:
    """The hub administrators record the convenants the creditors signed with the debt-help service."""
    by_kind = {partner.spec.kind: org_id for org_id, partner in creditors.items()}
    convenants = [
        ("aedes-model-kennemerland", "Aedes-modelconvenant Kennemerland", by_kind["housing"], 14, True, True),
        (
            "zorg-nvvk-kennemerland",
            "Convenant zorgverzekeraars en NVVK (demo)",
            by_kind["health_insurer"],
            21,
            True,
            True,
        ),
        ("energie-kennemerland", "Convenant energie Kennemerland (demo)", by_kind["energy"], 21, True, False),
    ]
    for convenant_id, name, creditor, days, pause, in_advance in convenants:
        body = {
            "id": convenant_id,
            "name": name,
            "response_days": days,
            "reminder_days": 3,
            "pause_on_notice": pause,
            "accepts_compliant_in_advance": in_advance,
            "parties": [creditor, bank.org_id],
        }
        admin.post("/v1/admin/convenants", body)
        terms = "accepts a compliant proposal in advance" if in_advance else "answers each proposal itself"
        say.line(
            f"{convenant_id}: {creditor} with {bank.org_id}; answer within {days} days, pauses collection "
            f"(pauzeknop), {terms}"
        )


def _consent(party: Partner, case_id: str, purpose: str, recipients: list[str], days: int) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    body = {
        "case_id": case_id,
        "purpose": purpose,
        "recipients": recipients,
        "method": "in_person",
        "given_at": (now - dt.timedelta(minutes=1)).isoformat(),
        "expires_at": (now + dt.timedelta(days=days)).isoformat(),
    }
    return dict(party.post("/v1/consents", body))


def _referral_identity(household: Household) -> dict[str, Any]:
    """The fullest identity the municipality holds for the household, without BSN or creditor reference."""
    wire = [dump_identity(opened["identity"]) for opened in household.identities]
    best = max(wire, key=lambda identity: sum(len(debtor) for debtor in identity["debtors"]))
    debtors = [{k: v for k, v in debtor.items() if k != "bsn"} for debtor in best["debtors"]]
    return {"debtors": debtors, "address": best["address"], "municipality_reference": "VS-2026-0001"}


def refer(say: Say, municipality: Partner, bank: Partner, household: Household) -> str:
    """Consent for the referral, then the referral with the identity re-sealed for the debt-help service."""
    consent = _consent(municipality, household.case_id, "debt_help_referral", [bank.org_id], 300)
    say.line(
        f"the household consents to the referral (toestemming, {consent['purpose']}), recorded by the "
        f"municipality; the hub can issue a signed receipt ({consent['id'][:8]}...)"
    )
    referral_id = new_id()
    sealed = seal_part(
        _referral_identity(household), "referral.identity", referral_id, published_keys(municipality)[bank.org_id]
    )
    body = {"referral_id": referral_id, "case_id": household.case_id, "debt_help_id": bank.org_id}
    municipality.post("/v1/municipality/referrals", {**body, "sealed_identity": sealed})
    say.line(f"referred the household to {bank.org_id} (verwijzing); its identity re-sealed for that service only")
    return referral_id


def open_dossier(say: Say, bank: Partner, referral_id: str) -> Desk:
    """The debt-help service opens the referral's identity and accepts: the dossier opens."""
    pending = bank.get("/v1/debt-help/referrals?state=pending")["referrals"]
    referral = next(r for r in pending if r["id"] == referral_id)
    household = open_part(
        referral["sealed_identity"], "referral.identity", referral_id, bank.encryption_key, bank.org_id
    )
    dossier = bank.post(f"/v1/debt-help/referrals/{referral_id}/accept")
    say.line(
        f"{bank.org_id} opened the identity ({plural(len(household['debtors']), 'debtor')}) and accepted: "
        f"dossier {dossier['id'][:8]}... is '{dossier['state']}'; the hub deleted the sealed identity"
    )
    return Desk(bank, dossier["id"], household, published_keys(bank))


def inventory(say: Say, desk: Desk, creditors: Mapping[str, Partner], case_id: str) -> list[str]:
    """Consent to negotiate, the case's signals, every creditor in the dossier, notices and claim requests."""
    in_hub = sorted(creditors)
    _consent(desk.bank, case_id, "settlement_negotiation", [desk.bank.org_id, *in_hub], 1000)
    signals = desk.bank.get(desk.path("/case-signals"))
    named = sorted({s["creditor_id"] for s in signals})
    say.line(
        f"with the household's authorisation (machtiging) the counsellor reads the case's "
        f"{len(signals)} arrears signals, from {', '.join(named)}"
    )
    for org_id in named:
        desk.participants[org_id] = new_id()
        desk.send("/creditors", {"participant_id": desk.participants[org_id], "creditor_id": org_id})
    desk.participants["outside"] = new_id()
    note = seal_part(
        {"creditor_name": "Postorderbedrijf (demo)", "note": "named by the household"},
        "settlement.creditor_note",
        desk.participants["outside"],
        desk.keys[desk.bank.org_id],
    )
    desk.send("/creditors", {"participant_id": desk.participants["outside"], "sector": "overige", "sealed_note": note})
    say.line(
        "added those creditors and one the household named that is not in the hub (its name sealed "
        "for the counsellor itself)"
    )
    desk.send("/notices", {"messages": desk.messages("notice", named, "")})
    desk.send("/claim-requests", {"messages": desk.messages("claim_request", named, "Please state your claim.")})
    view = desk.view()
    paused = [c["creditor_id"] for c in view["creditors"] if c["collection_paused"]]
    say.line(
        f"sent notices (kennisgeving) and claim requests (saldoverzoek); dossier is '{view['state']}'; "
        f"collection paused at {', '.join(paused) or 'none'}"
    )
    return named


def _principal_in_export(partner: Partner, exports: Path, notice: dict[str, Any]) -> int:
    """The creditor's system finds the account by address in its own records: the arrears it signalled."""
    assert partner.config is not None and partner.spec.export is not None
    address = notice["address"]
    rows = read_export(exports / partner.spec.export, partner.config.layout()).rows
    found = [
        row.facts.amount_cents
        for row in rows
        if (row.identity["address"]["postcode"], row.identity["address"]["house_number"])
        == (address["postcode"], address["house_number"])
    ]
    return sum(found) or 50_000  # not among its signalled accounts: the balance its ledger shows (made up)


def state_claims(say: Say, desk: Desk, creditors: Mapping[str, Partner], named: list[str], exports: Path) -> None:
    """Each creditor opens its notice, pauses collection, finds the account and states its claim."""
    desk_key = desk.keys[desk.bank.org_id]
    for org_id in named:
        partner = creditors[org_id]
        inbox = partner.get("/v1/creditor/messages?unacknowledged=true")["messages"]
        notice = next(m for m in inbox if m["kind"] == "notice")
        opened = open_part(notice["sealed"], "settlement.notice", notice["id"], partner.encryption_key, org_id)
        for message in inbox:
            partner.post(f"/v1/creditor/messages/{message['id']}/ack")
        participant = notice["participant_id"]
        own = partner.get(f"/v1/creditor/settlements/{participant}")
        convenant = own["convenant"]
        in_advance = convenant["id"] if convenant and convenant["accepts_compliant_in_advance"] else None
        principal = _principal_in_export(partner, exports, opened)
        interest, costs = principal * 2 // 100, max(4_000, min(principal, 250_000) * 15 // 100)
        message_id = new_id()
        note = seal_part({"note": "Specification attached."}, "settlement.claim_statement", message_id, desk_key)
        body = {
            "message_id": message_id,
            "sealed": note,
            "principal_cents": principal,
            "interest_cents": interest,
            "costs_cents": costs,
            "preferential": False,
            "agreed_in_advance": in_advance,
        }
        partner.post(f"/v1/creditor/settlements/{participant}/claim-statement", body)
        total = principal + interest + costs
        pause = "paused collection, " if notice["facts"].get("pause_collection") else ""
        advance = f", agreed in advance under {in_advance} (vooraf akkoord)" if in_advance else ""
        say.line(
            f"{org_id}: {pause}found the account, stated its claim (saldoverzoek antwoord): {euros(total)}{advance}"
        )
    by_hand = {"principal_cents": 38_500, "interest_cents": 0, "costs_cents": 4_000, "preferential": False}
    desk.send(f"/creditors/{desk.participants['outside']}/record", {"claim": by_hand})
    say.line(f"the creditor outside the hub answered by letter; the counsellor recorded {euros(42_500)} by hand")

"""The debt-help half of the walk, up to the claims: convenants, consent, the referral with the identity
re-sealed for the debt-help service, the dossier, notices and claim requests, and the creditors' claim
statements. ``demo.negotiation`` continues with the proposal.

The debt counsellor works with the adapter's ``adapters.debt_help.Desk`` and each creditor with its
``adapters.creditor_desk.CreditorDesk``, as ``signaal dossiers`` and ``signaal settlements`` do: every
personal part is sealed for the key the hub's directory publishes and opened only by its recipient, who
keeps it in its local store. Nothing personal is printed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.creditor_desk import CreditorDesk
from adapters.debt_help import Counsellor, Desk, ProposalPlan
from adapters.dossiers import DossierStore, LocalCreditor
from adapters.exports import read_export
from adapters.municipality import Municipality
from adapters.referral import REFERRAL_PURPOSE, Consent, record_consent
from adapters.referral import refer as refer_case
from adapters.settlement_answers import Answer, check_answer
from adapters.settlement_exchange import Party
from demo.parties import Partner, published_keys
from demo.say import Say, euros, plural
from demo.steps import Household

#: A counsellor's work contact details travel sealed in the notice (kennisgeving); made up for the demo.
COUNSELLOR = {"name": "Schuldhulpverlener Kredietbank (demo)", "phone": "023-5000000"}


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Walk:
    """The debt counsellor's desk (the adapter's) and the dossier the walk follows."""

    bank: Partner
    desk: Desk
    dossier_id: str
    plan: ProposalPlan | None = None

    def view(self) -> dict[str, Any]:
        return self.desk.view(self.dossier_id)

    def in_hub(self, named: list[str] | None = None) -> list[LocalCreditor]:
        """The dossier's creditors in the hub (those named, when given)."""
        found = [c for c in self.desk.store.creditors(self.dossier_id) if c.creditor_id]
        return [c for c in found if named is None or c.creditor_id in named]

    def outside(self) -> LocalCreditor:
        return next(c for c in self.desk.store.creditors(self.dossier_id) if c.creditor_id is None)


def creditor_desk(partner: Partner) -> CreditorDesk:
    """A creditor's adapter desk over its own Signaal directory."""
    assert partner.config is not None
    party = Party(partner.org_id, partner.client, partner.encryption_key, "creditor")
    return CreditorDesk(party, CreditorDesk.store_in(partner.config.data_dir), partner.config.hub_url)


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


def _consent(party: Partner, case_id: str, purpose: str, recipients: list[str], days: int) -> str:
    """The household's consent, given in person, recorded by ``party`` (as `signaal refer` does); its id."""
    [consent_id] = record_consent(party.client, case_id, recipients, Consent("in_person", days, (purpose,)))
    return consent_id


def refer(say: Say, municipality: Partner, bank: Partner, household: Household) -> str:
    """Consent for the referral, then the referral with the identity re-sealed for the debt-help service."""
    consent_id = _consent(municipality, household.case_id, REFERRAL_PURPOSE, [bank.org_id], 300)
    say.line(
        f"the household consents to the referral (toestemming, {REFERRAL_PURPOSE}), recorded by the "
        f"municipality; the hub can issue a signed receipt ({consent_id[:8]}...)"
    )
    assert municipality.config is not None
    local = Municipality(municipality.config)  # `signaal refer`: the identity from the local store, re-sealed
    to = published_keys(municipality)[bank.org_id]
    referral = refer_case(local.client, local.store, household.case_id, to, "VS-2026-0001")
    say.line(f"referred the household to {bank.org_id} (verwijzing); its identity re-sealed for that service only")
    return str(referral["id"])


def open_dossier(say: Say, bank: Partner, referral_id: str) -> Walk:
    """The debt-help service opens the referral's identity and accepts: the dossier opens."""
    assert bank.config is not None
    party = Party(bank.org_id, bank.client, bank.encryption_key, "debt-help")
    desk = Desk(party, DossierStore.of(bank.config.data_dir))
    dossier = desk.accept(referral_id)
    say.line(
        f"{bank.org_id} opened the identity ({plural(len(dossier.household['debtors']), 'debtor')}) and accepted: "
        f"dossier {dossier.id[:8]}... is '{dossier.state}'; the hub deleted the sealed identity"
    )
    return Walk(bank, desk, dossier.id)


def inventory(say: Say, walk: Walk, creditors: Mapping[str, Partner], case_id: str) -> list[str]:
    """Consent to negotiate, the case's signals, every creditor in the dossier, notices and claim requests."""
    desk, dossier_id = walk.desk, walk.dossier_id
    _consent(walk.bank, case_id, "settlement_negotiation", [walk.bank.org_id, *sorted(creditors)], 1000)
    named = desk.case_creditors(dossier_id)
    say.line(
        f"with the household's authorisation (machtiging) the counsellor reads the case's arrears signals, "
        f"from {', '.join(named)}"
    )
    for org_id in named:
        desk.add_creditor(dossier_id, org_id)
    desk.add_outside(dossier_id, "Postorderbedrijf (demo)", "overige")
    say.line(
        "added those creditors and one the household named that is not in the hub (its name sealed "
        "for the counsellor itself)"
    )
    desk.send(dossier_id, "notice", walk.in_hub(), counsellor=Counsellor(**COUNSELLOR))
    desk.send(dossier_id, "claim_request", walk.in_hub(), "Please state your claim.")
    view = walk.view()
    paused = [c["creditor_id"] for c in view["creditors"] if c["collection_paused"]]
    say.line(
        f"sent notices (kennisgeving) and claim requests (saldoverzoek); dossier is '{view['state']}'; "
        f"collection paused at {', '.join(paused) or 'none'}"
    )
    return named


def _principal_in_export(partner: Partner, exports: Path, notice: Mapping[str, Any]) -> int:
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


def _typed(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _claim(participant_id: str, principal: int, in_advance: str | None) -> Answer:
    """The claim statement as the creditor's clerk types it: euros, Dutch style."""
    interest, costs = principal * 2 // 100, max(4_000, min(principal, 250_000) * 15 // 100)
    row = {"participant_id": participant_id, "action": "claim", "note": "Specification attached."}
    row |= {"principal": _typed(principal), "interest": _typed(interest), "costs": _typed(costs)}
    checked = check_answer(0, {**row, **({"agreed_in_advance": in_advance} if in_advance else {})})
    assert isinstance(checked, Answer), checked
    return checked


def state_claims(say: Say, walk: Walk, creditors: Mapping[str, Partner], named: list[str], exports: Path) -> None:
    """Each creditor opens its notice, pauses collection, finds the account and states its claim."""
    for org_id in named:
        partner = creditors[org_id]
        desk = creditor_desk(partner)
        notice = next(m for m in desk.inbox() if m.kind == "notice")
        assert notice.payload is not None
        own = desk.settlement(notice.participant_id)
        convenant = own["convenant"]
        in_advance = convenant["id"] if convenant and convenant["accepts_compliant_in_advance"] else None
        answer = _claim(notice.participant_id, _principal_in_export(partner, exports, notice.payload), in_advance)
        desk.send([answer])
        pause = "paused collection, " if notice.facts.get("pause_collection") else ""
        total = sum(answer.facts[k] for k in ("principal_cents", "interest_cents", "costs_cents"))
        advance = f", agreed in advance under {in_advance} (vooraf akkoord)" if in_advance else ""
        say.line(
            f"{org_id}: {pause}found the account, stated its claim (saldoverzoek antwoord): {euros(total)}{advance}"
        )
    by_hand = {"principal_cents": 38_500, "interest_cents": 0, "costs_cents": 4_000, "preferential": False}
    walk.desk.record(walk.dossier_id, walk.outside().participant_id, {"claim": by_hand})
    say.line(f"the creditor outside the hub answered by letter; the counsellor recorded {euros(42_500)} by hand")

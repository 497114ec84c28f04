"""A debt-help desk for tests: a household case built from real signals, consent recorded through the API,
the referral re-sealed by the municipality, and messages sealed by the real adapter library."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from adapters.settlements import open_part, seal_part
from tests.support.chain import Chain, Party, identity

HOUSEHOLD = identity(reference="REF-0")
REFERRAL_IDENTITY = {"debtors": HOUSEHOLD["debtors"], "address": HOUSEHOLD["address"]}


def new_id() -> str:
    return str(uuid.uuid4())


def record_consent(party: Party, case_id: str, purpose: str, recipients: list[str]) -> None:
    now = dt.datetime.now(dt.UTC)
    body = {
        "case_id": case_id,
        "purpose": purpose,
        "recipients": recipients,
        "method": "in_writing",
        "given_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "expires_at": (now + dt.timedelta(days=300)).isoformat(),
    }
    response = party.client.post("/v1/consents", body)
    assert response.status_code == 201, response.data


def build_case(chain: Chain, municipality: Party, creditors: list[Party]) -> str:
    """Signals from these creditors about one household; the case the hub links them into."""
    signal_ids = []
    for index, creditor in enumerate(creditors):
        envelope = chain.signal(creditor, municipality, identity(reference=f"REF-{index}"))
        response = creditor.client.post("/v1/signals", envelope)
        assert response.status_code == 201, response.data
        signal_ids.append(str(envelope["signal_id"]))
    found = municipality.client.get(f"/v1/municipality/cases?signal_id={signal_ids[0]}")
    [case] = found.json["cases"]
    assert case["signal_count"] == len(creditors), case
    return str(case["id"])


@dataclass
class Desk:
    """The debt counsellor's side of one case: refer, accept, add creditors, seal and send."""

    chain: Chain
    municipality: Party
    debt_help: Party
    case_id: str
    dossier_id: str = ""
    participants: dict[str, str] = field(default_factory=dict)  # creditor org id (or a label) -> participant id

    def refer(self) -> dict[str, Any]:
        referral_id = new_id()
        sealed = seal_part(REFERRAL_IDENTITY, "referral.identity", referral_id, self.debt_help.recipient)
        body = {"referral_id": referral_id, "case_id": self.case_id, "debt_help_id": self.debt_help.org_id}
        response = self.municipality.client.post("/v1/municipality/referrals", {**body, "sealed_identity": sealed})
        return {"status": response.status_code, "json": response.json, "referral_id": referral_id}

    def accept(self, referral_id: str) -> dict[str, Any]:
        response = self.debt_help.client.post(f"/v1/debt-help/referrals/{referral_id}/accept")
        assert response.status_code == 201, response.data
        self.dossier_id = response.json["id"]
        return dict(response.json)

    def open_dossier(self) -> dict[str, Any]:
        referral = self.refer()
        assert referral["status"] == 201, referral
        return self.accept(referral["referral_id"])

    def add(self, creditor: Party) -> dict[str, Any]:
        participant_id = new_id()
        response = self.post("creditors", {"participant_id": participant_id, "creditor_id": creditor.org_id})
        assert response.status_code == 201, response.data
        self.participants[creditor.org_id] = participant_id
        return dict(response.json)

    def add_outside(self, label: str, name: str) -> dict[str, Any]:
        participant_id = new_id()
        note = seal_part(
            {"creditor_name": name, "creditor_reference": "INC-7788"},
            "settlement.creditor_note",
            participant_id,
            self.debt_help.recipient,
        )
        response = self.post("creditors", {"participant_id": participant_id, "sector": "overige", "sealed_note": note})
        assert response.status_code == 201, response.data
        self.participants[label] = participant_id
        return dict(response.json)

    def messages(self, kind: str, creditors: list[Party], **extra: Any) -> list[dict[str, Any]]:
        """One message of ``kind`` per creditor, its personal part sealed for that creditor."""
        out = []
        for creditor in creditors:
            message_id = new_id()
            payload: dict[str, Any] = {"creditor_reference": "REF-0", "note": f"{kind} for {creditor.org_id}"}
            if kind == "notice":
                payload = {**REFERRAL_IDENTITY, "creditor_reference": "REF-0", "counsellor": {"name": "A. de Vries"}}
            sealed = seal_part(payload, f"settlement.{kind}", message_id, creditor.recipient)
            out.append(
                {
                    "message_id": message_id,
                    "participant_id": self.participants[creditor.org_id],
                    "sealed": sealed,
                    **extra,
                }
            )
        return out

    def post(self, path: str, body: Any = None) -> Any:
        return self.debt_help.client.post(f"/v1/debt-help/dossiers/{self.dossier_id}/{path}", body)

    def view(self) -> dict[str, Any]:
        response = self.debt_help.client.get(f"/v1/debt-help/dossiers/{self.dossier_id}")
        assert response.status_code == 200, response.data
        return dict(response.json)

    def creditor_message(self, creditor: Party, **facts: Any) -> dict[str, Any]:
        """A creditor's message body: the facts, and a note sealed for the debt-help organisation."""
        message_id = new_id()
        kind = facts.pop("kind")
        sealed = seal_part(
            {"note": f"from {creditor.org_id}"}, f"settlement.{kind}", message_id, self.debt_help.recipient
        )
        return {"message_id": message_id, "sealed": sealed, **facts}

    def creditor_post(self, creditor: Party, path: str, **facts: Any) -> Any:
        kind = facts.pop("kind", path.replace("-", "_"))
        body = self.creditor_message(creditor, kind=kind, **facts)
        return creditor.client.post(f"/v1/creditor/settlements/{self.participants[creditor.org_id]}/{path}", body)


def open_message(view: dict[str, Any], party: Party) -> dict[str, Any]:
    """What the recipient's adapter does with a listed message: open its sealed part."""
    return open_part(view["sealed"], f"settlement.{view['kind']}", view["id"], party.encryption_key, party.org_id)

"""A creditor's side of a settlement, as a library: what is waiting, and sending answers.

``CreditorDesk`` collects the messages the debt-help organisations sent us (notices with the household's
identity so we find the account, claim requests, proposals, reconsiderations, the agreement) and the
hub's reminders, opens and stores them locally (``data/settlements.sqlite3``, 0600) before acknowledging
them, lists our place in each dossier (claim, offer, answer, deadline), and sends answers
(``adapters.settlement_answers.Answer``) with their personal part sealed for the debt-help organisation.
An answer's message id is derived from where it came from (a file's digest and line), so answering the
same file twice sends nothing twice. The ``signaal settlements`` commands use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from adapters.client import HubClientError
from adapters.exports import RowProblem
from adapters.settlement_answers import Answer
from adapters.settlement_exchange import (
    Party,
    Sender,
    SettlementError,
    collect,
    explain,
    key_for,
    listing,
    new_id,
    published_keys,
)
from adapters.settlement_store import ReceivedMessage, SettlementStore
from adapters.settlements import seal_part
from adapters.signals import RecipientKey

FILE_NAME: Final = "settlements.sqlite3"
_ANSWER_NAMESPACE: Final = uuid.UUID("6b0f4b1e-2f56-4c8e-9a43-3d1f0c5e7a21")


def answer_id(org_id: str, digest: str, line: int) -> str:
    """The message id of the answer on ``line`` of the file with SHA-256 ``digest``: the same on every run."""
    return str(uuid.uuid5(_ANSWER_NAMESPACE, f"{org_id}|{digest}|{line}"))


def waiting_for(settlement: Mapping[str, Any]) -> str | None:
    """What the debt-help organisation waits for from us in this dossier, in words, or None."""
    deadline = settlement.get("deadline")
    if settlement["dossier_state"] in ("completed", "failed", "withdrawn"):
        return None
    if settlement["claim"]["state"] == "none":
        return "a claim statement (saldoverzoek)" + (f", due {deadline['due_at'][:10]}" if deadline else "")
    if settlement.get("offer") and settlement.get("answer") is None:
        return "an answer to the proposal (betaalvoorstel)" + (f", due {deadline['due_at'][:10]}" if deadline else "")
    return None


@dataclass
class SendOutcome:
    """What answering did: sent (or already sent earlier), and the answers the hub refused, with the reason."""

    sent: list[Answer] = field(default_factory=list)
    duplicate: list[Answer] = field(default_factory=list)
    refused: list[RowProblem] = field(default_factory=list)


@dataclass
class CreditorDesk:
    party: Party
    store: SettlementStore
    hub_url: str
    _keys: dict[str, RecipientKey] = field(default_factory=dict)

    @classmethod
    def store_in(cls, data_dir: Path) -> SettlementStore:
        return SettlementStore(data_dir / FILE_NAME)

    def inbox(self) -> list[ReceivedMessage]:
        """Collect, open, store and acknowledge the messages to us; the new ones."""
        return collect(self.party, self.store)

    def settlements(self) -> list[dict[str, Any]]:
        """Our place in every dossier we were added to, oldest first."""
        return listing(self.party.client, "/v1/creditor/settlements", "settlements")

    def settlement(self, participant_id: str) -> dict[str, Any]:
        view: dict[str, Any] = self.party.client.get(f"/v1/creditor/settlements/{participant_id}").json()
        return view

    def send(self, answers: Sequence[Answer], ids: Mapping[int, str] | None = None) -> SendOutcome:
        """Send each answer, sealed for the dossier's debt-help organisation. The hub refusing one answer
        (a 4xx naming why) is recorded in ``refused`` and the others go on; an unreachable hub stops."""
        outcome = SendOutcome()
        views: dict[str, dict[str, Any]] = {}
        for answer in answers:
            message_id = (ids or {}).get(answer.line) or new_id()
            try:
                if answer.participant_id not in views:
                    views[answer.participant_id] = self.settlement(answer.participant_id)
                result = self._send_one(answer, message_id, views[answer.participant_id])
            except HubClientError as error:
                if error.status in (401, 429) or error.status >= 500:
                    raise explain(error, self.hub_url) from None
                reason = str(explain(error, self.hub_url)).replace("\n", ";")
                outcome.refused.append(RowProblem(answer.line, "row", "", reason))
                continue
            (outcome.duplicate if result == "duplicate" else outcome.sent).append(answer)
        return outcome

    def _send_one(self, answer: Answer, message_id: str, view: Mapping[str, Any]) -> str:
        earlier = self.store.outgoing(message_id)
        if earlier is not None and earlier.sent_at is not None:
            return "duplicate"
        sender = Sender(self.party.client, self.store)
        if earlier is not None:  # planned in a run that was cut off: post the very same body
            return str(sender.post_one(earlier).get("outcome", "created"))
        sealed = seal_part(answer.payload, f"settlement.{answer.kind}", message_id, self._key(view["debt_help_id"]))
        body = {"message_id": message_id, "sealed": sealed, **answer.facts}
        result = sender.send_one(answer.endpoint, answer.kind, view["dossier_id"], answer.participant_id, body)
        return str(result.get("outcome", "created"))

    def _key(self, org_id: str) -> RecipientKey:
        if org_id not in self._keys:
            self._keys.update(published_keys(self.party.client))
        return key_for(self._keys, org_id)


__all__ = ["CreditorDesk", "SendOutcome", "SettlementError", "answer_id", "waiting_for"]

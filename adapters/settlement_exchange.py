"""What both sides of a settlement do with the hub: whom to seal for, collecting the messages sent to us,
and posting ours so that an interrupted send never sends a message twice.

- ``published_keys``: every organisation's newest encryption key from the hub's directory.
- ``collect``: page through ``GET /v1/<audience>/messages?unacknowledged=true``, open each sealed part with
  our private key, store the message (``SettlementStore``), and only then acknowledge it: the hub deletes
  its sealed copy. A part that cannot be opened stops the run before anything is acknowledged.
- ``Sender``: commits each message body to the store's outbox, posts it, and records the hub's outcome.
  Bodies left from an interrupted run are posted again first, byte for byte (the hub answers
  ``duplicate``).
- ``SettlementError`` and ``explain``: what a person reads when the hub refuses or cannot be reached.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters import crypto
from adapters.answers import explain as explain_push
from adapters.client import HubClient, HubClientError, HubUnreachableError
from adapters.settlement_store import Outgoing, ReceivedMessage, SettlementStore
from adapters.settlements import SealedPartError, open_part
from adapters.signals import RecipientKey
from schemas.v1 import vocab


class SettlementError(Exception):
    """A settlement command could not do what was asked; the message says why and what to do."""


def new_id() -> str:
    return str(uuid.uuid4())


def explain(error: HubClientError | HubUnreachableError, hub_url: str) -> SettlementError:
    """The message for a hub answer: unreachable and set-up problems as for a push, a refusal with its
    code, detail and every field the hub named."""
    if isinstance(error, HubUnreachableError) or error.status in (401, 413, 429) or error.status >= 500:
        return SettlementError(str(explain_push(error, hub_url)).replace("to resume", "to try again"))
    detail = error.problem.get("detail") or error.problem.get("title", "")
    lines = [f"the hub refused this ({error.status} {error.code}): {detail}"]
    lines += [f"  {p.get('name')}: {p.get('reason')}" for p in error.problem.get("invalid_params") or []]
    return SettlementError("\n".join(lines))


def published_keys(client: HubClient) -> dict[str, RecipientKey]:
    """Every organisation's newest valid encryption key (the post-quantum suite on a tie): whom to seal for."""
    keys: dict[str, RecipientKey] = {}
    for organisation in client.get("/v1/directory").json()["organisations"]:
        candidates = organisation["encryption_keys"]
        if candidates:
            newest = max(candidates, key=lambda k: (k["not_before"], k["suite"] == vocab.DEFAULT_SUITE))
            public = base64.b64decode(newest["public_key"])
            keys[organisation["id"]] = RecipientKey(organisation["id"], newest["key_id"], newest["suite"], public)
    return keys


def key_for(keys: Mapping[str, RecipientKey], org_id: str) -> RecipientKey:
    try:
        return keys[org_id]
    except KeyError:
        raise SettlementError(
            f"{org_id} has no encryption key in the hub's directory; it cannot receive sealed messages yet "
            "(ask the hub operator to register its key)"
        ) from None


def listing(client: HubClient, path: str, key: str) -> list[dict[str, Any]]:
    """Every item of a paged hub listing (``?after=&limit=``, answered with ``next_after``), in order."""
    found: list[dict[str, Any]] = []
    after, joiner = 0, "&" if "?" in path else "?"
    while True:
        page = client.get(f"{path}{joiner}after={after}&limit=100").json()
        found += page[key]
        if page.get("next_after") is None:
            return found
        after = page["next_after"]


@dataclass(frozen=True)
class Party:
    """Us at the hub: our id, the signing client, our private encryption key, and which inbox we read."""

    org_id: str
    client: HubClient
    private_key: crypto.EncryptionPrivateKey
    audience: str  # "debt-help" or "creditor"


def open_message(party: Party, view: Mapping[str, Any]) -> dict[str, Any] | None:
    """The opened sealed part of a listed message, or None when it has none (reminders, escalations)."""
    if view.get("sealed") is None:
        return None
    try:
        return open_part(view["sealed"], f"settlement.{view['kind']}", view["id"], party.private_key, party.org_id)
    except SealedPartError as error:
        raise SettlementError(
            f"message {view['id']} ({view['kind']}): {error}. Check that paths.encryption_key in config.toml is the "
            "key whose public half is registered at the hub (`signaal whoami`); nothing was acknowledged"
        ) from None


def collect(party: Party, store: SettlementStore) -> list[ReceivedMessage]:
    """Fetch, open, store and acknowledge every unacknowledged message to us; the new ones, oldest first."""
    views = listing(party.client, f"/v1/{party.audience}/messages?unacknowledged=true", "messages")
    for view in views:
        if not store.has_received(view["id"]):
            store.record_received(view, open_message(party, view))
        party.client.post(f"/v1/{party.audience}/messages/{view['id']}/ack", None, idempotent=True)
    fresh = {view["id"] for view in views}
    return [message for message in store.received() if message.id in fresh]


@dataclass
class Sender:
    """Posts message batches through the outbox of ``store``."""

    client: HubClient
    store: SettlementStore

    def send(
        self,
        endpoint: str,
        kind: str,
        dossier_id: str,
        items: Sequence[dict[str, Any]],
        extra: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Post ``{"messages": [...pending, ...items], **extra}`` to ``endpoint``; the hub's results.

        Items are message bodies with ``message_id`` and ``participant_id``; with none and nothing pending,
        nothing is posted. A refused batch is forgotten
        (the hub stored nothing: a batch is all-or-nothing); an unreachable hub leaves it pending.
        """
        pending = [o.body for o in self.store.pending(endpoint)]
        planned = [
            Outgoing(str(item["message_id"]), endpoint, kind, dossier_id, str(item["participant_id"]), dict(item))
            for item in items
        ]
        self.store.plan(planned)
        messages = pending + [o.body for o in planned]
        if not messages:
            return []
        try:
            response = self.client.post(endpoint, {**(extra or {}), "messages": messages}, idempotent=True)
        except HubClientError:
            self.store.drop(str(m["message_id"]) for m in messages)
            raise
        results: list[dict[str, Any]] = response.json()["results"]
        self.store.confirm((r["message_id"], r["outcome"]) for r in results)
        return results

    def send_one(
        self, endpoint: str, kind: str, dossier_id: str, participant_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Commit one message (not a batch: a creditor's answer) and post it; the hub's answer."""
        message = Outgoing(str(body["message_id"]), endpoint, kind, dossier_id, participant_id, body)
        self.store.plan([message])
        return self.post_one(message)

    def post_one(self, message: Outgoing) -> dict[str, Any]:
        """Post a committed message (again, byte for byte, after an interruption) and record the outcome."""
        try:
            answer: dict[str, Any] = self.client.post(message.endpoint, message.body, idempotent=True).json()
        except HubClientError:
            self.store.drop([message.message_id])
            raise
        self.store.confirm([(message.message_id, str(answer.get("outcome", "created")))])
        return answer

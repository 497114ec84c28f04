"""What an adapter needs to know of the hub to route and seal: the routing table and the directory.

Both are fetched with ``GET /v1/routing`` and ``GET /v1/directory`` and cached in ``data/cache/`` with
their ETag, so a revalidation costs a ``304 Not Modified``. ``HubView`` answers the two questions of a
push: which municipality an address belongs to on the signal date, and which key to seal for it (and for
the creditor itself). Only public data is cached here.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.client import HubClient
from adapters.signals import RecipientKey
from schemas.v1 import vocab
from schemas.v1.routing import RoutingTable


class HubViewError(Exception):
    """The hub's directory or routing table does not allow sealing; the message says what to do."""


@dataclass(frozen=True)
class Route:
    """Where a signal goes: the municipality's code and the key to seal its identity for."""

    code: str
    key: RecipientKey


@dataclass(frozen=True)
class HubView:
    """One consistent picture of the routing table and the directory."""

    routing: RoutingTable
    municipalities: Mapping[str, RecipientKey]
    own_key: RecipientKey

    def route(self, postcode: str, house_number: int, on: dt.date) -> Route | str:
        """The municipality of the address on ``on`` and the key to seal for, or why there is none."""
        code = self.routing.route(postcode, house_number, on)
        if code is None:
            return (
                f"the routing table (version {self.routing.version}) has no municipality for this postcode and "
                "house number on the signal date; check the postcode, or ask the hub operator"
            )
        key = self.municipalities.get(code)
        if key is None:
            return f"municipality {code} is not registered at the hub with an encryption key yet; push again later"
        return Route(code, key)


def _preferred(keys: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The newest key (a rotation's successor), the post-quantum suite on a tie."""
    return max(keys, key=lambda k: (k["not_before"], k["suite"] == vocab.DEFAULT_SUITE), default=None)


def _recipient(org_id: str, key: Mapping[str, Any]) -> RecipientKey:
    return RecipientKey(org_id, key["key_id"], key["suite"], base64.b64decode(key["public_key"]))


def build_view(routing: Mapping[str, Any], directory: Mapping[str, Any], org_id: str, own_public: bytes) -> HubView:
    """A ``HubView`` from the two hub documents; ``HubViewError`` when our own key is not registered."""
    municipalities: dict[str, RecipientKey] = {}
    own: RecipientKey | None = None
    for organisation in directory["organisations"]:
        if organisation["id"] == org_id:
            mine = [k for k in organisation["encryption_keys"] if base64.b64decode(k["public_key"]) == own_public]
            own = _recipient(org_id, mine[0]) if mine else None
        code = organisation.get("municipality_code")
        chosen = _preferred(organisation["encryption_keys"])
        if organisation["kind"] == "municipality" and code and chosen is not None:
            municipalities[code] = _recipient(organisation["id"], chosen)
    if own is None:
        raise HubViewError(
            f"the hub's directory lists no valid encryption key of {org_id} matching your encryption key file; "
            "ask the hub operator to run the `hub key add ... --use encryption` command that `signaal init` printed"
        )
    return HubView(RoutingTable.from_wire(routing), municipalities, own)


class HubCache:
    """Conditional fetches of the hub's public documents, cached on disk with their ETags."""

    def __init__(self, client: HubClient, folder: Path) -> None:
        self.client, self.folder = client, folder

    def fetch(self, name: str) -> dict[str, Any]:
        """``routing`` or ``directory``, revalidated with the hub (``If-None-Match``)."""
        cached = self.cached(name)
        headers = {"If-None-Match": cached["etag"]} if cached and cached.get("etag") else {}
        response = self.client.get(f"/v1/{name}", headers=headers, expect=(304,))
        if response.status_code == 304 and cached is not None:
            body: dict[str, Any] = cached["body"]
            return body
        body = response.json()
        self._store(name, {"etag": response.headers.get("ETag"), "fetched_at": _now(), "body": body})
        return body

    def cached(self, name: str) -> dict[str, Any] | None:
        """The cached document with its ETag and fetch time, or None."""
        try:
            data: dict[str, Any] = json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data

    def view(self, org_id: str, own_public: bytes) -> HubView:
        """A fresh view: both documents revalidated with the hub."""
        return build_view(self.fetch("routing"), self.fetch("directory"), org_id, own_public)

    def _store(self, name: str, document: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{name}.json"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(document), encoding="utf-8")
        os.replace(temporary, target)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

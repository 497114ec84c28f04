"""The evidence log's rules: who acted, and how each entry is chained to the one before.

An entry records an accepted state-changing request: the organisation, its key id, the signature input
and signature, the content digest, the time, the action and the resulting object. Bodies are not kept
(they carry sealed data with a shorter life); the digest is. Each entry's hash covers its fields and
the previous entry's hash, so changing or removing any entry breaks every link after it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = bytes(32)


@dataclass(frozen=True)
class SignedRequest:
    """What proves that an organisation sent a request: the covered components and the signature."""

    method: str
    target_uri: str
    signature_input: str
    signature: str
    content_digest: str


@dataclass(frozen=True)
class Actor:
    """Who is acting: an organisation through a signed request, or the operator on the hub's CLI."""

    organisation_id: str
    kind: str
    key_id: str | None = None
    request: SignedRequest | None = None

    @classmethod
    def operator(cls) -> Actor:
        return cls(organisation_id="operator:cli", kind="hub_admin")


@dataclass(frozen=True)
class EvidenceEntry:
    seq: int
    recorded_at: dt.datetime
    organisation_id: str
    key_id: str | None
    action: str
    method: str | None
    target_uri: str | None
    signature_input: str | None
    signature: str | None
    content_digest: str | None
    object_type: str
    object_id: str
    prev_hash: bytes
    entry_hash: bytes

    def canonical(self) -> bytes:
        """The bytes the entry hash covers: every field but ``entry_hash``, as canonical JSON."""
        fields = {k: v for k, v in self.__dict__.items() if k != "entry_hash"}
        fields["recorded_at"] = recorded_text(self.recorded_at)
        fields["prev_hash"] = self.prev_hash.hex()
        return canonical_json(fields)


def recorded_text(at: dt.datetime) -> str:
    """An entry's time as its canonical form holds it."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_json(fields: Mapping[str, Any]) -> bytes:
    """The canonical form of an entry's fields (every one but ``entry_hash``; ``recorded_at`` as
    :func:`recorded_text`, ``prev_hash`` in hex): what its hash covers after the previous entry's hash."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def find_break(entries: Iterable[EvidenceEntry], hash_of: Callable[[bytes], bytes]) -> ChainBreak | None:
    """The first entry whose hash or link does not hold, or None when the whole chain is intact."""
    previous_hash, previous_seq = GENESIS_HASH, 0
    for entry in entries:
        if entry.prev_hash != previous_hash:
            return ChainBreak(
                entry.seq,
                f"its prev_hash does not match entry {previous_seq}'s hash (an entry before it was changed or removed)",
            )
        if hash_of(previous_hash + entry.canonical()) != entry.entry_hash:
            return ChainBreak(entry.seq, "its contents do not match its hash (the entry was changed)")
        previous_hash, previous_seq = entry.entry_hash, entry.seq
    return None

"""Repository for the append-only evidence log. Nothing here updates or deletes an entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from hub import crypto
from hub.db import bulk
from hub.db.tables import evidence
from hub.domain.evidence import GENESIS_HASH, Actor, EvidenceEntry, canonical_json, recorded_text

# Any fixed 64-bit number: the advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK = 0x5349474E414C4556

#: The newest entry, the one the next is chained to.
_NEWEST = sa.select(evidence.c.seq, evidence.c.entry_hash).order_by(evidence.c.seq.desc()).limit(1)


def append(
    conn: sa.Connection, actor: Actor, action: str, *, object_type: str, object_id: str, at: dt.datetime
) -> EvidenceEntry:
    """Append one entry chained to the newest one, inside the caller's transaction."""
    return append_many(conn, actor, action, object_type=object_type, object_ids=[object_id], at=at)[-1]


def append_many(
    conn: sa.Connection, actor: Actor, action: str, *, object_type: str, object_ids: Sequence[str], at: dt.datetime
) -> list[EvidenceEntry]:
    """Append one entry per object, all for the same signed request, chained in order (:func:`chain`,
    then the insert). If the insert fails the caller's whole transaction fails with it: no change without
    its evidence."""
    written = chain(conn, actor, action, object_type=object_type, object_ids=object_ids, at=at)
    bulk.insert_many(conn, *group(written))
    return written


def chain(
    conn: sa.Connection, actor: Actor, action: str, *, object_type: str, object_ids: Sequence[str], at: dt.datetime
) -> list[EvidenceEntry]:
    """The entries :func:`append_many` appends, chained to the newest entry, for the caller to insert
    (``group``) in this transaction, with rows of its own if it likes (one round trip for both).

    Appends are serialised from here to the end of the transaction (a transaction-scoped advisory lock on
    PostgreSQL, sent with the read of the newest entry; SQLite's write lock is already held by BEGIN
    IMMEDIATE) so that two requests never chain to the same predecessor."""
    [last] = bulk.read_many(conn, [(_NEWEST, {})], after_locks=[_CHAIN_LOCK])
    prev_hash, seq = (bytes(last[0].entry_hash), last[0].seq) if last else (GENESIS_HASH, 0)
    request = actor.request
    signed = {
        "method": request.method if request else None,
        "target_uri": request.target_uri if request else None,
        "signature_input": request.signature_input if request else None,
        "signature": request.signature if request else None,
        "content_digest": request.content_digest if request else None,
    }
    # EvidenceEntry.canonical's fields, in their canonical form: what all entries of the request share is
    # built once (a batch writes an entry per signal). tests/integration/test_evidence_chain.py checks each
    # written hash against canonical() itself, which the chain's verification (services.evidence) uses.
    shared = {
        "organisation_id": actor.organisation_id,
        "key_id": actor.key_id,
        "action": action,
        "object_type": object_type,
        "recorded_at": recorded_text(at),
        **signed,
    }
    written = []
    for object_id in object_ids:
        seq += 1
        fields = {**shared, "seq": seq, "object_id": object_id, "prev_hash": prev_hash.hex()}
        entry_hash = crypto.digest(prev_hash + canonical_json(fields))
        written.append(
            EvidenceEntry(
                seq=seq,
                recorded_at=at,
                organisation_id=actor.organisation_id,
                key_id=actor.key_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                prev_hash=prev_hash,
                entry_hash=entry_hash,
                **signed,
            )
        )
        prev_hash = entry_hash
    return written


def group(entries: Sequence[EvidenceEntry]) -> tuple[sa.Table, list[dict[str, Any]]]:
    """The evidence table and the rows of ``entries``, as :func:`hub.db.bulk.insert_groups` takes them."""
    return evidence, [entry.__dict__ for entry in entries]


def entries(conn: sa.Connection, batch: int = 1000) -> Iterator[EvidenceEntry]:
    """Every entry in order, read in batches so that a long log does not fill memory."""
    after = 0
    while True:
        rows = conn.execute(
            sa.select(evidence).where(evidence.c.seq > after).order_by(evidence.c.seq).limit(batch)
        ).all()
        for row in rows:
            yield EvidenceEntry(**row._mapping)
        if len(rows) < batch:
            return
        after = rows[-1].seq


def count(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(evidence)).scalar_one())

"""hub/db/evidence.py chains a request's entries in the canonical form EvidenceEntry.canonical defines: the
hash each entry gets when written is the one the chain's verification recomputes from it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from hub import crypto
from hub.db import evidence as evidence_repo
from hub.domain.evidence import GENESIS_HASH, Actor, SignedRequest, find_break

_SIGNED = Actor(
    organisation_id="woonstad",
    kind="housing",
    key_id="woonstad-2026",
    request=SignedRequest(
        method="POST",
        target_uri="https://hub.example/v1/signals/batch",
        signature_input='sig1=("@method" "@target-uri" "content-digest");created=1764000000;keyid="woonstad-2026"',
        signature="sig1=:c2lnbmF0dXJl:",
        content_digest="sha-256=:ZGlnZXN0:",
    ),
)


@pytest.mark.parametrize("actor", [_SIGNED, Actor.operator()], ids=["signed request", "operator"])
def test_each_entry_is_hashed_as_its_canonical_form(engine: Engine, actor: Actor) -> None:
    at = dt.datetime(2026, 11, 25, 2, 3, 4, 500, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with engine.begin() as conn:
        first = evidence_repo.append_many(
            conn, actor, "signal.submit", object_type="signal", object_ids=["s-1", "s-2", "s-3"], at=at
        )
        second = evidence_repo.append_many(
            conn, actor, "signal.submit", object_type="signal", object_ids=["s-4"], at=at
        )
    written = first + second
    assert [entry.seq for entry in written] == [1, 2, 3, 4]
    assert written[0].prev_hash == GENESIS_HASH
    for before, entry in zip([None, *written], written, strict=False):
        assert entry.entry_hash == crypto.digest(entry.prev_hash + entry.canonical())
        assert before is None or entry.prev_hash == before.entry_hash
    with engine.connect() as conn:
        stored = list(evidence_repo.entries(conn))
    assert stored == written
    assert find_break(stored, crypto.digest) is None

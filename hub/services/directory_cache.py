"""The directory in memory: organisations, their keys and the routing-table versions as one immutable
snapshot per hub process.

Every signed request needs the sender's key, and every signal needs the municipalities, their encryption
keys and the routing versions. Reading those from the database cost five to six statements per request
(docs/benchmarks.md, "Single-signal latency"). The directory changes a few times a day, so each process
keeps a snapshot and asks the database one question per transaction: has the directory's generation
moved? Triggers bump it on every write to the three tables (migration 0013), whichever process, CLI or
admin request makes the change, so a revoked key or a disabled organisation is refused by the very next
request that checks, never later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from hub.db import directory as repo
from hub.db import routing as routing_repo
from hub.domain.directory import Organisation, OrganisationKey


@dataclass(frozen=True)
class DirectorySnapshot:
    """The directory at one generation, with the lookups every request makes built once at load."""

    generation: int
    organisations: Mapping[str, Organisation]
    keys: Mapping[str, OrganisationKey]
    routing_versions: tuple[routing_repo.RoutingVersion, ...]  # oldest first
    municipalities: Mapping[str, Organisation]  # the enabled ones, by municipality code
    encryption_keys: Mapping[str, OrganisationKey]  # by key id, any owner

    @classmethod
    def load(cls, conn: sa.Connection, generation: int) -> DirectorySnapshot:
        organisations = {o.id: o for o in repo.list_organisations(conn)}
        keys = {k.key_id: k for k in repo.all_keys(conn)}
        return cls(
            generation=generation,
            organisations=organisations,
            keys=keys,
            routing_versions=tuple(routing_repo.all_versions(conn)),
            municipalities={
                o.municipality_code: o
                for o in organisations.values()
                if o.municipality_code is not None and not o.disabled
            },
            encryption_keys={key_id: k for key_id, k in keys.items() if k.use == "encryption"},
        )


class DirectoryCache:
    """One per process (built with the services). Snapshots are immutable, so a request keeps using the
    one it got even while another thread swaps in a newer one."""

    def __init__(self) -> None:
        self._snapshot: DirectorySnapshot | None = None

    @property
    def cached(self) -> DirectorySnapshot | None:
        """The last snapshot, unchecked: callers must confirm it with :meth:`current` in the transaction
        whose decision depends on it."""
        return self._snapshot

    def current(self, conn: sa.Connection, *, generation: int | None = None) -> DirectorySnapshot:
        """The directory as ``conn`` sees it: the cached snapshot when the generation has not moved (one
        small read, or none when the caller read ``generation`` in this transaction already), otherwise a
        fresh one. The generation is read before the tables, so a snapshot is never labelled newer than
        what it holds; at worst it is reloaded once more than needed."""
        if generation is None:
            generation = repo.generation(conn)
        snapshot = self._snapshot
        if snapshot is None or snapshot.generation != generation:
            snapshot = DirectorySnapshot.load(conn, generation)
            self._snapshot = snapshot
        return snapshot

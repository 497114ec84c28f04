"""Use cases of the routing table: import a file as a new version, publish the current version, and tell
whether a signal was routed with a version that still holds for its date."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub import crypto
from hub.db import evidence as evidence_repo
from hub.db import routing as repo
from hub.domain.evidence import Actor
from hub.domain.routing_files import parse
from hub.errors import NotFound
from schemas.v1.routing import RoutingTable, first_difference


@dataclass(frozen=True)
class ImportResult:
    version: str
    entries: int
    changed_from: dt.date | None
    unchanged: bool


@dataclass(frozen=True)
class RoutingProblem:
    field: str
    reason: str
    code: str


class RoutingService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock
        self._tables: dict[int, RoutingTable] = {}
        self._lock = threading.Lock()

    def import_text(self, actor: Actor, text: str, *, source: str, valid_from: dt.date | None = None) -> ImportResult:
        """Parse a routing file and publish it as a new version, unless it equals the current one.

        Raises ``hub.domain.routing_files.RoutingFileError`` naming every bad line; nothing is stored then.
        """
        items = sorted(set(parse(text, valid_from=valid_from)))
        digest = crypto.digest(json.dumps([e.to_wire() for e in items], sort_keys=True).encode())
        now = self._clock()
        with self._engine.begin() as conn:
            current = repo.latest(conn)
            if current is not None and crypto.equal(current.digest, digest):
                return ImportResult(current.version, current.entry_count, current.changed_from, unchanged=True)
            previous = repo.entries(conn, current.seq) if current else []
            changed = first_difference(previous, items) if current else None
            name = f"{now:%Y%m%dT%H%M%SZ}-{digest.hex()[:8]}"
            version = repo.RoutingVersion(
                seq=0,
                version=name,
                published_at=now,
                source=source[:200],
                entry_count=len(items),
                digest=digest,
                changed_from=changed,
            )
            repo.insert(conn, version, items)
            evidence_repo.append(conn, actor, "routing.import", object_type="routing_version", object_id=name, at=now)
        return ImportResult(name, len(items), changed, unchanged=False)

    def current(self) -> RoutingTable:
        with self._engine.connect() as conn:
            latest = repo.latest(conn)
            if latest is None:
                raise NotFound(
                    "No routing table has been imported yet (`hub routing import FILE`).", code="routing_table_missing"
                )
            return self._table(conn, latest)

    def versions(self) -> list[repo.RoutingVersion]:
        with self._engine.connect() as conn:
            return repo.all_versions(conn)

    def _table(self, conn: sa.Connection, version: repo.RoutingVersion) -> RoutingTable:
        with self._lock:
            table = self._tables.get(version.seq)
        if table is None:
            table = RoutingTable(version.version, repo.entries(conn, version.seq))
            with self._lock:
                self._tables = {k: v for k, v in self._tables.items() if k > version.seq - 3}
                self._tables[version.seq] = table
        return table

    def checker(
        self, conn: sa.Connection, known: Sequence[repo.RoutingVersion] | None = None
    ) -> Callable[[str, dt.date, str], list[RoutingProblem]]:
        """A check for many signals at once (versions are read once, or taken from ``known``, the cached
        directory's): problems with how a signal was routed, i.e. an unknown or stale table version, or a
        municipality that does not receive signals of its date (it merged away, or never existed)."""
        versions = {v.version: v for v in (repo.all_versions(conn) if known is None else known)}
        ordered = sorted(versions.values(), key=lambda v: v.seq)
        latest_table = self._table(conn, ordered[-1]) if ordered else None

        def check(routing_version: str, signal_date: dt.date, municipality_code: str) -> list[RoutingProblem]:
            used = versions.get(routing_version)
            if used is None or latest_table is None:
                return [
                    RoutingProblem(
                        "routing_version",
                        f"Unknown routing table version {routing_version}; fetch "
                        "GET /v1/routing, route again and seal again.",
                        "routing_version_unknown",
                    )
                ]
            if any(v.seq > used.seq and v.changed_from is not None and v.changed_from <= signal_date for v in ordered):
                return [
                    RoutingProblem(
                        "routing_version",
                        f"Routing table {routing_version} is out of date for a "
                        f"signal dated {signal_date}; fetch GET /v1/routing, route again and seal "
                        "again.",
                        "routing_version_stale",
                    )
                ]
            if municipality_code in latest_table.codes_on(signal_date):
                return []
            if any(e.municipality_code == municipality_code for e in latest_table.entries):
                return [
                    RoutingProblem(
                        "municipality_code",
                        f"Municipality {municipality_code} does not receive "
                        f"signals dated {signal_date} (merged into another); route again and seal "
                        "for the successor.",
                        "municipality_merged",
                    )
                ]
            return [
                RoutingProblem(
                    "municipality_code",
                    f"No municipality {municipality_code} in the routing table.",
                    "municipality_unknown",
                )
            ]

        return check

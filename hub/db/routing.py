"""Repository for routing-table versions. Versions are immutable: written once, never updated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from hub.db.tables import routing_entries, routing_versions
from schemas.v1.routing import RoutingEntry


@dataclass(frozen=True)
class RoutingVersion:
    seq: int
    version: str
    published_at: dt.datetime
    source: str
    entry_count: int
    digest: bytes
    changed_from: dt.date | None


def latest(conn: sa.Connection) -> RoutingVersion | None:
    row = conn.execute(sa.select(routing_versions).order_by(routing_versions.c.seq.desc()).limit(1)).first()
    return RoutingVersion(**row._mapping) if row else None


def by_name(conn: sa.Connection, version: str) -> RoutingVersion | None:
    row = conn.execute(sa.select(routing_versions).where(routing_versions.c.version == version)).first()
    return RoutingVersion(**row._mapping) if row else None


def all_versions(conn: sa.Connection) -> list[RoutingVersion]:
    rows = conn.execute(sa.select(routing_versions).order_by(routing_versions.c.seq)).all()
    return [RoutingVersion(**row._mapping) for row in rows]


def entries(conn: sa.Connection, version_seq: int) -> list[RoutingEntry]:
    columns = [c for c in routing_entries.c if c.name not in ("id", "version_seq")]
    rows = conn.execute(sa.select(*columns).where(routing_entries.c.version_seq == version_seq)).all()
    return [RoutingEntry(**row._mapping) for row in rows]


def insert(conn: sa.Connection, version: RoutingVersion, items: list[RoutingEntry]) -> int:
    values = {k: v for k, v in version.__dict__.items() if k != "seq"}
    seq = int(conn.execute(routing_versions.insert().values(**values).returning(routing_versions.c.seq)).scalar_one())
    conn.execute(routing_entries.insert(), [{"version_seq": seq, **item.__dict__} for item in items])
    return seq

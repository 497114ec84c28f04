"""Repository for organisations and their keys. Functions take an open connection: the caller owns
the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from hub.db.tables import directory_generation, organisation_keys, organisations
from hub.domain.directory import Organisation, OrganisationKey


def _organisation(row: sa.Row[tuple[object, ...]]) -> Organisation:
    return Organisation(**row._mapping)


def _key(row: sa.Row[tuple[object, ...]]) -> OrganisationKey:
    return OrganisationKey(**row._mapping)


def insert_organisation(conn: sa.Connection, org: Organisation) -> None:
    conn.execute(organisations.insert().values(**org.__dict__))


def get_organisation(conn: sa.Connection, org_id: str) -> Organisation | None:
    row = conn.execute(sa.select(organisations).where(organisations.c.id == org_id)).first()
    return _organisation(row) if row else None


def list_organisations(conn: sa.Connection, *, kind: str | None = None) -> list[Organisation]:
    query = sa.select(organisations).order_by(organisations.c.id)
    if kind is not None:
        query = query.where(organisations.c.kind == kind)
    return [_organisation(r) for r in conn.execute(query)]


def set_disabled(conn: sa.Connection, org_id: str, disabled: bool, at: dt.datetime) -> None:
    conn.execute(organisations.update().where(organisations.c.id == org_id).values(disabled=disabled, updated_at=at))


def set_retention(conn: sa.Connection, org_id: str, days: int | None, at: dt.datetime) -> None:
    conn.execute(organisations.update().where(organisations.c.id == org_id).values(retention_days=days, updated_at=at))


def insert_key(conn: sa.Connection, key: OrganisationKey) -> None:
    conn.execute(organisation_keys.insert().values(**key.__dict__))


def get_key(conn: sa.Connection, key_id: str) -> OrganisationKey | None:
    row = conn.execute(sa.select(organisation_keys).where(organisation_keys.c.key_id == key_id)).first()
    return _key(row) if row else None


def keys_of(conn: sa.Connection, org_ids: Sequence[str], *, use: str | None = None) -> list[OrganisationKey]:
    query = (
        sa.select(organisation_keys)
        .where(organisation_keys.c.organisation_id.in_(org_ids))
        .order_by(organisation_keys.c.organisation_id, organisation_keys.c.not_before, organisation_keys.c.key_id)
    )
    if use is not None:
        query = query.where(organisation_keys.c.use == use)
    return [_key(r) for r in conn.execute(query)]


def revoke_key(conn: sa.Connection, key_id: str, at: dt.datetime) -> None:
    conn.execute(organisation_keys.update().where(organisation_keys.c.key_id == key_id).values(revoked_at=at))


def end_key(conn: sa.Connection, key_id: str, at: dt.datetime) -> None:
    """Shorten a key's validity to end at ``at`` (rotation's grace period)."""
    conn.execute(organisation_keys.update().where(organisation_keys.c.key_id == key_id).values(not_after=at))


#: The directory's generation (one row, or none in a store emptied by TRUNCATE); see :func:`generation`.
GENERATION = sa.select(directory_generation.c.generation)


def generation(conn: sa.Connection) -> int:
    """The directory's generation: triggers bump it on every write to organisations, their keys and the
    routing-table versions (migration 0013)."""
    return generation_of(conn.execute(GENERATION).all())


def generation_of(rows: Sequence[Any]) -> int:
    """The generation in the rows ``GENERATION`` read: 0 when the row is missing."""
    return int(rows[0][0] or 0) if rows else 0


def all_keys(conn: sa.Connection) -> list[OrganisationKey]:
    return [_key(r) for r in conn.execute(sa.select(organisation_keys).order_by(organisation_keys.c.key_id))]

"""Repository for convenants, referrals, dossiers, their creditors (participants) and proposals.

The caller owns the transaction. Rows come back as SQLAlchemy rows (read-only named tuples); convenants as
the domain's :class:`~hub.domain.convenants.Convenant`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from hub.db.tables import (
    convenant_parties,
    convenants,
    dossier_creditors,
    dossiers,
    proposal_shares,
    proposals,
    referrals,
)
from hub.domain.convenants import Convenant

_TERMS = tuple(c.name for c in convenants.c if c.name != "created_at")


# --- convenants -----------------------------------------------------------------------------------


def _convenant(row: sa.Row[Any]) -> Convenant:
    return Convenant(**{name: getattr(row, name) for name in _TERMS})


def insert_convenant(conn: sa.Connection, convenant: Convenant, at: dt.datetime) -> None:
    conn.execute(convenants.insert().values(**convenant.__dict__, created_at=at))


def get_convenant(conn: sa.Connection, convenant_id: str) -> Convenant | None:
    row = conn.execute(sa.select(convenants).where(convenants.c.id == convenant_id)).first()
    return None if row is None else _convenant(row)


def list_convenants(conn: sa.Connection) -> list[Convenant]:
    return [_convenant(r) for r in conn.execute(sa.select(convenants).order_by(convenants.c.id))]


def parties(conn: sa.Connection, convenant_ids: Collection[str]) -> dict[str, list[str]]:
    """Party organisation ids per convenant, in order of joining."""
    found: dict[str, list[str]] = {c: [] for c in convenant_ids}
    query = (
        sa.select(convenant_parties)
        .where(convenant_parties.c.convenant_id.in_(list(convenant_ids)))
        .order_by(convenant_parties.c.joined_at, convenant_parties.c.organisation_id)
    )
    for row in conn.execute(query):
        found[row.convenant_id].append(row.organisation_id)
    return found


def add_party(conn: sa.Connection, convenant_id: str, organisation_id: str, at: dt.datetime) -> bool:
    """Add a party; False when it already was one."""
    exists = conn.execute(
        sa.select(convenant_parties.c.convenant_id).where(
            convenant_parties.c.convenant_id == convenant_id, convenant_parties.c.organisation_id == organisation_id
        )
    ).first()
    if exists is None:
        conn.execute(
            convenant_parties.insert().values(convenant_id=convenant_id, organisation_id=organisation_id, joined_at=at)
        )
    return exists is None


def remove_party(conn: sa.Connection, convenant_id: str, organisation_id: str) -> bool:
    result = conn.execute(
        convenant_parties.delete().where(
            convenant_parties.c.convenant_id == convenant_id, convenant_parties.c.organisation_id == organisation_id
        )
    )
    return bool(result.rowcount)


def shared_convenants(conn: sa.Connection, one: str, other: str) -> list[Convenant]:
    """Convenants both organisations are party to."""
    mine = sa.select(convenant_parties.c.convenant_id).where(convenant_parties.c.organisation_id == one)
    theirs = sa.select(convenant_parties.c.convenant_id).where(convenant_parties.c.organisation_id == other)
    query = sa.select(convenants).where(convenants.c.id.in_(mine), convenants.c.id.in_(theirs))
    return [_convenant(r) for r in conn.execute(query)]


def is_party(conn: sa.Connection, convenant_id: str, organisation_id: str) -> bool:
    query = sa.select(convenant_parties.c.convenant_id).where(
        convenant_parties.c.convenant_id == convenant_id, convenant_parties.c.organisation_id == organisation_id
    )
    return conn.execute(query).first() is not None


# --- referrals ------------------------------------------------------------------------------------


def insert_referral(conn: sa.Connection, row: dict[str, Any]) -> None:
    conn.execute(referrals.insert().values(**row))


def get_referral(conn: sa.Connection, referral_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(referrals).where(referrals.c.id == referral_id)).first()


def pending_referral_for_case(conn: sa.Connection, case_id: str) -> sa.Row[Any] | None:
    query = sa.select(referrals).where(referrals.c.case_id == case_id, referrals.c.state == "pending")
    return conn.execute(query).first()


def page_referrals(
    conn: sa.Connection, column: str, org_id: str, *, state: str | None, after: int, limit: int
) -> list[sa.Row[Any]]:
    query = sa.select(referrals).where(referrals.c[column] == org_id, referrals.c.seq > after)
    if state is not None:
        query = query.where(referrals.c.state == state)
    return list(conn.execute(query.order_by(referrals.c.seq).limit(limit)))


def decide_referral(conn: sa.Connection, referral_id: str, state: str, reason: str | None, at: dt.datetime) -> bool:
    """Accept or decline a pending referral; False when it was no longer pending (a concurrent decision)."""
    result = conn.execute(
        referrals.update()
        .where(referrals.c.id == referral_id, referrals.c.state == "pending")
        .values(state=state, decline_reason=reason, decided_at=at)
    )
    return bool(result.rowcount)


# --- dossiers -------------------------------------------------------------------------------------


def insert_dossier(conn: sa.Connection, row: dict[str, Any]) -> None:
    conn.execute(dossiers.insert().values(**row))


def get_dossier(conn: sa.Connection, dossier_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(dossiers).where(dossiers.c.id == dossier_id)).first()


def active_dossier_for_case(conn: sa.Connection, case_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(dossiers).where(dossiers.c.active_case_id == case_id)).first()


def page_dossiers(
    conn: sa.Connection, debt_help_id: str, *, state: str | None, after: int, limit: int
) -> list[sa.Row[Any]]:
    query = sa.select(dossiers).where(dossiers.c.debt_help_id == debt_help_id, dossiers.c.seq > after)
    if state is not None:
        query = query.where(dossiers.c.state == state)
    return list(conn.execute(query.order_by(dossiers.c.seq).limit(limit)))


def move_dossier(
    conn: sa.Connection, dossier_id: str, current: str, target: str, at: dt.datetime, **values: Any
) -> bool:
    """Compare-and-set the state, so two concurrent moves cannot both apply; an ended dossier frees its case."""
    if target in ("completed", "failed", "withdrawn"):
        values["active_case_id"] = None
    result = conn.execute(
        dossiers.update()
        .where(dossiers.c.id == dossier_id, dossiers.c.state == current)
        .values(state=target, updated_at=at, **values)
    )
    return bool(result.rowcount)


def touch_dossier(conn: sa.Connection, dossier_id: str, at: dt.datetime) -> None:
    conn.execute(dossiers.update().where(dossiers.c.id == dossier_id).values(updated_at=at))


# --- participants (the creditors of a dossier) -----------------------------------------------------


def insert_participant(conn: sa.Connection, row: dict[str, Any]) -> None:
    conn.execute(dossier_creditors.insert().values(**row))


def participants(conn: sa.Connection, dossier_id: str) -> list[sa.Row[Any]]:
    query = sa.select(dossier_creditors).where(dossier_creditors.c.dossier_id == dossier_id)
    return list(conn.execute(query.order_by(dossier_creditors.c.seq)))


def get_participant(conn: sa.Connection, participant_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(dossier_creditors).where(dossier_creditors.c.id == participant_id)).first()


def participations(conn: sa.Connection, creditor_id: str, *, after: int, limit: int) -> list[sa.Row[Any]]:
    """A creditor's places in dossiers, with the dossier's state and debt-help organisation."""
    query = (
        sa.select(dossier_creditors, dossiers.c.state.label("dossier_state"), dossiers.c.debt_help_id)
        .join(dossiers, dossiers.c.id == dossier_creditors.c.dossier_id)
        .where(dossier_creditors.c.creditor_id == creditor_id, dossier_creditors.c.seq > after)
        .order_by(dossier_creditors.c.seq)
        .limit(limit)
    )
    return list(conn.execute(query))


def update_participants(conn: sa.Connection, participant_ids: Collection[str], at: dt.datetime, **values: Any) -> None:
    if participant_ids:
        conn.execute(
            dossier_creditors.update()
            .where(dossier_creditors.c.id.in_(list(participant_ids)))
            .values(updated_at=at, **values)
        )


# --- proposals ------------------------------------------------------------------------------------


def current_proposal(conn: sa.Connection, dossier_id: str) -> sa.Row[Any] | None:
    query = sa.select(proposals).where(proposals.c.dossier_id == dossier_id, proposals.c.superseded_at.is_(None))
    return conn.execute(query).first()


def get_proposal(conn: sa.Connection, proposal_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(proposals).where(proposals.c.id == proposal_id)).first()


def insert_proposal(conn: sa.Connection, row: dict[str, Any], shares: Sequence[dict[str, Any]]) -> None:
    conn.execute(proposals.insert().values(**row))
    if shares:
        conn.execute(proposal_shares.insert(), [{"proposal_id": row["id"], **s} for s in shares])


def supersede_proposals(conn: sa.Connection, dossier_id: str, at: dt.datetime) -> None:
    conn.execute(
        proposals.update()
        .where(proposals.c.dossier_id == dossier_id, proposals.c.superseded_at.is_(None))
        .values(superseded_at=at)
    )


def mark_proposal_sent(conn: sa.Connection, proposal_id: str, at: dt.datetime) -> None:
    conn.execute(proposals.update().where(proposals.c.id == proposal_id).values(sent_at=at))


def shares_of(conn: sa.Connection, proposal_id: str) -> dict[str, sa.Row[Any]]:
    query = sa.select(proposal_shares).where(proposal_shares.c.proposal_id == proposal_id)
    return {row.participant_id: row for row in conn.execute(query)}


def participation(conn: sa.Connection, participant_id: str) -> sa.Row[Any] | None:
    """One participant with its dossier's state and debt-help organisation."""
    query = (
        sa.select(
            dossier_creditors, dossiers.c.state.label("dossier_state"), dossiers.c.debt_help_id, dossiers.c.case_id
        )
        .join(dossiers, dossiers.c.id == dossier_creditors.c.dossier_id)
        .where(dossier_creditors.c.id == participant_id)
    )
    return conn.execute(query).first()

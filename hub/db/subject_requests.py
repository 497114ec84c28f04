"""Repository for data-subject requests: everything the hub holds for one household case (the access
export reads it, erasure deletes it), the tombstones of erased cases, and the consent expiry warnings.

The caller owns the transaction. Tokens are only ever counted here, never read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa

from hub.db import tables as t

# --- the case and what hangs off it -----------------------------------------------------------------


@dataclass(frozen=True)
class CaseScope:
    """The ids by which the hub stores a case's data: the live case, the cases merged into it, their
    signals, and the referrals, dossiers, participants and messages of the debt help that followed."""

    case_id: str
    municipality_id: str
    case_ids: tuple[str, ...]
    signal_ids: tuple[str, ...]
    referral_ids: tuple[str, ...]
    dossier_ids: tuple[str, ...]
    participant_ids: tuple[str, ...]
    message_ids: tuple[str, ...]
    proposal_ids: tuple[str, ...]

    def object_ids(self) -> list[str]:
        """Every id an outbox event or evidence entry about this case can carry as its object."""
        return sorted(
            {
                *self.case_ids,
                *self.signal_ids,
                *self.referral_ids,
                *self.dossier_ids,
                *self.participant_ids,
                *self.message_ids,
                *self.proposal_ids,
            }
        )


def scope(conn: sa.Connection, case: sa.Row[Any]) -> CaseScope:
    absorbed = conn.execute(sa.select(t.cases.c.id).where(t.cases.c.merged_into == case.id).order_by(t.cases.c.seq))
    case_ids = (case.id, *absorbed.scalars())
    signal_ids = _ids(conn, t.case_signals.c.signal_id, t.case_signals.c.case_id.in_(case_ids))
    referral_ids = _ids(conn, t.referrals.c.id, t.referrals.c.case_id.in_(case_ids))
    dossier_ids = _ids(conn, t.dossiers.c.id, t.dossiers.c.case_id.in_(case_ids))
    participant_ids = _ids(conn, t.dossier_creditors.c.id, t.dossier_creditors.c.dossier_id.in_(dossier_ids))
    message_ids = _ids(conn, t.settlement_messages.c.id, t.settlement_messages.c.dossier_id.in_(dossier_ids))
    proposal_ids = _ids(conn, t.proposals.c.id, t.proposals.c.dossier_id.in_(dossier_ids))
    return CaseScope(
        case.id,
        case.municipality_id,
        case_ids,
        signal_ids,
        referral_ids,
        dossier_ids,
        participant_ids,
        message_ids,
        proposal_ids,
    )


def _ids(conn: sa.Connection, column: sa.ColumnElement[Any], condition: sa.ColumnElement[bool]) -> tuple[str, ...]:
    return tuple(sorted(conn.execute(sa.select(column).where(condition)).scalars()))


def signals(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    query = (
        sa.select(t.signals, t.case_signals.c.case_id, t.case_signals.c.joined_at)
        .join(t.case_signals, t.case_signals.c.signal_id == t.signals.c.id)
        .where(t.signals.c.id.in_(list(signal_ids)))
        .order_by(t.signals.c.seq)
    )
    return list(conn.execute(query).all())


def signal_blobs(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    """The sealed envelopes of the signals, without their ciphertext (the export says what and for whom)."""
    b = t.signal_blobs.c
    query = sa.select(
        b.signal_id, b.part, b.recipient_id, b.key_id, b.suite, sa.func.length(b.ciphertext).label("size")
    )
    rows = conn.execute(query.where(b.signal_id.in_(list(signal_ids))).order_by(b.signal_id, b.part)).all()
    return cast(list[sa.Row[Any]], rows)


def token_counts(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    """Per signal and token kind: how many token hashes (each token twice while a retired token key still
    links, docs/consent.md), and when the first was stored. Never the tokens."""
    k = t.signal_tokens.c
    query = (
        sa.select(k.signal_id, k.kind, sa.func.count().label("count"), sa.func.min(k.created_at).label("created_at"))
        .where(k.signal_id.in_(list(signal_ids)))
        .group_by(k.signal_id, k.kind)
        .order_by(k.signal_id, k.kind)
    )
    return list(conn.execute(query).all())


def links(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    ids = list(signal_ids)
    k = t.signal_links.c
    query = sa.select(t.signal_links).where(sa.or_(k.signal_id.in_(ids), k.target_signal_id.in_(ids)))
    return list(conn.execute(query.order_by(k.id)).all())


def persons(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    p = t.signal_persons.c
    query = sa.select(t.signal_persons).where(p.signal_id.in_(list(signal_ids)))
    return list(conn.execute(query.order_by(p.person_id, p.signal_id, p.debtor)).all())


def rows_where(conn: sa.Connection, table: sa.Table, column: str, values: Collection[Any]) -> list[sa.Row[Any]]:
    """Rows of ``table`` whose ``column`` is one of ``values``, in primary-key order."""
    if not values:
        return []
    order = list(table.primary_key.columns)
    return list(conn.execute(sa.select(table).where(table.c[column].in_(list(values))).order_by(*order)).all())


def settlement_blobs(conn: sa.Connection, scope: CaseScope) -> list[sa.Row[Any]]:
    """The sealed parts of the referrals, messages and outside-creditor notes, without their ciphertext."""
    b = t.settlement_blobs.c
    query = sa.select(
        b.object_type, b.object_id, b.recipient_id, b.key_id, b.suite, sa.func.length(b.ciphertext).label("size")
    ).where(_settlement_blob_condition(scope))
    return cast(list[sa.Row[Any]], conn.execute(query.order_by(b.object_type, b.object_id)).all())


def _settlement_blob_condition(scope: CaseScope) -> sa.ColumnElement[bool]:
    b = t.settlement_blobs.c
    return sa.or_(
        sa.and_(b.object_type == "referral", b.object_id.in_(scope.referral_ids)),
        sa.and_(b.object_type == "message", b.object_id.in_(scope.message_ids)),
        sa.and_(b.object_type == "creditor_note", b.object_id.in_(scope.participant_ids)),
    )


def _outbox_condition(scope: CaseScope) -> sa.ColumnElement[bool]:
    o = t.outbox.c
    about_purposes = sa.or_(*(o.object_id.startswith(f"{c}/", autoescape=True) for c in scope.case_ids))
    return sa.or_(
        sa.and_(o.object_type != "case_purpose", o.object_id.in_(scope.object_ids())),
        sa.and_(o.object_type == "case_purpose", about_purposes),
    )


def outbox_events(conn: sa.Connection, scope: CaseScope) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(t.outbox).where(_outbox_condition(scope)).order_by(t.outbox.c.id)).all())


def webhook_deliveries(conn: sa.Connection, outbox_ids: Collection[int]) -> list[sa.Row[Any]]:
    if not outbox_ids:
        return []
    d = t.webhook_deliveries.c
    query = (
        sa.select(t.webhook_deliveries, t.webhook_endpoints.c.organisation_id)
        .join(t.webhook_endpoints, t.webhook_endpoints.c.id == d.endpoint_id)
        .where(d.outbox_id.in_(list(outbox_ids)))
        .order_by(d.id)
    )
    return list(conn.execute(query).all())


def evidence_entries(conn: sa.Connection, scope: CaseScope) -> list[sa.Row[Any]]:
    """Evidence entries about the case's objects, and the consent decisions taken on it. Read without
    the signature columns: the export says that a signed request is kept, not what it was."""
    e = t.evidence.c
    about_purposes = sa.or_(*(e.object_id.startswith(f"{c}/", autoescape=True) for c in scope.case_ids))
    consent_ids = sa.select(t.consent_records.c.id).where(t.consent_records.c.case_id.in_(scope.case_ids))
    query = (
        sa.select(
            e.seq,
            e.recorded_at,
            e.organisation_id,
            e.action,
            e.object_type,
            e.object_id,
            e.signature.is_not(None).label("signed"),
        )
        .where(
            sa.or_(
                sa.and_(e.object_type.not_in(["case_purpose", "consent"]), e.object_id.in_(scope.object_ids())),
                sa.and_(e.object_type == "case_purpose", about_purposes),
                sa.and_(e.object_type == "consent", e.object_id.in_(consent_ids)),
            )
        )
        .order_by(e.seq)
    )
    return list(conn.execute(query).all())


def consent_decisions(conn: sa.Connection, case_ids: Collection[str]) -> list[sa.Row[Any]]:
    d = t.consent_decisions.c
    query = sa.select(t.consent_decisions).where(d.case_id.in_(list(case_ids))).order_by(d.id)
    return list(conn.execute(query).all())


# --- erasure ----------------------------------------------------------------------------------------


def erase_settlements(conn: sa.Connection, scope: CaseScope) -> dict[str, int]:
    """Delete the debt help of the case: sealed parts, deadlines, proposals, messages, participants,
    dossiers and referrals (children first)."""
    counts = {"settlement_sealed_parts": _delete(conn, t.settlement_blobs, _settlement_blob_condition(scope))}
    participants, dossiers = list(scope.participant_ids), list(scope.dossier_ids)
    _delete(conn, t.settlement_deadlines, t.settlement_deadlines.c.participant_id.in_(participants))
    _delete(conn, t.proposal_shares, t.proposal_shares.c.proposal_id.in_(list(scope.proposal_ids)))
    counts["proposals"] = _delete(conn, t.proposals, t.proposals.c.dossier_id.in_(dossiers))
    counts["settlement_messages"] = _delete(
        conn, t.settlement_messages, t.settlement_messages.c.dossier_id.in_(dossiers)
    )
    counts["dossier_creditors"] = _delete(conn, t.dossier_creditors, t.dossier_creditors.c.dossier_id.in_(dossiers))
    counts["dossiers"] = _delete(conn, t.dossiers, t.dossiers.c.id.in_(dossiers))
    counts["referrals"] = _delete(conn, t.referrals, t.referrals.c.id.in_(list(scope.referral_ids)))
    return counts


def erase_outbox(conn: sa.Connection, scope: CaseScope) -> dict[str, int]:
    """Delete the events about the case's objects (delivered or not) and their webhook deliveries."""
    ids = list(conn.execute(sa.select(t.outbox.c.id).where(_outbox_condition(scope))).scalars())
    if not ids:
        return {"outbox_events": 0, "webhook_deliveries": 0}
    deliveries = _delete(conn, t.webhook_deliveries, t.webhook_deliveries.c.outbox_id.in_(ids))
    return {"outbox_events": _delete(conn, t.outbox, t.outbox.c.id.in_(ids)), "webhook_deliveries": deliveries}


def count_case_rows(conn: sa.Connection, scope: CaseScope) -> dict[str, int]:
    """What the case purge will delete besides signals and tokens, counted before it does."""
    ids, signal_ids = list(scope.case_ids), list(scope.signal_ids)
    k = t.signal_links.c
    return {
        "signal_sealed_envelopes": _count(conn, t.signal_blobs, t.signal_blobs.c.signal_id.in_(signal_ids)),
        "links": _count(conn, t.signal_links, sa.or_(k.signal_id.in_(signal_ids), k.target_signal_id.in_(signal_ids))),
        "reports": _count(conn, t.reports, t.reports.c.case_id.in_(ids)),
        "report_versions": _count(conn, t.report_changes, t.report_changes.c.case_id.in_(ids)),
        "report_contacts": _count(conn, t.report_contacts, t.report_contacts.c.case_id.in_(ids)),
    }


def _count(conn: sa.Connection, table: sa.Table, condition: sa.ColumnElement[bool]) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one())


def _delete(conn: sa.Connection, table: sa.Table, condition: sa.ColumnElement[bool]) -> int:
    return int(conn.execute(table.delete().where(condition)).rowcount)


# --- tombstones -------------------------------------------------------------------------------------


def tombstone(conn: sa.Connection, case_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(t.case_erasures).where(t.case_erasures.c.case_id == case_id)).first()


def add_tombstones(conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.execute(t.case_erasures.insert(), [dict(r) for r in rows])


def erased_case_ids(conn: sa.Connection, case_ids: Collection[str]) -> set[str]:
    if not case_ids:
        return set()
    query = sa.select(t.case_erasures.c.case_id).where(t.case_erasures.c.case_id.in_(list(case_ids)))
    return set(conn.execute(query).scalars())


# --- consent expiry warnings ------------------------------------------------------------------------


def consents_expiring(conn: sa.Connection, now: dt.datetime, until: dt.datetime) -> list[str]:
    """Ids of consents with a given or renewed term ending in ``(now, until]`` that was not warned about
    yet (whether that term is still the current one, the caller decides from the record)."""
    e, w = t.consent_events.c, t.consent_expiry_warnings.c
    warned = sa.exists().where(w.consent_id == e.consent_id, w.expires_at == e.expires_at)
    query = (
        sa.select(e.consent_id)
        .where(e.event.in_(["given", "renewed"]), e.expires_at > now, e.expires_at <= until, ~warned)
        .distinct()
        .order_by(e.consent_id)
    )
    return list(conn.execute(query).scalars())


def claim_expiry_warning(conn: sa.Connection, consent_id: str, expires_at: dt.datetime, now: dt.datetime) -> bool:
    """Record that this expiry is being warned about; False when it already was. (One scheduler runs at a
    time; should two ever race, the primary key refuses the second warning and its transaction.)"""
    w = t.consent_expiry_warnings.c
    exists = conn.execute(sa.select(w.consent_id).where(w.consent_id == consent_id, w.expires_at == expires_at)).first()
    if exists is not None:
        return False
    conn.execute(t.consent_expiry_warnings.insert().values(consent_id=consent_id, expires_at=expires_at, warned_at=now))
    return True

"""Data-subject requests (AVG art. 15 and 17), through the municipality, which knows the person.

The hub does not know who a case is about; the municipality does, and asks on the person's behalf:

- **Access export**: every item the hub holds for the case, each with what it is, when it was stored, until
  when it is kept (and by which rule), and who can open it (the organisation and key a sealed envelope is
  sealed for; the organisations that can read the hub-visible facts through the API). Pseudonymous and sealed
  as the hub holds it: tokens are counted, never shown; ciphertext is sized, never included.
- **Erasure**: in one transaction, the case's signals, sealed envelopes, tokens, links, report and its
  versions and contacts, referrals, dossiers, settlement messages and their sealed parts, and the events
  about them are deleted; a tombstone stays, the erasure goes into the evidence log, and every organisation
  that received the case's data (debt help, creditors in a dossier, consent parties) gets ``case.erased``.
  Kept for legal reasons: the evidence log (hash-chained proof of every accepted request), the consent
  records, events and decisions (proof of consent and of each disclosure decision, AVG art. 7(1)), and the
  tombstone. docs/consent.md gives the reasoning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from consent.records import ConsentRecord
from hub.db import case_views
from hub.db import cases as cases_repo
from hub.db import consent as consent_repo
from hub.db import directory as directory_repo
from hub.db import evidence as evidence_repo
from hub.db import reports as reports_repo
from hub.db import retention as retention_repo
from hub.db import subject_requests as repo
from hub.db import tables as t
from hub.db.signals import add_events
from hub.domain import match_levels
from hub.domain.evidence import Actor
from hub.domain.reports import HELP_RESULTS
from hub.domain.settlement_states import TERMINAL
from hub.errors import Conflict, InvalidParam, NotFound, ValidationFailed
from hub.services.erased import check_not_erased
from hub.settings import Settings
from schemas.v1.subject_api import ERASURE_GROUNDS, ITEM_KINDS

#: What erasure keeps, and why (also in the erasure's answer).
RETAINED: Mapping[str, str] = {
    "evidence_entries": "The evidence log is append-only and hash-chained: the proof of every accepted request "
    "(AVG art. 5(2), art. 17(3)(e)); it holds ids and signatures, no personal data.",
    "consent_records": "Consent records and their events prove that consent was given and withdrawn "
    "(AVG art. 7(1)); pseudonymous.",
    "consent_decisions": "Each decision to disclose or not, with its reason: the proof that every disclosure had "
    "a legal basis (AVG art. 5(2)).",
    "tombstone": "That the case existed and was erased, when, by whom, on which ground, with counts: so reads "
    "answer 410 and the erasure can be proven.",
}

#: How long an item is kept: until when (None: no term runs) and by which rule, in words.
Term = tuple[dt.datetime | None, str]

_NO_TERM = "No term: kept until the municipality erases the case."
_HELP_TERM = (
    "No term while help follows (a helping result, a referral or a dossier): kept until the municipality erases "
    "the case."
)
_HUB_ONLY: list[str] = []


class SubjectRequestService:
    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._settings, self._clock = engine, settings, clock

    # --- access ----------------------------------------------------------------------------------------
    def export(self, actor: Actor, municipality_id: str, case_id: str) -> dict[str, Any]:
        """Everything the hub holds for the case, for its municipality. The request itself is logged as
        evidence (``case.access_export``) and so appears in the export."""
        now = self._clock()
        with self._engine.begin() as conn:
            case = self._case(conn, municipality_id, case_id)
            evidence_repo.append(conn, actor, "case.access_export", object_type="case", object_id=case.id, at=now)
            scope = repo.scope(conn, case)
            items = list(_Export(conn, self._settings, scope, now).items())
        counts: dict[str, int] = {}
        for item in items:
            counts[item["kind"]] = counts.get(item["kind"], 0) + 1
        return {
            "case_id": scope.case_id,
            "case_ids": list(scope.case_ids),
            "municipality_id": scope.municipality_id,
            "generated_at": now,
            "counts": counts,
            "items": items,
        }

    # --- erasure ---------------------------------------------------------------------------------------
    def erase(self, actor: Actor, municipality_id: str, case_id: str, ground: str) -> dict[str, Any]:
        """Erase the case in one transaction; 409 ``case_in_debt_help`` while a referral is pending or a
        dossier has not ended (the settlement binds its creditors: end it first)."""
        if ground not in ERASURE_GROUNDS:
            reason = f"Must be one of {', '.join(ERASURE_GROUNDS)}."
            raise ValidationFailed(reason, invalid_params=[InvalidParam("ground", reason)])
        now = self._clock()
        with self._engine.begin() as conn:
            found = self._case(conn, municipality_id, case_id)
            # evidence first: it takes the chain lock that signal submission takes before the match lock
            entry = evidence_repo.append(conn, actor, "case.erase", object_type="case", object_id=found.id, at=now)
            cases_repo.lock(conn)
            case = self._case(conn, municipality_id, case_id)
            if case.id != found.id:
                raise Conflict("The case was merged at the same moment; ask again.", code="case_changed")
            scope = repo.scope(conn, case)
            self._check_no_running_help(conn, scope)
            notified = sorted(self._recipients(conn, scope) - {municipality_id})
            counts = repo.erase_outbox(conn, scope)
            counts |= repo.erase_settlements(conn, scope)
            counts |= repo.count_case_rows(conn, scope)
            counts |= retention_repo.purge_cases(conn, [case.id])
            repo.add_tombstones(
                conn,
                [
                    {
                        "case_id": erased,
                        "erased_case_id": case.id,
                        "municipality_id": municipality_id,
                        "ground": ground,
                        "erased_at": now,
                        "erased_by": actor.organisation_id,
                        "counts": counts,
                        "evidence_seq": entry.seq,
                    }
                    for erased in scope.case_ids
                ],
            )
            add_events(
                conn,
                [
                    {
                        "recipient_id": org,
                        "event_type": "case.erased",
                        "object_type": "case",
                        "object_id": case.id,
                        "created_at": now,
                    }
                    for org in notified
                ],
            )
        return {
            "case_id": case.id,
            "case_ids": list(scope.case_ids),
            "municipality_id": municipality_id,
            "ground": ground,
            "legal_ground": ERASURE_GROUNDS[ground],
            "erased_at": now,
            "erased_by": actor.organisation_id,
            "evidence_seq": entry.seq,
            "deleted": counts,
            "retained": dict(RETAINED),
            "notified": notified,
        }

    # --- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _case(conn: sa.Connection, municipality_id: str, case_id: str) -> sa.Row[Any]:
        """The live case the id names, if it is the municipality's: 410 once erased, 404 otherwise."""
        check_not_erased(conn, case_id, municipality_id=municipality_id)
        case = case_views.find(conn, case_id)
        if case is None or case.municipality_id != municipality_id:
            raise NotFound(f"No case {case_id} of yours.", code="case_unknown")
        return case

    @staticmethod
    def _check_no_running_help(conn: sa.Connection, scope: repo.CaseScope) -> None:
        pending = [r for r in repo.rows_where(conn, t.referrals, "id", scope.referral_ids) if r.state == "pending"]
        running = [d for d in repo.rows_where(conn, t.dossiers, "id", scope.dossier_ids) if d.state not in TERMINAL]
        if pending or running:
            what = "a settlement dossier has not ended" if running else "a referral awaits the debt-help decision"
            raise Conflict(
                f"The case cannot be erased while {what}: the debt-help organisation ends it first "
                "(a declined referral, or a dossier that completed, failed or was withdrawn).",
                code="case_in_debt_help",
            )

    @staticmethod
    def _recipients(conn: sa.Connection, scope: repo.CaseScope) -> set[str]:
        """The organisations that received the case's data and must hear of its erasure (AVG art. 19):
        debt help it was referred to, creditors in its dossiers, and the parties of its consents. Creditors
        that only sent a signal are sources, not recipients, and may learn nothing of the case (Wgs)."""
        orgs = {r.debt_help_id for r in repo.rows_where(conn, t.referrals, "id", scope.referral_ids)}
        orgs |= {d.debt_help_id for d in repo.rows_where(conn, t.dossiers, "id", scope.dossier_ids)}
        orgs |= {
            p.creditor_id
            for p in repo.rows_where(conn, t.dossier_creditors, "id", scope.participant_ids)
            if p.creditor_id is not None
        }
        for case_id in scope.case_ids:
            for record in consent_repo.for_case(conn, case_id):
                orgs |= record.parties()
        return orgs


class _Export:
    """Builds the access export's items from what the hub holds, one kind at a time."""

    def __init__(self, conn: sa.Connection, settings: Settings, scope: repo.CaseScope, now: dt.datetime) -> None:
        self.conn, self.settings, self.scope, self.now = conn, settings, scope, now
        self.report = reports_repo.get(conn, scope.case_id)
        self.signals = repo.signals(conn, scope.signal_ids)
        self.referrals = repo.rows_where(conn, t.referrals, "id", scope.referral_ids)
        self.dossiers = repo.rows_where(conn, t.dossiers, "id", scope.dossier_ids)
        self.debt_help = sorted({d.debt_help_id for d in self.dossiers})
        self.case_term = self._case_term()
        self.case_until = self.case_term[0]

    def items(self) -> Iterable[dict[str, Any]]:
        yield from self._case_items()
        yield from self._signal_items()
        yield from self._report_items()
        yield from self._consent_items()
        yield from self._settlement_items()
        yield from self._delivery_items()
        yield from self._evidence_items()

    # --- retention ---------------------------------------------------------------------------------------
    def _case_term(self) -> Term:
        """When the retention job deletes the case, by the same rule it applies (hub/db/retention.py)."""
        helped = self.report is not None and self.report.result in HELP_RESULTS
        if helped or self.referrals or self.dossiers:
            return None, _HELP_TERM
        org = directory_repo.get_organisation(self.conn, self.scope.municipality_id)
        days = (org.retention_days if org else None) or self.settings.retention_days
        newest = max((s.signal_date for s in self.signals), default=self.now.date())
        until = dt.datetime.combine(newest + dt.timedelta(days=days + 1), dt.time(), tzinfo=dt.UTC)
        return until, f"Deleted by the retention job once the newest signal is more than {days} days old."

    def _identity_term(self, received_at: dt.datetime) -> dt.datetime:
        latest = received_at + dt.timedelta(days=self.settings.sealed_max_days)
        return latest if self.case_until is None else min(latest, self.case_until)

    # --- items -------------------------------------------------------------------------------------------
    def _case_items(self) -> Iterable[dict[str, Any]]:
        municipality = [self.scope.municipality_id]
        for case_id in self.scope.case_ids:
            row = self.conn.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).one()
            facts = {"state": row.state, "origin": row.origin, "split_from": row.split_from}
            facts |= {"merged_into": row.merged_into, "merged_by": row.merged_by}
            yield _item("case", case_id, row.opened_at, self.case_term, readers=municipality, facts=facts)

    def _signal_items(self) -> Iterable[dict[str, Any]]:
        for s in self.signals:
            readers = sorted({s.creditor_id, s.municipality_id, *self.debt_help})
            facts = {
                name: getattr(s, name)
                for name in (
                    "creditor_id",
                    "sector",
                    "status",
                    "amount_cents",
                    "arrears_since",
                    "signal_date",
                    "crisis_kind",
                    "crisis_date",
                    "warm_handover",
                    "state",
                    "state_reason",
                    "supersedes",
                    "case_id",
                )
            }
            yield _item("signal", s.id, s.received_at, self.case_term, readers=readers, facts=facts)
        received = {s.id: s.received_at for s in self.signals}
        for b in repo.signal_blobs(self.conn, self.scope.signal_ids):
            until: dt.datetime | None
            if b.part == "identity":
                until = self._identity_term(received[b.signal_id])
                rule = (
                    "Deleted when the municipality acknowledges the report, at the latest "
                    f"{self.settings.sealed_max_days} days after it arrived."
                )
                what = "the debtors' identity and address, for the municipality"
            else:
                (until, rule), what = self.case_term, "the creditor's own reference, for the creditor"
            facts = {"of": "signal", "object_id": b.signal_id, "part": b.part, "contains": what}
            yield _sealed(f"signal:{b.signal_id}:{b.part}", received[b.signal_id], (until, rule), b, facts)
        for k in repo.token_counts(self.conn, self.scope.signal_ids):
            facts = {"signal_id": k.signal_id, "token_kind": k.kind, "count": k.count}
            yield _item("tokens", f"{k.signal_id}:{k.kind}", k.created_at, self.case_term, readers=[], facts=facts)
        for p in repo.persons(self.conn, self.scope.signal_ids):
            facts = {"signal_id": p.signal_id, "debtor": p.debtor, "person_id": p.person_id}
            stored = received[p.signal_id]
            municipality = [self.scope.municipality_id]
            yield _item(
                "person_record", f"{p.signal_id}:{p.debtor}", stored, self.case_term, readers=municipality, facts=facts
            )
        for link in repo.links(self.conn, self.scope.signal_ids):
            facts = {
                "signal_id": link.signal_id,
                "target_signal_id": link.target_signal_id,
                "level": link.level,
                "score": link.score,
                "agreed": list(match_levels.ordered(match_levels.mask_kinds(link.agreed))),
            }
            municipality = [self.scope.municipality_id]
            yield _item("link", str(link.id), link.created_at, self.case_term, readers=municipality, facts=facts)

    def _report_items(self) -> Iterable[dict[str, Any]]:
        municipality = [self.scope.municipality_id]
        ids = self.scope.case_ids
        for r in repo.rows_where(self.conn, t.reports, "case_id", ids):
            facts = {"version": r.version, "state": r.state, "acknowledged_version": r.acknowledged_version}
            facts |= {"result": r.result, "result_on": r.result_on}
            yield _item("report", r.case_id, r.created_at, self.case_term, readers=municipality, facts=facts)
        for c in repo.rows_where(self.conn, t.report_changes, "case_id", ids):
            facts = {"case_id": c.case_id, "version": c.version, "reason": c.reason}
            yield _item("report_version", str(c.seq), c.changed_at, self.case_term, readers=municipality, facts=facts)
        for c in repo.rows_where(self.conn, t.report_contacts, "case_id", ids):
            facts = {"kind": c.kind, "reached": c.reached, "date": c.contacted_on, "part_of_day": c.part_of_day}
            yield _item("report_contact", str(c.id), c.recorded_at, self.case_term, readers=municipality, facts=facts)

    def _consent_items(self) -> Iterable[dict[str, Any]]:
        kept = RETAINED["consent_records"] + " Kept after the case is erased."
        records: list[ConsentRecord] = []
        for case_id in self.scope.case_ids:
            records.extend(consent_repo.for_case(self.conn, case_id))
        recorders: dict[str, set[str]] = {}
        for record in records:
            parties = sorted(record.parties())
            status = record.status_at(self.now)
            facts: dict[str, Any] = {"case_id": record.case_id, "purpose": record.purpose}
            facts |= {"recorder_id": record.recorder_id}
            facts |= {"recipients": list(record.recipients), "method": record.method, "given_at": record.given_at}
            facts |= {"expires_at": status.expires_at or record.expires_at, "state": status.state}
            yield _item("consent_record", record.id, record.recorded_at, (None, kept), readers=parties, facts=facts)
            for index, event in enumerate(record.events):
                facts = {"consent_id": record.id, "event": event.event, "occurred_at": event.occurred_at}
                facts |= {"recorded_by": event.recorded_by, "method": event.method, "expires_at": event.expires_at}
                yield _item(
                    "consent_event",
                    f"{record.id}/{index}",
                    event.recorded_at,
                    (None, kept),
                    readers=parties,
                    facts=facts,
                )
            recorders.setdefault(record.purpose, set()).add(record.recorder_id)
        rule = RETAINED["consent_decisions"] + " Kept after the case is erased."
        for d in repo.consent_decisions(self.conn, self.scope.case_ids):
            readers = sorted({d.organisation_id, *recorders.get(d.purpose, set())})
            facts = {"organisation_id": d.organisation_id, "purpose": d.purpose, "allowed": d.allowed}
            facts |= {"code": d.code, "consent_id": d.consent_id}
            yield _item("consent_decision", str(d.id), d.decided_at, (None, rule), readers=readers, facts=facts)

    def _settlement_items(self) -> Iterable[dict[str, Any]]:
        scope, municipality = self.scope, self.scope.municipality_id
        for r in self.referrals:
            facts = {"debt_help_id": r.debt_help_id, "state": r.state, "decline_reason": r.decline_reason}
            facts |= {"decided_at": r.decided_at}
            readers = sorted({municipality, r.debt_help_id})
            yield _item("referral", r.id, r.created_at, (None, _NO_TERM), readers=readers, facts=facts)
        owner = {d.id: d.debt_help_id for d in self.dossiers}
        for d in self.dossiers:
            facts = {"debt_help_id": d.debt_help_id, "referral_id": d.referral_id, "state": d.state}
            facts |= {"first_payment_on": d.first_payment_on}
            yield _item("dossier", d.id, d.opened_at, (None, _NO_TERM), readers=[d.debt_help_id], facts=facts)
        participants = repo.rows_where(self.conn, t.dossier_creditors, "id", scope.participant_ids)
        for p in participants:
            readers = sorted({owner[p.dossier_id], *([p.creditor_id] if p.creditor_id else [])})
            facts = {name: getattr(p, name) for name in _PARTICIPANT_FACTS}
            yield _item("dossier_creditor", p.id, p.created_at, (None, _NO_TERM), readers=readers, facts=facts)
        for proposal in repo.rows_where(self.conn, t.proposals, "id", scope.proposal_ids):
            facts = {name: getattr(proposal, name) for name in _PROPOSAL_FACTS}
            readers = [owner[proposal.dossier_id]]
            yield _item("proposal", proposal.id, proposal.created_at, (None, _NO_TERM), readers=readers, facts=facts)
        for m in repo.rows_where(self.conn, t.settlement_messages, "id", scope.message_ids):
            readers = sorted({owner[m.dossier_id], m.recipient_id} | ({m.sender_id} - {"hub"}))
            facts = {"dossier_id": m.dossier_id, "kind": m.kind, "sender_id": m.sender_id}
            facts |= {"recipient_id": m.recipient_id, "facts": m.facts, "acknowledged_at": m.acknowledged_at}
            yield _item("settlement_message", m.id, m.created_at, (None, _NO_TERM), readers=readers, facts=facts)
        stored = {r.id: r.created_at for r in self.referrals}
        stored |= {
            m.id: m.created_at for m in repo.rows_where(self.conn, t.settlement_messages, "id", scope.message_ids)
        }
        stored |= {p.id: p.created_at for p in participants}
        rule = "Deleted when its recipient collects it (a referral: when it is decided); no term otherwise."
        for b in repo.settlement_blobs(self.conn, scope):
            facts = {
                "of": b.object_type,
                "object_id": b.object_id,
                "part": "sealed",
                "contains": _CONTAINS[b.object_type],
            }
            yield _sealed(f"{b.object_type}:{b.object_id}", stored.get(b.object_id), (None, rule), b, facts)

    def _delivery_items(self) -> Iterable[dict[str, Any]]:
        rule = "No term: kept until the municipality erases the case (ids only, no personal data)."
        events = repo.outbox_events(self.conn, self.scope)
        for e in events:
            facts = {"event_type": e.event_type, "object_type": e.object_type, "object_id": e.object_id}
            facts |= {"delivered_at": e.delivered_at}
            yield _item("outbox_event", str(e.id), e.created_at, (None, rule), readers=[e.recipient_id], facts=facts)
        for d in repo.webhook_deliveries(self.conn, [e.id for e in events]):
            facts = {"outbox_id": d.outbox_id, "status": d.status, "attempts": d.attempts}
            facts |= {"delivered_at": d.delivered_at}
            yield _item(
                "webhook_delivery", str(d.id), d.created_at, (None, rule), readers=[d.organisation_id], facts=facts
            )

    def _evidence_items(self) -> Iterable[dict[str, Any]]:
        rule = RETAINED["evidence_entries"] + " Kept after the case is erased; only the hub operator reads it."
        for e in repo.evidence_entries(self.conn, self.scope):
            facts = {"action": e.action, "object_type": e.object_type, "object_id": e.object_id}
            facts |= {"organisation_id": e.organisation_id, "signed_request_kept": bool(e.signed)}
            yield _item("evidence_entry", str(e.seq), e.recorded_at, (None, rule), readers=_HUB_ONLY, facts=facts)


_PARTICIPANT_FACTS = (
    "dossier_id",
    "creditor_id",
    "sector",
    "convenant_id",
    "contacted",
    "collection_paused",
    "claim_state",
    "principal_cents",
    "interest_cents",
    "costs_cents",
    "preferential",
    "answer",
    "answered_at",
)
_PROPOSAL_FACTS = (
    "dossier_id",
    "kind",
    "monthly_capacity_cents",
    "term_months",
    "amount_offered_cents",
    "total_admitted_cents",
    "sent_at",
    "superseded_at",
)
_CONTAINS = {
    "referral": "the debtors' identity and address, re-sealed for the debt-help organisation",
    "message": "the personal part of a settlement message, for its recipient",
    "creditor_note": "the name and reference of a creditor outside the hub, for the debt-help organisation",
}


def _plain(value: Any) -> Any:
    """Facts as JSON values: dates and times in ISO 8601."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _item(
    kind: str,
    item_id: str,
    stored_at: dt.datetime | None,
    term: Term,
    *,
    readers: Iterable[str],
    facts: Mapping[str, Any],
    sealed_for: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    kept_until, retention = term
    return {
        "kind": kind,
        "id": item_id,
        "what": ITEM_KINDS[kind],
        "stored_at": stored_at,
        "kept_until": kept_until,
        "retention": retention,
        "sealed_for": dict(sealed_for) if sealed_for else None,
        "readable_by": list(readers),
        "facts": _plain(facts),
    }


def _sealed(
    item_id: str, stored_at: dt.datetime | None, term: Term, blob: Any, facts: Mapping[str, Any]
) -> dict[str, Any]:
    sealed_for = {
        "organisation_id": blob.recipient_id,
        "key_id": blob.key_id,
        "suite": blob.suite,
        "size_bytes": int(blob.size),
    }
    return _item(
        "sealed_envelope", item_id, stored_at, term, readers=[blob.recipient_id], facts=facts, sealed_for=sealed_for
    )

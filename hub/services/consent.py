"""Consent use cases: record, renew and withdraw consent; decide every disclosure and log the decision;
issue signed receipts.

Services that disclose a case's data after the signal call :meth:`ConsentService.check` at the moment of
use, *before* opening their own write transaction: it commits the decision to the evidence log in a
transaction of its own (a denial must stay logged although the caller's change is then not made) and
raises 403 ``no_legal_basis`` on deny.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from consent import receipts
from consent.policy import Case, Decision, Party, may
from consent.purposes import PURPOSE_LIST, PURPOSES, Purpose, purpose_view
from consent.records import (
    ConsentEvent,
    ConsentRecord,
    ConsentRuleError,
    ConsentStateError,
    check_grant,
    check_moment,
    check_renewal,
    check_term,
    check_withdrawal,
    is_case_id,
    record_view,
)
from hub.db import consent as repo
from hub.db import directory as directory_repo
from hub.db import evidence as evidence_repo
from hub.db.signals import add_events
from hub.domain.evidence import Actor
from hub.errors import Conflict, Forbidden, InvalidParam, NotFound, ValidationFailed
from hub.keys import HubKeys
from hub.services.erased import check_not_erased


@dataclass(frozen=True)
class LoggedDecision:
    """A decision as written to the evidence log and the decisions table."""

    id: int
    decided_at: dt.datetime
    purpose: str
    case_id: str
    decision: Decision

    def view(self) -> dict[str, Any]:
        d = self.decision
        return {
            "decision_id": self.id,
            "decided_at": self.decided_at,
            "purpose": self.purpose,
            "case_id": self.case_id,
            "allowed": d.allowed,
            "code": d.code,
            "reason": d.reason,
            "basis": d.basis,
            "consent_id": d.consent_id,
        }


def _decision_view(row: Any) -> dict[str, Any]:
    decision = Decision(row.allowed, row.code, row.reason, row.basis, row.consent_id)
    view = LoggedDecision(row.id, row.decided_at, row.purpose, row.case_id, decision).view()
    return {**view, "organisation_id": row.organisation_id}


@contextmanager
def _as_problems() -> Iterator[None]:
    """The consent package's rule errors as the hub's problem responses."""
    try:
        yield
    except ConsentRuleError as exc:
        raise ValidationFailed(exc.reason, invalid_params=[InvalidParam(exc.field, exc.reason)]) from exc
    except ConsentStateError as exc:
        raise Conflict(exc.reason, code=exc.code) from exc


class ConsentService:
    def __init__(self, engine: Engine, keys: HubKeys, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._keys, self._clock = engine, keys, clock

    # --- the moment of use ---------------------------------------------------------------------------
    def check(self, actor: Actor, purpose: str, case_id: str) -> LoggedDecision:
        """Decide and log; raise 403 ``no_legal_basis`` (with the reason) when the decision is deny."""
        logged = self.decide(actor, purpose, case_id)
        if not logged.decision.allowed:
            raise Forbidden(logged.decision.reason, code="no_legal_basis")
        return logged

    def decide(self, actor: Actor, purpose: str, case_id: str) -> LoggedDecision:
        """May ``actor`` receive ``case_id``'s data for ``purpose`` now? Every decision, allowed or
        denied, is appended to the evidence log (action ``consent.allow.<code>`` or ``consent.deny.<code>``,
        object ``case_purpose`` ``<case_id>/<purpose>``) and the decisions table, in one transaction."""
        if not is_case_id(case_id):
            reason = "A case id is 1 to 64 letters, digits, dots, colons, underscores and dashes."
            raise ValidationFailed(reason, invalid_params=[InvalidParam("case_id", reason)])
        now, purpose = self._clock(), purpose[:32]
        with self._engine.begin() as conn:
            check_not_erased(conn, case_id)
            records = repo.for_case(conn, case_id, purpose=purpose)
            decision = may(Party(actor.organisation_id, actor.kind), purpose, Case(case_id, records), now)
            verdict = "allow" if decision.allowed else "deny"
            entry = evidence_repo.append(
                conn,
                actor,
                f"consent.{verdict}.{decision.code}",
                object_type="case_purpose",
                object_id=f"{case_id}/{purpose}",
                at=now,
            )
            decision_id = repo.insert_decision(
                conn,
                {
                    "decided_at": now,
                    "organisation_id": actor.organisation_id,
                    "purpose": purpose,
                    "case_id": case_id,
                    "allowed": decision.allowed,
                    "code": decision.code,
                    "reason": decision.reason[:500],
                    "basis": decision.basis[:200] if decision.basis else None,
                    "consent_id": decision.consent_id,
                    "evidence_seq": entry.seq,
                },
            )
        return LoggedDecision(decision_id, now, purpose, case_id, decision)

    # --- recording -----------------------------------------------------------------------------------
    def record(self, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
        """Record a consent the person gave to the recorder (the calling organisation)."""
        now, consent_id = self._clock(), str(uuid.uuid4())
        purpose, recipients = PURPOSES[body["purpose"]], list(body["recipients"])
        with self._engine.begin() as conn, _as_problems():
            check_not_erased(conn, body["case_id"])
            kinds = {org: self._active_kind(conn, org) for org in recipients}
            check_grant(
                purpose,
                recorder_kind=actor.kind,
                recipient_kinds=kinds,
                given_at=body["given_at"],
                expires_at=body["expires_at"],
                now=now,
            )
            row = {
                "id": consent_id,
                "case_id": body["case_id"],
                "purpose": purpose.id,
                "recorder_id": actor.organisation_id,
                "method": body["method"],
                "given_at": body["given_at"],
                "expires_at": body["expires_at"],
                "recorded_at": now,
            }
            repo.insert_record(conn, row, recipients)
            given = ConsentEvent(
                "given", body["given_at"], now, actor.organisation_id, body["method"], body["expires_at"]
            )
            repo.add_event(conn, consent_id, given)
            evidence_repo.append(conn, actor, "consent.record", object_type="consent", object_id=consent_id, at=now)
            return record_view(self._get(conn, consent_id), now)

    def renew(self, actor: Actor, consent_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The person consented again, for a new term (also after expiry; never after withdrawal)."""
        now = self._clock()
        with self._engine.begin() as conn, _as_problems():
            record = self._party_record(conn, actor, consent_id, lock=True)
            purpose = PURPOSES[record.purpose]
            if actor.kind not in purpose.recorder_kinds:
                raise Forbidden(
                    f"An organisation of kind {actor.kind} does not record consent for {purpose.id}.",
                    code="kind_not_allowed",
                )
            check_renewal(record, now)
            renewed_at, expires_at = body["renewed_at"], body["expires_at"]
            check_term(purpose, "renewed_at", renewed_at, expires_at, now, not_before=record.latest_event_at())
            renewed = ConsentEvent("renewed", renewed_at, now, actor.organisation_id, body["method"], expires_at)
            repo.add_event(conn, consent_id, renewed)
            evidence_repo.append(conn, actor, "consent.renew", object_type="consent", object_id=consent_id, at=now)
            return record_view(self._get(conn, consent_id), now)

    def withdraw(self, actor: Actor, consent_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Withdrawal takes effect at once: later decisions deny, and every other party (the recorder and
        the recipients) gets a thin ``consent.withdrawn`` event naming only the case and the purpose."""
        now = self._clock()
        withdrawn_at = body.get("withdrawn_at") or now
        with self._engine.begin() as conn, _as_problems():
            record = self._party_record(conn, actor, consent_id, lock=True)
            check_withdrawal(record, now)
            check_moment("withdrawn_at", withdrawn_at, now, not_before=record.latest_event_at())
            withdrawn = ConsentEvent("withdrawn", withdrawn_at, now, actor.organisation_id, body["method"], None)
            repo.add_event(conn, consent_id, withdrawn)
            add_events(
                conn,
                [
                    {
                        "recipient_id": org,
                        "event_type": "consent.withdrawn",
                        "object_type": "case_purpose",
                        "object_id": f"{record.case_id}/{record.purpose}",
                        "created_at": now,
                    }
                    for org in sorted(record.parties() - {actor.organisation_id})
                ],
            )
            evidence_repo.append(conn, actor, "consent.withdraw", object_type="consent", object_id=consent_id, at=now)
            return record_view(self._get(conn, consent_id), now)

    # --- reading -------------------------------------------------------------------------------------
    def for_case(self, actor: Actor, case_id: str) -> list[dict[str, Any]]:
        """The case's consents that name the caller as recorder or recipient."""
        now = self._clock()
        with self._engine.connect() as conn:
            check_not_erased(conn, case_id)
            records = repo.for_case(conn, case_id)
        return [record_view(r, now) for r in records if actor.organisation_id in r.parties()]

    def one(self, actor: Actor, consent_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            return record_view(self._party_record(conn, actor, consent_id), self._clock())

    def decisions(self, actor: Actor, case_id: str, *, after: int, limit: int) -> list[dict[str, Any]]:
        """Decisions on the case about the caller, and on the purposes it recorded consent for."""
        with self._engine.connect() as conn:
            check_not_erased(conn, case_id)
            recorded = sorted(
                {r.purpose for r in repo.for_case(conn, case_id) if r.recorder_id == actor.organisation_id}
            )
            rows = repo.decisions(conn, case_id, actor.organisation_id, recorded, after=after, limit=limit)
        return [_decision_view(r) for r in rows]

    def purposes(self) -> list[dict[str, object]]:
        return [purpose_view(p) for p in PURPOSE_LIST]

    # --- receipts ------------------------------------------------------------------------------------
    @property
    def key_id(self) -> str:
        return self._keys.signing_key_id

    def hub_key(self) -> dict[str, Any]:
        """The published keys that verify receipts, each with the time it signed from and until (the
        current one: until null), so receipts signed before a rotation still verify: ``GET /v1/hub-key``."""
        return receipts.hub_key_document(
            [(k.public_key, k.valid_from, k.valid_until) for k in self._keys.published_signing_keys()]
        )

    def receipt(self, actor: Actor, consent_id: str) -> bytes:
        """A receipt of the consent as it stands now, signed with the hub's key (and logged): the
        canonical JSON bytes, to be handed on exactly as they are."""
        now = self._clock()
        with self._engine.begin() as conn:
            record = self._party_record(conn, actor, consent_id)
            names = {
                org.id: org.name
                for org in (directory_repo.get_organisation(conn, o) for o in sorted(record.parties()))
                if org is not None
            }
            purpose: Purpose = PURPOSES[record.purpose]
            body = receipts.build_receipt(record, purpose, names, receipt_id=str(uuid.uuid4()), issued_at=now)
            evidence_repo.append(conn, actor, "consent.receipt", object_type="consent", object_id=consent_id, at=now)
            key = self._keys.ring("signing").current  # id and key from one reading of the keyring
            return receipts.canonical(receipts.sign_receipt(body, key.key_id, key.signer.sign))

    # --- helpers -------------------------------------------------------------------------------------
    def _party_record(self, conn: sa.Connection, actor: Actor, consent_id: str, *, lock: bool = False) -> ConsentRecord:
        record = repo.lock(conn, consent_id) if lock else repo.get(conn, consent_id)
        if record is None or actor.organisation_id not in record.parties():
            raise NotFound(f"No consent {consent_id} that names you.", code="consent_unknown")
        return record

    def _get(self, conn: sa.Connection, consent_id: str) -> ConsentRecord:
        record = repo.get(conn, consent_id)
        assert record is not None  # written in this transaction
        return record

    @staticmethod
    def _active_kind(conn: sa.Connection, org_id: str) -> str | None:
        org = directory_repo.get_organisation(conn, org_id)
        return None if org is None or org.disabled else org.kind

"""Referral (doorverwijzing, Flow 4): a municipality refers a household case to a debt-help organisation.

The municipality's adapter re-seals the identity for the debt-help organisation; the hub checks that the
case is one routed to that municipality, that a legal basis or consent lets the debt-help organisation
receive it (``debt_help_referral``), and that the case is not already in debt help. The debt-help
organisation collects the referral, then accepts it (a dossier opens) or declines it; either way the
sealed identity is deleted (data leaves once delivered), and the municipality hears which.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import case_views
from hub.db import directory as directory_repo
from hub.db import evidence as evidence_repo
from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.db.signals import add_events
from hub.domain import settlement_states as states
from hub.domain.evidence import Actor
from hub.errors import Conflict, InvalidParam, NotFound
from hub.services.consent import ConsentService
from hub.services.erased import check_not_erased
from hub.services.settlements import common
from schemas.v1.settlement import ReferralSchema

_WIRE = ReferralSchema()


class ReferralService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime], consent: ConsentService) -> None:
        self._engine, self._clock, self._consent = engine, clock, consent

    def refer(self, actor: Actor, body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Store a referral; ``(view, created)``. An identical resubmission returns the original."""
        wire = _WIRE.dump(body)
        referral_id, case_id, debt_help_id = wire["referral_id"], wire["case_id"], wire["debt_help_id"]
        body_digest = common.digest("referral", actor.organisation_id, wire)
        with self._engine.connect() as conn:
            old = repo.get_referral(conn, referral_id)
            if old is not None:
                if old.municipality_id != actor.organisation_id or old.body_digest != body_digest:
                    raise Conflict(
                        f"Referral id {referral_id} was used for another referral.", code="referral_id_reused"
                    )
                return self._view(conn, old, with_blob=False), False
            self._check_case(conn, actor, case_id)
        common.check_consent(self._consent, common.recipient(debt_help_id, "debt_help"), "debt_help_referral", case_id)
        now = self._clock()
        with self._engine.begin() as conn:
            self._check_recipient(conn, debt_help_id, body["sealed_identity"], now)
            if repo.active_dossier_for_case(conn, case_id) or repo.pending_referral_for_case(conn, case_id):
                raise Conflict("This case is already referred to debt help.", code="case_in_debt_help")
            row = {
                "id": referral_id,
                "case_id": case_id,
                "municipality_id": actor.organisation_id,
                "debt_help_id": debt_help_id,
                "state": "pending",
                "body_digest": body_digest,
                "created_at": now,
            }
            with common.conflicts(f"Referral id {referral_id} was used at the same moment.", "referral_id_reused"):
                repo.insert_referral(conn, row)
            messages_repo.insert_blobs(conn, [common.blob_row("referral", referral_id, body["sealed_identity"])])
            _event(conn, debt_help_id, "referral.received", referral_id, now)
            evidence_repo.append(conn, actor, "referral.create", object_type="referral", object_id=referral_id, at=now)
            return self._view(conn, repo.get_referral(conn, referral_id), with_blob=False), True

    def page(self, actor: Actor, *, state: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        """A municipality's referrals, or a debt-help organisation's incoming ones (with the sealed identity)."""
        column = "debt_help_id" if actor.kind == "debt_help" else "municipality_id"
        with self._engine.connect() as conn:
            rows = repo.page_referrals(conn, column, actor.organisation_id, state=state, after=after, limit=limit)
            return [self._view(conn, r, with_blob=actor.kind == "debt_help") for r in rows]

    def accept(self, actor: Actor, referral_id: str) -> str:
        """Accept: the dossier opens (state ``opened``) and the sealed identity is deleted. The dossier id."""
        now, dossier_id = self._clock(), str(uuid.uuid4())
        with self._engine.begin() as conn:
            referral = self._addressed(conn, actor, referral_id)
            if repo.active_dossier_for_case(conn, referral.case_id) is not None:
                raise Conflict("This case already has an active dossier.", code="case_in_debt_help")
            self._decide(conn, referral, "accepted", None, now)
            with common.conflicts("This case got an active dossier at the same moment.", "case_in_debt_help"):
                repo.insert_dossier(
                    conn,
                    {
                        "id": dossier_id,
                        "case_id": referral.case_id,
                        "active_case_id": referral.case_id,
                        "referral_id": referral.id,
                        "municipality_id": referral.municipality_id,
                        "debt_help_id": actor.organisation_id,
                        "state": states.OPENED,
                        "opened_at": now,
                        "updated_at": now,
                    },
                )
            _event(conn, referral.municipality_id, "referral.accepted", referral.id, now)
            evidence_repo.append_many(
                conn, actor, "referral.accept", object_type="referral", object_ids=[referral.id], at=now
            )
            evidence_repo.append(conn, actor, "dossier.open", object_type="dossier", object_id=dossier_id, at=now)
        return dossier_id

    def decline(self, actor: Actor, referral_id: str, reason: str) -> dict[str, Any]:
        now = self._clock()
        with self._engine.begin() as conn:
            referral = self._addressed(conn, actor, referral_id)
            self._decide(conn, referral, "declined", reason, now)
            _event(conn, referral.municipality_id, "referral.declined", referral.id, now)
            evidence_repo.append(conn, actor, "referral.decline", object_type="referral", object_id=referral.id, at=now)
            return self._view(conn, repo.get_referral(conn, referral_id), with_blob=True)

    # --- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _check_case(conn: sa.Connection, actor: Actor, case_id: str) -> None:
        """The case must be one whose signals were routed to the referring municipality."""
        case = case_views.find(conn, case_id)
        if case is None or case.municipality_id != actor.organisation_id:
            check_not_erased(conn, case_id, municipality_id=actor.organisation_id)
            raise NotFound(f"No case {case_id} of yours.", code="case_unknown")

    def _check_recipient(
        self, conn: sa.Connection, debt_help_id: str, blob: Mapping[str, Any], now: dt.datetime
    ) -> None:
        org = directory_repo.get_organisation(conn, debt_help_id)
        if org is None or org.disabled or org.kind != "debt_help":
            reason = "Name a registered, active debt-help organisation."
            common.refuse([InvalidParam("debt_help_id", reason)], reason)
        keys = common.encryption_keys(conn, [debt_help_id])
        problems = common.check_blob(keys, blob, debt_help_id, now, "sealed_identity")
        common.refuse(problems, "The identity is not sealed for the debt-help organisation.")

    @staticmethod
    def _addressed(conn: sa.Connection, actor: Actor, referral_id: str) -> sa.Row[Any]:
        referral = repo.get_referral(conn, referral_id)
        if referral is None or referral.debt_help_id != actor.organisation_id:
            raise NotFound(f"No referral {referral_id} to you.", code="referral_unknown")
        return referral

    @staticmethod
    def _decide(conn: sa.Connection, referral: Any, state: str, reason: str | None, now: dt.datetime) -> None:
        if not repo.decide_referral(conn, referral.id, state, reason, now):
            raise Conflict(f"The referral was already {referral.state}.", code="referral_decided")
        messages_repo.delete_blob(conn, "referral", referral.id)

    @staticmethod
    def _view(conn: sa.Connection, row: Any, *, with_blob: bool) -> dict[str, Any]:
        blob = messages_repo.blobs(conn, "referral", [row.id]).get(row.id) if with_blob else None
        view = {c: getattr(row, c) for c in ("id", "seq", "case_id", "municipality_id", "debt_help_id", "state")}
        view |= {"decline_reason": row.decline_reason, "created_at": row.created_at, "decided_at": row.decided_at}
        view["sealed_identity"] = common.blob_view(blob)
        return view


def _event(conn: sa.Connection, recipient_id: str, event_type: str, referral_id: str, now: dt.datetime) -> None:
    add_events(
        conn,
        [
            {
                "recipient_id": recipient_id,
                "event_type": event_type,
                "object_type": "referral",
                "object_id": referral_id,
                "created_at": now,
            }
        ],
    )

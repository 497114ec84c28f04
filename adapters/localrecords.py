"""Outcomes and referrals in the municipality's local store: what staff recorded (in the portal or a
case-system file) until ``signaal outcomes push`` sends it, and the referrals made with ``signaal refer``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from adapters import localviews as views
from adapters.localdb import StoreError, StoreFile, now
from schemas.v1 import ddas


class Records(StoreFile):
    """Outcomes (contact attempts and results, DDAS) and referrals; every method is one transaction."""

    # -- outcomes ----------------------------------------------------------------------------------------

    def record_contact(
        self, case_id: str, kind: str, reached: bool, date: dt.date, part_of_day: str | None, *, recorded_by: str
    ) -> tuple[int, bool]:
        """Record a contact attempt (DDAS ``kind``: Contactsoort, ``part_of_day``: Dagdeel or ``None``) as
        pending; ``(id, created)``, where ``created`` is ``False`` when the same attempt was recorded before."""
        if kind not in ddas.CONTACT_KINDS:
            raise StoreError(f"kind must be one of {', '.join(ddas.CONTACT_KINDS)}")
        if part_of_day is not None and part_of_day not in ddas.PARTS_OF_DAY:
            raise StoreError(f"part_of_day must be one of {', '.join(ddas.PARTS_OF_DAY)}")
        body = {"kind": kind, "reached": reached, "date": date.isoformat(), "part_of_day": part_of_day}
        return self._record(case_id, "contact", body, recorded_by)

    def record_result(self, case_id: str, result: str, date: dt.date, *, recorded_by: str) -> tuple[int, bool]:
        """Record the case's result (DDAS Eindresultaat) as pending; ``(id, created)`` as ``record_contact``."""
        if result not in ddas.RESULTS:
            raise StoreError("result must be a DDAS Eindresultaat (schemas.v1.ddas.RESULTS)")
        return self._record(case_id, "result", {"result": result, "date": date.isoformat()}, recorded_by)

    def _record(self, case_id: str, kind: str, body: Mapping[str, Any], recorded_by: str) -> tuple[int, bool]:
        if not self.knows(case_id):
            raise StoreError(f"report {case_id} is not in the local store; run `signaal reports pull`")
        text = json.dumps(body, sort_keys=True)
        digest = hashlib.sha256(f"{case_id}|{kind}|{text}".encode()).hexdigest()
        with self._connect() as conn:
            found = conn.execute("SELECT id FROM outcomes WHERE digest = ?", (digest,)).fetchone()
            if found is not None:
                return int(found["id"]), False
            cursor = conn.execute(
                "INSERT INTO outcomes (case_id, kind, body, digest, recorded_by, recorded_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                (case_id, kind, text, digest, recorded_by, now()),
            )
            return int(cursor.lastrowid or 0), True

    def outcomes(self, case_id: str | None = None, *, state: str | None = None) -> list[views.Outcome]:
        """Recorded outcomes, oldest first; of one report and/or in one state (pending, sent, rejected)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM outcomes WHERE (? IS NULL OR case_id = ?) AND (? IS NULL OR state = ?) ORDER BY id",
                (case_id, case_id, state, state),
            ).fetchall()
        return [
            views.Outcome(
                r["id"],
                r["case_id"],
                r["kind"],
                json.loads(r["body"]),
                r["recorded_by"],
                r["recorded_at"],
                r["state"],
                r["detail"],
            )
            for r in rows
        ]

    def mark_outcome(self, outcome_id: int, state: str, detail: str | None = None) -> None:
        """Set an outcome's state after sending it: ``sent``, or ``rejected`` with the hub's reason."""
        with self._connect() as conn:
            conn.execute("UPDATE outcomes SET state = ?, detail = ? WHERE id = ?", (state, detail, outcome_id))

    # -- referrals ---------------------------------------------------------------------------------------

    def plan_referral(self, referral_id: str, case_id: str, debt_help_id: str, purpose: str, body: str) -> None:
        """Keep a referral's exact request body (sealed identity, no plaintext) before it is posted, so that a
        retry posts the same bytes and the hub recognises it."""
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO referrals (referral_id, case_id, debt_help_id, purpose, state, created_at, body) "
                "VALUES (?, ?, ?, ?, 'planned', ?, ?)",
                (referral_id, case_id, debt_help_id, purpose, now(), body),
            )

    def mark_referral(self, referral_id: str, state: str) -> None:
        """A referral's state: the hub's (``pending``, ``accepted``, ``declined``), or ``refused`` when the hub
        kept nothing of it; its body is dropped."""
        with self._connect() as conn:
            conn.execute("UPDATE referrals SET state = ?, body = NULL WHERE referral_id = ?", (state, referral_id))

    def referrals(self, case_id: str | None = None) -> list[dict[str, Any]]:
        """Referrals made from here, oldest first: referral_id, case_id, debt_help_id, purpose, state
        (``planned`` while not confirmed by the hub), created_at, and body (while planned)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM referrals WHERE (? IS NULL OR case_id = ?) ORDER BY rowid",
                (case_id, case_id),
            ).fetchall()
        return [dict(r) for r in rows]

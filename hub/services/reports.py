"""Reports (Flow 3): per municipality one living report per household case, versioned; the inbox, the
acknowledgement that deletes the sealed identities the hub no longer needs, and the outcomes.

A report changes (and its version rises, with a ``report.updated`` event for the municipality in the same
transaction) when a signal joins its case, when cases merge or split, and when it is closed. The inbox is a
cursor over changes (``change_seq``); listing with ``unacknowledged`` is the completeness check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import case_views
from hub.db import evidence as evidence_repo
from hub.db import reports as repo
from hub.db import signals as signals_repo
from hub.domain import reports as rules
from hub.domain import signals as signal_rules
from hub.domain.evidence import Actor
from hub.errors import Conflict, NotFound
from hub.services.cases import CaseService
from hub.services.erased import check_not_erased


class ReportService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime], cases: CaseService) -> None:
        self._engine, self._clock, self._cases = engine, clock, cases

    def page(self, actor: Actor, *, after: int, limit: int, unacknowledged: bool) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            rows = repo.page(conn, actor.organisation_id, after=after, limit=limit, unacknowledged=unacknowledged)
            summaries = case_views.summaries(conn, [r.case_id for r in rows])
        return [{**_header(row), **_summary(summaries.get(row.case_id))} for row in rows]

    def show(self, actor: Actor, case_id: str) -> dict[str, Any]:
        """The report: its header, the case (signals crisis first, persons, link reasons), the sealed
        identities not yet acknowledged, and what the municipality recorded."""
        with self._engine.connect() as conn:
            report = self._yours(conn, actor, case_id)
            case = self._cases.view(conn, self._cases.yours(conn, actor, case_id))
            signal_ids = [s["id"] for s in case["signals"]]
            blobs = signals_repo.blobs_of(conn, signal_ids)
            contacts = repo.contacts(conn, case_id)
        case["signals"].sort(key=lambda s: (s.get("crisis") is None, s.get("signal_date")))
        for signal in case["signals"]:
            blob = blobs.get((signal["id"], "identity"))
            signal["sealed_identity"] = (
                None
                if blob is None
                else {
                    "recipient": blob.recipient_id,
                    "key_id": blob.key_id,
                    "suite": blob.suite,
                    "ciphertext": blob.ciphertext,
                }
            )
        return {
            **_header(report),
            "case": case,
            "contacts": [
                {"kind": c.kind, "reached": c.reached, "date": c.contacted_on, "part_of_day": c.part_of_day}
                for c in contacts
            ],
        }

    def acknowledge(self, actor: Actor, case_id: str, version: int) -> dict[str, Any]:
        """The municipality holds this version: delete the sealed identities of its signals (data leaves
        once delivered) and tell each creditor its signal was delivered."""
        now = self._clock()
        with self._engine.begin() as conn:
            report = self._yours(conn, actor, case_id)
            if version != report.version:
                raise Conflict(
                    f"The report is at version {report.version}; fetch it again and acknowledge that.",
                    code="report_version_changed",
                )
            evidence_repo.append(conn, actor, "report.acknowledge", object_type="report", object_id=case_id, at=now)
            events = []
            for signal_id in case_views.member_ids(conn, case_id):
                signals_repo.delete_blob(conn, signal_id, "identity")
                row = signals_repo.get(conn, signal_id)
                if row is not None and row.state == "received":
                    signals_repo.set_state(conn, signal_id, "delivered", None, now)
                    events.append(
                        {
                            "recipient_id": row.creditor_id,
                            "event_type": "signal.delivered",
                            "object_type": "signal",
                            "object_id": signal_id,
                            "created_at": now,
                        }
                    )
            signals_repo.add_events(conn, events)
            repo.update(
                conn,
                case_id,
                acknowledged_version=version,
                state="in_progress" if report.state == "new" else report.state,
            )
        return self.show(actor, case_id)

    def record_contact(self, actor: Actor, case_id: str, attempt: Mapping[str, Any]) -> dict[str, Any]:
        now = self._clock()
        with self._engine.begin() as conn:
            report = self._live(conn, actor, case_id)
            evidence_repo.append(conn, actor, "report.contact", object_type="report", object_id=case_id, at=now)
            repo.add_contact(
                conn,
                {
                    "case_id": case_id,
                    "kind": attempt["kind"],
                    "reached": attempt["reached"],
                    "contacted_on": attempt["date"],
                    "part_of_day": attempt.get("part_of_day"),
                    "recorded_at": now,
                },
            )
            if report.state == "new":
                repo.update(conn, case_id, state="in_progress")
        return self.show(actor, case_id)

    def record_result(self, actor: Actor, case_id: str, result: str, on: dt.date) -> dict[str, Any]:
        """Close the report with its DDAS result; each creditor learns only picked up or the lawful
        not-picked-up reason for its own signal."""
        now = self._clock()
        status = rules.signal_status_for(result)
        with self._engine.begin() as conn:
            self._live(conn, actor, case_id)
            evidence_repo.append(conn, actor, "report.result", object_type="report", object_id=case_id, at=now)
            events = []
            for signal_id in case_views.member_ids(conn, case_id):
                row = signals_repo.get(conn, signal_id)
                state = signal_rules.state_for_outcome(status)
                if row is None or (row.state == state and row.state_reason == _reason(status)):
                    continue
                signals_repo.set_state(conn, signal_id, state, _reason(status), now)
                events.append(
                    {
                        "recipient_id": row.creditor_id,
                        "event_type": "signal.state_changed",
                        "object_type": "signal",
                        "object_id": signal_id,
                        "created_at": now,
                    }
                )
            signals_repo.add_events(conn, events)
            repo.update(conn, case_id, result=result, result_on=on, state="closed", updated_at=now)
        return self.show(actor, case_id)

    def _yours(self, conn: sa.Connection, actor: Actor, case_id: str) -> sa.Row[Any]:
        report = repo.get(conn, case_id)
        if report is None or report.municipality_id != actor.organisation_id:
            check_not_erased(conn, case_id, municipality_id=actor.organisation_id)
            raise NotFound(f"No report {case_id} of yours.", code="report_unknown")
        return report

    def _live(self, conn: sa.Connection, actor: Actor, case_id: str) -> sa.Row[Any]:
        """A report that can still change: a merged one only points at the case it was merged into."""
        report = self._yours(conn, actor, case_id)
        if report.state == "merged":
            into = case_views.find(conn, case_id)
            raise Conflict(
                f"This report was merged into {getattr(into, 'id', 'another report')}; record it there.",
                code="report_merged",
            )
        return report


def _summary(summary: sa.Row[Any] | None) -> dict[str, Any]:
    if summary is None:  # a merged report: its signals are in the case it was merged into
        return {"signal_count": 0, "crisis_date": None}
    return {"signal_count": summary.signal_count, "crisis_date": summary.crisis_date}


def _reason(status: str) -> str | None:
    return None if status == signal_rules.PICKED_UP else status


def _header(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": row.case_id,
        "version": row.version,
        "change_seq": row.change_seq,
        "state": row.state,
        "acknowledged_version": row.acknowledged_version,
        "result": row.result,
        "result_on": row.result_on,
        "updated_at": row.updated_at,
    }

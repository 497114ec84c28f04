"""Deadlines for creditors' answers, chased by the scheduler: one reminder to the creditor before the
deadline, one escalation to the debt-help organisation after it.

Exactly once each, whatever runs: the scheduler lock keeps one scheduler active, and the job is idempotent
on its own. Each reminder or escalation is claimed with a conditional UPDATE (``... WHERE reminder_sent_at IS
NULL``) in the same transaction as its message, outbox event and evidence; a second run, or a second
process, finds the row already claimed (PostgreSQL re-checks the condition after the first commits; SQLite
serialises writers), so it sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import settlement_messages as messages_repo
from hub.db import settlements as repo
from hub.domain import convenants as rules
from hub.services.settlements import common


@dataclass
class DeadlineStats:
    reminded: int = 0
    escalated: int = 0


def start(
    conn: sa.Connection,
    participant: Any,
    request: str,
    message_id: str,
    *,
    convenant: rules.Convenant | None,
    now: dt.datetime,
) -> rules.Deadline:
    """Open the deadline of a request to a creditor (closing the one it replaces) and return it."""
    due = rules.deadline(convenant, now)
    messages_repo.close_deadlines(conn, [participant.id], now)
    messages_repo.open_deadline(
        conn,
        {
            "participant_id": participant.id,
            "dossier_id": participant.dossier_id,
            "request": request,
            "request_message_id": message_id,
            "due_at": due.due_at,
            "remind_at": due.remind_at,
        },
    )
    return due


class DeadlineService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    def run_once(self, limit: int = 500) -> DeadlineStats:
        """Send the reminders and escalations that are due; safe to run concurrently and repeatedly."""
        now, stats = self._clock(), DeadlineStats()
        with self._engine.connect() as conn:
            reminders = messages_repo.due_reminders(conn, now, limit)
            escalations = messages_repo.due_escalations(conn, now, limit)
        for deadline in reminders:
            stats.reminded += self._one(deadline, now, "reminder")
        for deadline in escalations:
            stats.escalated += self._one(deadline, now, "escalation")
        return stats

    def _one(self, deadline: Any, now: dt.datetime, kind: str) -> int:
        """One reminder or escalation in its own transaction; 0 when another run claimed it first."""
        with self._engine.begin() as conn:
            claim = messages_repo.claim_reminder if kind == "reminder" else messages_repo.claim_escalation
            if not claim(conn, deadline.id, now):
                return 0
            participant = repo.participation(conn, deadline.participant_id)
            if participant is None or participant.creditor_id is None:
                return 0
            facts: Mapping[str, Any] = {
                "request": deadline.request,
                "request_message_id": deadline.request_message_id,
                "due_at": deadline.due_at.isoformat(),
            }
            if kind == "reminder":
                to = participant.creditor_id
            else:
                to, facts = participant.debt_help_id, {**facts, "creditor_id": participant.creditor_id}
            message = common.Message(kind, deadline.dossier_id, participant.id, common.HUB_SENDER, to, facts)
            common.store(conn, common.SCHEDULER_ACTOR, [message], now)
        return 1

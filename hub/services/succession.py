"""A municipality that merged away: its open reports move to the successor.

Run by the operator when a merger takes effect (`hub org succeed OLD NEW`). The routing table already
refuses new signals for the old code (``municipality_merged``). Open cases, their reports and signals move to
the successor, each report's version rises (the successor hears ``report.updated``), and the old organisation is
disabled so that its keys are no longer offered to adapters. Identities still sealed for the old municipality's
key can be opened only with that key: the successor takes over the merged municipality's key files with its
staff and systems, as happens in a real merger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import directory as directory_repo
from hub.db import evidence as evidence_repo
from hub.db.tables import case_signals, cases, reports, signals
from hub.domain.evidence import Actor
from hub.errors import InvalidParam, ValidationFailed
from hub.services.report_changes import record_changes


class SuccessionService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    def succeed(self, actor: Actor, old_id: str, new_id: str) -> int:
        """Move ``old_id``'s open reports to ``new_id``; returns how many moved."""
        now = self._clock()
        with self._engine.begin() as conn:
            old, new = directory_repo.get_organisation(conn, old_id), directory_repo.get_organisation(conn, new_id)
            problems = [
                InvalidParam(name, "Must be a registered municipality.")
                for name, org in (("old", old), ("new", new))
                if org is None or org.kind != "municipality"
            ]
            if old_id == new_id:
                problems.append(InvalidParam("new", "Must differ from the old municipality."))
            if problems:
                raise ValidationFailed("A succession needs two different municipalities.", invalid_params=problems)
            evidence_repo.append(
                conn, actor, "municipality.succeed", object_type="organisation", object_id=old_id, at=now
            )
            moving = list(
                conn.execute(
                    sa.select(cases.c.id)
                    .outerjoin(reports, reports.c.case_id == cases.c.id)
                    .where(
                        cases.c.municipality_id == old_id,
                        cases.c.state == "open",
                        sa.or_(reports.c.state.is_(None), reports.c.state != "closed"),
                    )
                ).scalars()
            )
            member_ids = list(
                conn.execute(sa.select(case_signals.c.signal_id).where(case_signals.c.case_id.in_(moving))).scalars()
            )
            conn.execute(cases.update().where(cases.c.id.in_(moving)).values(municipality_id=new_id, updated_at=now))
            conn.execute(case_signals.update().where(case_signals.c.case_id.in_(moving)).values(municipality_id=new_id))
            conn.execute(signals.update().where(signals.c.id.in_(member_ids)).values(municipality_id=new_id))
            record_changes(conn, member_ids, "succession", now)
            directory_repo.set_disabled(conn, old_id, True, now)
        return len(moving)

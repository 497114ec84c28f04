"""Use cases of a municipality on its household cases: list them, read one with the reasons for every
link, and correct the matching (split signals out of a case, merge two cases).

A split is remembered: the moved signals and those that stayed are never linked again automatically,
and a later signal that matches both sides joins only the better one. A merge by the municipality lifts
such a block between the two cases. Corrections are in the evidence log (``case.split``, ``case.merge``).
They write no outbox event: the municipality made them itself, and creditors may learn nothing of
cases (Wgs: only whether their signal was picked up).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import case_views as views
from hub.db import cases as repo
from hub.db import evidence as evidence_repo
from hub.domain import match_levels
from hub.domain.evidence import Actor
from hub.errors import InvalidParam, NotFound, ValidationFailed
from hub.services.erased import check_not_erased
from hub.services.report_changes import record_changes


class CaseService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    # --- reading ----------------------------------------------------------------------------------
    def page(self, actor: Actor, *, after: int, limit: int, signal_id: str | None = None) -> list[dict[str, Any]]:
        """Your open cases in order of opening; with ``signal_id``, the case holding that signal."""
        with self._engine.connect() as conn:
            if signal_id is not None:
                found = views.case_of_signal(conn, signal_id)
                row = views.find(conn, found) if found else None
                rows = [row] if row is not None and row.municipality_id == actor.organisation_id else []
            else:
                rows = views.page(conn, actor.organisation_id, after=after, limit=limit)
            summaries = views.summaries(conn, [r.id for r in rows])
        return [_summary(row, summaries.get(row.id)) for row in rows]

    def show(self, actor: Actor, case_id: str) -> dict[str, Any]:
        """One case (a merged case id leads to the case it was merged into) with its signals, persons and
        the link explanations."""
        with self._engine.connect() as conn:
            return self.view(conn, self.yours(conn, actor, case_id))

    def view(self, conn: sa.Connection, case: sa.Row[Any]) -> dict[str, Any]:
        members = views.members(conn, case.id)
        ids = [m.id for m in members]
        people: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in views.persons(conn, ids):
            people[record.person_id].append({"signal_id": record.signal_id, "debtor": record.debtor})
        return {
            "id": case.id,
            "state": case.state,
            "origin": case.origin,
            "split_from": case.split_from,
            "opened_at": case.opened_at,
            "updated_at": case.updated_at,
            "signals": [_signal(m) for m in members],
            "persons": [{"id": person_id, "records": records} for person_id, records in people.items()],
            "links": [_link(link) for link in views.links(conn, ids)],
            "merged_from": [
                {"case_id": m.id, "merged_by": m.merged_by, "merged_at": m.updated_at}
                for m in views.merged_from(conn, case.id)
            ],
        }

    def yours(self, conn: sa.Connection, actor: Actor, case_id: str) -> sa.Row[Any]:
        row = views.find(conn, case_id)
        if row is None or row.municipality_id != actor.organisation_id:
            check_not_erased(conn, case_id, municipality_id=actor.organisation_id)
            raise NotFound(f"No case {case_id} of yours.", code="case_unknown")
        return row

    # --- corrections ------------------------------------------------------------------------------
    def split(self, actor: Actor, case_id: str, signal_ids: Sequence[str]) -> dict[str, Any]:
        """Move ``signal_ids`` out of the case into a new case of their own; remember the split."""
        now, new_id = self._clock(), str(uuid.uuid4())
        with self._engine.begin() as conn:
            # evidence first: it takes the chain lock that signal submission takes before the match lock
            evidence_repo.append_many(
                conn, actor, "case.split", object_type="case", object_ids=[case_id, new_id], at=now
            )
            repo.lock(conn)
            case = self.yours(conn, actor, case_id)
            members = set(views.member_ids(conn, case.id))
            outside = [
                InvalidParam(f"signal_ids.{i}", "This signal is not in the case.")
                for i, s in enumerate(signal_ids)
                if s not in members
            ]
            if outside:
                raise ValidationFailed("Only signals of this case can be split out of it.", invalid_params=outside)
            moving = set(signal_ids)
            remaining = members - moving
            if not remaining:
                raise ValidationFailed(
                    "A split must leave at least one signal in the case.",
                    invalid_params=[InvalidParam("signal_ids", "Name fewer signals than the case holds.")],
                )
            repo.open_case(conn, new_id, case.municipality_id, now, split_from=case.id)
            repo.move_signals(conn, moving, new_id)
            records = views.persons(conn, members)
            staying = {r.person_id for r in records if r.signal_id in remaining}
            for person_id in sorted({r.person_id for r in records if r.signal_id in moving} & staying):
                repo.rename_person(conn, moving, person_id, str(uuid.uuid4()))
            repo.delete_links_between(conn, moving, remaining)
            repo.add_blocks(conn, [(a, b) for a in moving for b in remaining], now)
            repo.touch(conn, [case.id], now)
            record_changes(conn, members, "split", now)
            return self.view(conn, self.yours(conn, actor, new_id))

    def merge(self, actor: Actor, case_id: str, other_case_id: str) -> dict[str, Any]:
        """Merge ``other_case_id`` into ``case_id``, lifting any split between their signals."""
        now = self._clock()
        with self._engine.begin() as conn:
            evidence_repo.append_many(
                conn, actor, "case.merge", object_type="case", object_ids=[case_id, other_case_id], at=now
            )
            repo.lock(conn)
            case, other = self.yours(conn, actor, case_id), self.yours(conn, actor, other_case_id)
            if case.id == other.id:
                raise ValidationFailed(
                    "These are already one case.",
                    invalid_params=[InvalidParam("case_id", "Name another case than this one.")],
                )
            repo.remove_blocks_between(conn, views.member_ids(conn, case.id), views.member_ids(conn, other.id))
            repo.merge_cases(conn, into=case.id, absorbed=other.id, by="municipality", at=now)
            repo.touch(conn, [case.id], now)
            record_changes(conn, views.member_ids(conn, case.id), "merge", now)
            return self.view(conn, self.yours(conn, actor, case.id))


def _summary(row: sa.Row[Any], summary: sa.Row[Any] | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "seq": row.seq,
        "origin": row.origin,
        "opened_at": row.opened_at,
        "updated_at": row.updated_at,
        "signal_count": summary.signal_count if summary else 0,
        "crisis_date": summary.crisis_date if summary else None,
        "last_signal_date": summary.last_signal_date if summary else None,
    }


def _signal(row: sa.Row[Any]) -> dict[str, Any]:
    view = {
        name: getattr(row, name)
        for name in (
            "id",
            "creditor_id",
            "sector",
            "status",
            "amount_cents",
            "arrears_since",
            "signal_date",
            "warm_handover",
            "state",
            "supersedes",
            "repeat_of",
            "received_at",
            "joined_at",
        )
    }
    view["crisis"] = {"kind": row.crisis_kind, "date": row.crisis_date} if row.crisis_kind else None
    return view


def _link(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "signal_id": row.signal_id,
        "debtor": row.debtor,
        "target_signal_id": row.target_signal_id,
        "target_debtor": row.target_debtor,
        "level": row.level,
        "score": row.score,
        "agreed": list(match_levels.ordered(match_levels.mask_kinds(row.agreed))),
        "disagreed": list(match_levels.ordered(match_levels.mask_kinds(row.disagreed))),
        "created_at": row.created_at,
    }

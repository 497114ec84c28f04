"""Statistics per municipality and period, without identifiers; counts under ten are suppressed (null), and so
is every share or median built on them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy.engine import Engine

from hub.db import statistics as repo
from hub.domain import reports as rules
from hub.domain.evidence import Actor


class StatisticsService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def period(self, actor: Actor, first: dt.date, last: dt.date) -> dict[str, Any]:
        with self._engine.connect() as conn:
            rows = repo.period_rows(conn, actor.organisation_id, first, last)
            cases = sorted({r.case_id for r in rows})
            reached = repo.reached_cases(conn, cases)
            results = repo.results(conn, cases)
        creditors: dict[str, set[str]] = defaultdict(set)
        crisis: set[str] = set()
        for row in rows:
            creditors[row.case_id].add(row.creditor_id)
            if row.crisis_kind:
                crisis.add(row.case_id)
        households = len(cases)
        helped = sum(1 for result in results.values() if result in rules.HELP_RESULTS)
        return {
            "from": first,
            "to": last,
            "suppressed_below": rules.SMALL_COUNT,
            "signals": rules.suppress(len(rows)),
            "signals_by_sector": rules.suppressed_counts(Counter(r.sector for r in rows)),
            "households": rules.suppress(households),
            "multi_creditor_share": rules.share(sum(1 for c in creditors.values() if len(c) > 1), households),
            "crisis_share": rules.share(len(crisis), households),
            "contact_rate": rules.share(len(reached), households),
            "help_acceptance_rate": rules.share(helped, len(reached)),
            "median_arrears_cents": rules.median_cents([r.amount_cents for r in rows]),
        }

"""Use case: link newly stored signals into household cases, in the transaction that stores them.

For each new signal, in order of arrival: blocking (stored signals of the same municipality, within the
linking window, sharing at least one token), Fellegi-Sunter scoring and the decision
(``hub.domain.matching``), then storage: the case it joins or opens, the cases it bridges (merged), the
person of each debtor, the link explanations, and the repeat-report flag. The municipality hears of a
merge it did not ask for (``case.merged``); a new signal already reaches it as ``signal.received``.
Creditors hear nothing of cases: the law lets them learn only whether their signal was picked up.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hub.db import cases as repo
from hub.db import signals as signals_repo
from hub.domain import match_levels, matching
from hub.domain.match_model import MatchModel, MatchModelError, build_model
from hub.settings import Settings, SettingsError

_TokenRefs = Mapping[bytes, list[tuple[str, int | None]]]


class Matcher:
    def __init__(self, model: MatchModel) -> None:
        self._model = model

    def link(
        self,
        conn: sa.Connection,
        rows: Sequence[Mapping[str, Any]],
        tokens: Iterable[Mapping[str, Any]],
        now: dt.datetime,
    ) -> None:
        """Link ``rows`` (the signal rows just inserted) using their re-keyed ``tokens``, in order, so a
        signal can join one stored earlier in the same batch."""
        if not rows:
            return
        repo.lock(conn)
        by_signal: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for token in tokens:
            by_signal[token["signal_id"]].append(token)
        done = _Written()
        for row in rows:
            self._link_one(conn, row, by_signal[row["id"]], now, done)
        # explanations and timestamps are never read while linking: one statement each for the batch
        repo.add_links(conn, done.links)
        repo.touch(conn, done.touched, now)
        signals_repo.add_events(conn, done.events)

    def _link_one(
        self,
        conn: sa.Connection,
        row: Mapping[str, Any],
        tokens: Sequence[Mapping[str, Any]],
        now: dt.datetime,
        done: _Written,
    ) -> None:
        probe, refs = _probe(row, tokens)
        window = dt.timedelta(days=self._model.window_days)
        hits = repo.token_hits(conn, list(refs), per_token=self._model.rows_per_token)
        records = [
            record
            for record in repo.candidate_records(conn, {hit.signal_id for hit in hits} - {probe.signal_id})
            if record.municipality_id == row["municipality_id"]
            and abs(record.signal_date - probe.signal_date) <= window
        ]
        candidates = _candidates(hits, records, refs)
        assessment = matching.assess(probe, candidates, self._model)
        case_ids = {c.case_id for c in assessment.cases} | {p.case_id for p in assessment.persons}
        decision = matching.plan(assessment, repo.blocked_pairs(conn, case_ids))
        self._apply(conn, row, probe, decision, now=now, done=done)

    def _apply(
        self,
        conn: sa.Connection,
        row: Mapping[str, Any],
        probe: matching.Probe,
        plan: matching.Plan,
        *,
        now: dt.datetime,
        done: _Written,
    ) -> None:
        if plan.case is None:
            case_id = str(uuid.uuid4())
            repo.open_case(conn, case_id, row["municipality_id"], now)
        else:
            case_id = plan.case.case_id
            done.touched.add(case_id)
        for merged in plan.merged:
            repo.merge_cases(conn, into=case_id, absorbed=merged.case_id, by="signal", at=now)
            done.merged(row["municipality_id"], merged.case_id, now)
        repo.add_member(
            conn,
            {
                "signal_id": probe.signal_id,
                "case_id": case_id,
                "municipality_id": row["municipality_id"],
                "creditor_id": probe.creditor_id,
                "signal_date": probe.signal_date,
                "amount_cents": probe.amount_cents,
                "active": probe.active,
                "kinds": match_levels.kinds_mask(probe.household_kinds),
                "repeat_of": plan.repeat_of,
                "joined_at": now,
            },
        )
        links = [m.link for m in (plan.case, *plan.merged) if m is not None]
        links.extend(self._persons(conn, probe, plan))
        done.links.extend(_link_row(probe.signal_id, link, now) for link in links)

    def _persons(self, conn: sa.Connection, probe: matching.Probe, plan: matching.Plan) -> list[matching.Link]:
        """Store the person of each debtor (a matched one or a new one), merge in the other persons it
        bridges where they may be one, and return the person links."""
        rows, links = [], []
        for debtor, kinds in sorted(probe.debtors.items()):
            match = plan.persons.get(debtor)
            person_id = match.person_id if match else str(uuid.uuid4())
            rows.append(
                {
                    "signal_id": probe.signal_id,
                    "debtor": debtor,
                    "person_id": person_id,
                    "kinds": match_levels.kinds_mask(kinds),
                }
            )
            links.extend([match.link] if match else [])
            for bridge in plan.bridges.get(debtor, ()):
                if self._compatible(conn, person_id, bridge.person_id):
                    repo.merge_persons(conn, into=person_id, absorbed=bridge.person_id)
                    links.append(bridge.link)
        repo.add_persons(conn, rows)
        return links

    def _compatible(self, conn: sa.Connection, person_id: str, other_id: str) -> bool:
        """Whether two persons may be one: never co-debtors on one signal, and no pair of their records
        in hard conflict (dates of birth or BSNs that differ)."""
        records = repo.person_records(conn, [person_id, other_id])
        sides: dict[str, list[sa.Row[Any]]] = defaultdict(list)
        for record in records:
            sides[record.person_id].append(record)
        if {r.signal_id for r in sides[person_id]} & {r.signal_id for r in sides[other_id]}:
            return False
        tokens: dict[tuple[str, int | None], dict[str, set[bytes]]] = defaultdict(lambda: defaultdict(set))
        for token in repo.tokens_of(conn, {r.signal_id for r in records}):
            tokens[(token.signal_id, token.debtor)][token.kind].add(token.token_hash)
        for one in sides[person_id]:
            for other in sides[other_id]:
                mine, theirs = tokens[(one.signal_id, one.debtor)], tokens[(other.signal_id, other.debtor)]
                agreed = {kind for kind in mine.keys() & theirs.keys() if mine[kind] & theirs[kind]}
                if match_levels.hard_conflict(
                    agreed, match_levels.mask_kinds(one.kinds), match_levels.mask_kinds(other.kinds)
                ):
                    return False
        return True


@dataclass
class _Written:
    """What linking a batch leaves to write once at its end."""

    links: list[dict[str, Any]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)

    def merged(self, municipality_id: str, absorbed: str, now: dt.datetime) -> None:
        """The municipality hears of a merge it did not make: a case it holds now lives on in another."""
        self.events.append(
            {
                "recipient_id": municipality_id,
                "event_type": "case.merged",
                "object_type": "case",
                "object_id": absorbed,
                "created_at": now,
            }
        )


def _probe(row: Mapping[str, Any], tokens: Sequence[Mapping[str, Any]]) -> tuple[matching.Probe, _TokenRefs]:
    refs: dict[bytes, list[tuple[str, int | None]]] = defaultdict(list)
    debtors: dict[int, set[str]] = defaultdict(set)
    household: set[str] = set()
    for token in tokens:
        refs[bytes(token["token_hash"])].append((token["kind"], token["debtor"]))
        if token["debtor"] is None:
            household.add(token["kind"])
        else:
            debtors[token["debtor"]].add(token["kind"])
    probe = matching.Probe(
        signal_id=row["id"],
        creditor_id=row["creditor_id"],
        signal_date=row["signal_date"],
        amount_cents=row["amount_cents"],
        active=row["status"] == "active",
        supersedes=row.get("supersedes"),
        household_kinds=frozenset(household),
        debtors={debtor: frozenset(kinds) for debtor, kinds in debtors.items()},
    )
    return probe, refs


def _candidates(
    hits: Sequence[sa.Row[Any]], records: Sequence[sa.Row[Any]], refs: _TokenRefs
) -> list[matching.Candidate]:
    """Candidates from their records (one per debtor record) and the probe's tokens they share (hits)."""
    found: dict[str, matching.Candidate] = {}
    for record in records:
        candidate = found.get(record.signal_id)
        if candidate is None:
            candidate = found[record.signal_id] = matching.Candidate(
                signal_id=record.signal_id,
                case_id=record.case_id,
                creditor_id=record.creditor_id,
                signal_date=record.signal_date,
                amount_cents=record.amount_cents,
                active=record.active,
                household_kinds=match_levels.mask_kinds(record.kinds),
            )
        if record.person_id is not None:  # none when no debtor of the signal carries a person token
            candidate.debtors[record.debtor] = matching.CandidateDebtor(
                record.debtor, record.person_id, match_levels.mask_kinds(record.person_kinds)
            )
    for hit in hits:
        candidate = found.get(hit.signal_id)
        if candidate is None:
            continue
        for kind, debtor in refs[bytes(hit.token_hash)]:
            if debtor is None:
                candidate.agreed.add(kind)
            elif hit.debtor in candidate.debtors:
                candidate.debtors[hit.debtor].agreed.setdefault(debtor, set()).add(kind)
    return sorted(found.values(), key=lambda candidate: candidate.signal_id)


def _link_row(signal_id: str, link: matching.Link, now: dt.datetime) -> dict[str, Any]:
    return {
        "signal_id": signal_id,
        "debtor": link.debtor,
        "target_signal_id": link.target_signal_id,
        "target_debtor": link.target_debtor,
        "level": link.level,
        "score": round(link.score, 2),
        "agreed": match_levels.kinds_mask(link.agreed),
        "disagreed": match_levels.kinds_mask(link.disagreed),
        "created_at": now,
    }


def load_model(settings: Settings) -> MatchModel:
    """The matching model of these settings: defaults, the model file's m/u values, the thresholds."""
    overrides: Any = None
    if settings.match_model_file is not None:
        try:
            overrides = json.loads(settings.match_model_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(f"HUB_MATCH_MODEL_FILE cannot be read as JSON: {exc}") from exc
        if not isinstance(overrides, Mapping):
            raise SettingsError("HUB_MATCH_MODEL_FILE must hold a JSON object")
    try:
        return build_model(
            overrides,
            person_threshold=settings.match_person_threshold,
            household_threshold=settings.match_household_threshold,
            window_days=settings.match_window_days,
        )
    except MatchModelError as exc:
        raise SettingsError(f"HUB_MATCH_MODEL_FILE: {exc}") from exc

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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa

from hub.db import cases as repo
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
    ) -> Linked:
        """Link ``rows`` (the signal rows just inserted) using their re-keyed ``tokens``, in order, so a
        signal can join one stored earlier in the same batch; returns where they ended up.

        Blocking reads for the whole batch at once: the stored tokens do not change while it links (the
        batch's own are already stored), and the case records of the signals they find are kept in
        ``_Batch`` as linking changes them. What linking writes waits in ``_Batch`` until the end of the
        batch, or until a rarer step (a merge, a person check, a split's blocks) reads the tables."""
        if not rows:
            return Linked({}, {})
        by_signal: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for token in tokens:
            by_signal[token["signal_id"]].append(token)
        probes = [_probe(row, by_signal[row["id"]]) for row in rows]
        hashes = {token_hash for _, refs in probes for token_hash in refs}
        hits = repo.lock_and_find(conn, hashes, per_token=self._model.rows_per_token)  # linking one at a time
        found = {hit.signal_id for found_hits in hits.values() for hit in found_hits}
        batch = _Batch(conn, now)
        batch.remember(repo.candidate_records(conn, found - {row["id"] for row in rows}))
        for row, (probe, refs) in zip(rows, probes, strict=True):
            self._link_one(batch, row, probe, refs, [hit for token_hash in refs for hit in hits[token_hash]])
        # explanations and events are never read while linking: written once, with the last records
        batch.flush(links=batch.links, events=batch.events)
        repo.touch(conn, batch.touched, now)
        return Linked({row["id"]: batch.by_signal[row["id"]][0].case_id for row in rows}, batch.absorbed)

    def _link_one(
        self,
        batch: _Batch,
        row: Mapping[str, Any],
        probe: matching.Probe,
        refs: _TokenRefs,
        hits: Sequence[sa.Row[Any]],
    ) -> None:
        window = dt.timedelta(days=self._model.window_days)
        records = [
            record
            for record in batch.records({hit.signal_id for hit in hits} - {probe.signal_id})
            if record.municipality_id == row["municipality_id"]
            and abs(record.signal_date - probe.signal_date) <= window
        ]
        candidates = _candidates(hits, records, refs)
        assessment = matching.assess(probe, candidates, self._model)
        case_ids = {c.case_id for c in assessment.cases} | {p.case_id for p in assessment.persons}
        decision = matching.plan(assessment, batch.blocked_pairs(case_ids))
        self._apply(batch, row, probe, decision)

    def _apply(self, batch: _Batch, row: Mapping[str, Any], probe: matching.Probe, plan: matching.Plan) -> None:
        now = batch.now
        if plan.case is None:
            case_id = str(uuid.uuid4())
            batch.cases.append(repo.new_case(case_id, row["municipality_id"], now))
        else:
            case_id = plan.case.case_id
            batch.touched.add(case_id)
        for merged in plan.merged:
            batch.merge_cases(into=case_id, absorbed=merged.case_id)
            batch.merged(row["municipality_id"], merged.case_id)
        member = {
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
        }
        links = [m.link for m in (plan.case, *plan.merged) if m is not None]
        persons, person_links = self._persons(batch, probe, plan)
        links.extend(person_links)
        batch.add_member(member, persons)
        batch.links.extend(_link_row(probe.signal_id, link, now) for link in links)

    def _persons(
        self, batch: _Batch, probe: matching.Probe, plan: matching.Plan
    ) -> tuple[list[dict[str, Any]], list[matching.Link]]:
        """The person of each debtor (a matched one or a new one), with the other persons it bridges merged
        in where they may be one; returns the person rows to store and the person links."""
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
                if self._compatible(batch, person_id, bridge.person_id):
                    batch.merge_persons(into=person_id, absorbed=bridge.person_id)
                    links.append(bridge.link)
        return rows, links

    def _compatible(self, batch: _Batch, person_id: str, other_id: str) -> bool:
        """Whether two persons may be one: never co-debtors on one signal, and no pair of their records
        in hard conflict (dates of birth or BSNs that differ)."""
        conn = batch.flush()
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


class Linked(NamedTuple):
    """Where a batch's signals ended up: the case now holding each (signal id -> case id), and the cases
    its signals merged away (case id -> the case that now holds their signals)."""

    case_of: dict[str, str]
    absorbed: dict[str, str]


class _Record(NamedTuple):
    """A row of ``repo.records_query``: a case member with one of its debtor records (or none)."""

    signal_id: str
    case_id: str
    municipality_id: str
    creditor_id: str
    signal_date: dt.date
    amount_cents: int
    active: bool
    kinds: int
    debtor: int | None
    person_id: str | None
    person_kinds: int | None


class _Batch:
    """One batch's linking state: the case records of the signals blocking found (stored ones read once,
    the batch's own added as they link, both kept as the database would show them after each merge), and
    the cases, members and persons not written yet. ``flush`` writes those before anything reads the
    tables; explanations, touched cases and events wait for the end."""

    def __init__(self, conn: sa.Connection, now: dt.datetime) -> None:
        self.conn, self.now = conn, now
        self.any_blocks: bool | None = None  # read when first needed: linking adds none
        self.by_signal: dict[str, list[_Record]] = {}
        self.cases: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []
        self.persons: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.touched: set[str] = set()
        self.absorbed: dict[str, str] = {}  # merged away in this batch -> the case holding their signals now
        self.events: list[dict[str, Any]] = []

    def remember(self, rows: Iterable[sa.Row[Any]]) -> None:
        for row in rows:
            record = _Record(**row._mapping)
            self.by_signal.setdefault(record.signal_id, []).append(record)

    def records(self, signal_ids: Iterable[str]) -> list[_Record]:
        """``repo.candidate_records`` of these signals as the database would answer now."""
        return [record for signal_id in sorted(signal_ids) for record in self.by_signal.get(signal_id, ())]

    def add_member(self, member: dict[str, Any], persons: list[dict[str, Any]]) -> None:
        self.members.append(member)
        self.persons.extend(persons)
        facts = {name: member[name] for name in _Record._fields[:8]}
        self.by_signal[member["signal_id"]] = [
            _Record(**facts, debtor=p["debtor"], person_id=p["person_id"], person_kinds=p["kinds"]) for p in persons
        ] or [_Record(**facts, debtor=None, person_id=None, person_kinds=None)]

    def blocked_pairs(self, case_ids: Collection[str]) -> set[frozenset[str]]:
        if len(case_ids) < 2:
            return set()
        if self.any_blocks is None:
            self.any_blocks = repo.any_blocks(self.conn)
        if not self.any_blocks:
            return set()
        return repo.blocked_pairs(self.flush(), case_ids)

    def merge_cases(self, *, into: str, absorbed: str) -> None:
        repo.merge_cases(self.flush(), into=into, absorbed=absorbed, by="signal", at=self.now)
        self._replace(lambda r: r.case_id == absorbed, case_id=into)
        self.absorbed = {case_id: into if target == absorbed else target for case_id, target in self.absorbed.items()}
        self.absorbed[absorbed] = into

    def merge_persons(self, *, into: str, absorbed: str) -> None:
        repo.merge_persons(self.flush(), into=into, absorbed=absorbed)
        self._replace(lambda r: r.person_id == absorbed, person_id=into)

    def _replace(self, where: Callable[[_Record], bool], **values: Any) -> None:
        for signal_id, records in self.by_signal.items():
            if any(where(r) for r in records):
                self.by_signal[signal_id] = [r._replace(**values) if where(r) else r for r in records]

    def flush(
        self, *, links: list[dict[str, Any]] | None = None, events: list[dict[str, Any]] | None = None
    ) -> sa.Connection:
        """Write the cases, members and persons so far (and ``links`` and ``events`` with them at the end);
        returns the connection, now up to date."""
        repo.add_records(
            self.conn, new_cases=self.cases, members=self.members, persons=self.persons, links=links, events=events
        )
        self.cases, self.members, self.persons = [], [], []
        return self.conn

    def merged(self, municipality_id: str, absorbed: str) -> None:
        """The municipality hears of a merge it did not make: a case it holds now lives on in another."""
        self.events.append(
            {
                "recipient_id": municipality_id,
                "event_type": "case.merged",
                "object_type": "case",
                "object_id": absorbed,
                "created_at": self.now,
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


def _candidates(hits: Sequence[sa.Row[Any]], records: Sequence[_Record], refs: _TokenRefs) -> list[matching.Candidate]:
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
        if record.debtor is not None and record.person_id is not None:  # none: no debtor has a person token
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

"""The early-warning half of the walk: creditors push their exports, municipalities receive one report per
household, open the identities sealed for them, record contacts and outcomes, and creditors hear back.

Everything a partner does goes over HTTP with its own signed requests and its adapter's functions. Only
counts, codes, dates and organisation ids are printed: the opened identities stay in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.municipality import Municipality
from adapters.push import Push
from adapters.state import PushState
from adapters.status import refresh_hub_states
from demo.parties import Partner
from demo.say import Say, plural

# The adapter's reason for a row whose municipality has no key at the hub (adapters.hubview.HubView.route).
_NOT_REGISTERED = "is not registered at the hub"


@dataclass
class Household:
    """One report as the municipality holds it: the hub's view, and the identities it opened locally (wire form)."""

    report: dict[str, Any]
    identities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def case_id(self) -> str:
        return str(self.report["id"])

    @property
    def creditors(self) -> set[str]:
        return {signal["creditor_id"] for signal in self.report["case"]["signals"]}


def push_exports(say: Say, creditors: list[Partner], exports: Path) -> None:
    """Each creditor pushes its export with the adapter: validate every row, route, seal, send in batches."""
    for partner in creditors:
        assert partner.config is not None and partner.spec.export is not None
        result = Push(partner.config).run(exports / partner.spec.export)
        counts = result.counts
        held = {p.line for p in result.problems if _NOT_REGISTERED in p.reason}
        defective = sorted({(p.line, p.field) for p in result.problems if p.line not in held})
        say.line(f"{partner.spec.role}: {result.path.name}, {plural(counts.rows, 'row')}")
        if defective:
            shown = ", ".join(f"line {line} ({name})" for line, name in defective)
            say.line(f"refused by the adapter before sending, with the reason in its report: {shown}", indent=2)
        if held:
            say.line(f"{plural(len(held), 'row')} for municipalities outside this demo: held back", indent=2)
        say.line(f"sent {plural(counts.sent, 'signal')} ({counts.created} new), sealed and signed", indent=2)


def receive_reports(say: Say, municipality: Partner) -> list[Household]:
    """``signaal reports pull`` (``adapters.municipality``): fetch the report inbox, open the sealed identities
    with the municipality's own key, store them locally, and only then acknowledge: the hub forgets them.

    A report whose case was merged into another one (a later signal linked two households' cases) only
    points at the live report, so the households are the reports that are not ``merged``."""
    assert municipality.config is not None
    local = Municipality(municipality.config)
    pulled = local.pull()
    reports = [local.store.report(case_id) for case_id in local.store.case_ids(include_merged=True)]
    households = [
        Household(r, list(local.store.identities(r["id"]).values())) for r in reports if r["state"] != "merged"
    ]
    signals = sum(len(h.report["case"]["signals"]) for h in households)
    multi = sum(len(h.creditors) > 1 for h in households)
    crisis = sum(any(s.get("crisis") for s in h.report["case"]["signals"]) for h in households)
    say.line(
        f"{municipality.spec.name}: {plural(len(households), 'household report')} from {plural(signals, 'signal')}; "
        f"{plural(multi, 'household')} with more than one creditor, {crisis} facing an eviction or end of supply"
    )
    if len(reports) > len(households):
        merged = len(reports) - len(households)
        say.line(
            f"{plural(merged, 'report')} more were merged: a later signal showed two cases were one household", indent=2
        )
    people = [identity for h in households for identity in h.identities]
    debtors = [d for identity in people for d in identity["debtors"]]
    say.line(
        f"opened {plural(len(people), 'sealed identity', 'sealed identities')} with its own private key: "
        f"{sum(len(i['debtors']) == 2 for i in people)} joint contracts, {sum('phone' in d for d in debtors)} "
        f"phone numbers, {sum('bsn' in d for d in debtors)} BSNs (health insurer only)",
        indent=2,
    )
    if pulled.result.acknowledged == len(reports):
        say.line("stored them and acknowledged every report: the hub deleted its sealed copies", indent=2)
    return households


def choose_household(households: list[Household]) -> Household:
    """The household the walk follows: the most creditors, then the most signals, then the oldest case."""
    ranked = sorted(
        households, key=lambda h: (-len(h.creditors), -len(h.report["case"]["signals"]), h.report["change_seq"])
    )
    return ranked[0]


def contact(municipality: Partner, household: Household, kind: str, reached: bool, part_of_day: str) -> None:
    body = {"kind": kind, "reached": reached, "date": dt.date.today().isoformat(), "part_of_day": part_of_day}
    household.report = municipality.post(f"/v1/municipality/reports/{household.case_id}/contacts", body)


def result(municipality: Partner, household: Household, outcome: str) -> None:
    body = {"result": outcome, "date": dt.date.today().isoformat()}
    household.report = municipality.post(f"/v1/municipality/reports/{household.case_id}/result", body)


def other_outcomes(say: Say, municipality: Partner, households: list[Household], walked: Household) -> None:
    """Two more households get an outcome (eindresultaat), as a team records them day by day."""
    others = [h for h in households if h is not walked and h.report["state"] != "closed"][:2]
    plans = [
        (("Telefoon", True, "Ochtend"), "Inwoner heeft zelf al betaald/betalingsregeling getroffen"),
        (("Brief", False, "Middag"), "Definitief geen contact kunnen krijgen"),
    ]
    for household, ((kind, reached, part), outcome) in zip(others, plans, strict=False):
        contact(municipality, household, kind, reached, part)
        result(municipality, household, outcome)
        say.line(f"another household: contact by {kind} ({'reached' if reached else 'not reached'}) -> '{outcome}'")


def creditor_feedback(say: Say, creditors: list[Partner]) -> None:
    """Each creditor's adapter asks what became of its signals: the law lets it learn only picked up or not."""
    for partner in creditors:
        assert partner.config is not None
        state = PushState(partner.config.data_dir / "state.sqlite3")
        refresh_hub_states(partner.client, state)
        tally: Counter[str] = Counter()
        for summary in state.summaries():
            tally.update(summary.hub_states)
        shown = ", ".join(f"{label} {count}" for label, count in sorted(tally.items()))
        say.line(f"{partner.spec.role}: {shown}")

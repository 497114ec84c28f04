"""Settlement deadlines with a controllable clock: one reminder before, one escalation after, exactly once
each, also when the job runs twice at the same moment or in two hub processes (two Services instances with
engines of their own), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from hub import Settings
from hub.db.engine import make_engine
from hub.db.tables import outbox, settlement_messages
from hub.jobs import JOBS
from hub.services import Services
from tests.support.chain import Chain
from tests.support.settlement import Desk, build_case, record_consent


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def desk(app: Flask) -> Desk:
    """A dossier whose two creditors got a claim request just now: woonstad under a convenant (14 days, a
    reminder 3 days before), evides under none (28 days, a reminder 5 days before)."""
    chain = Chain(app)
    gm = chain.add("gm0363", "municipality", "0363", suite="x25519")
    kredietbank = chain.add("kredietbank", "debt_help", suite="x25519")
    admin = chain.add("hub-ops", "hub_admin", suite="x25519")
    woonstad, evides = chain.add("woonstad", "housing", suite="x25519"), chain.add("evides", "water", suite="x25519")
    convenant = {
        "id": "aedes-rdam",
        "name": "Aedes Rotterdam",
        "response_days": 14,
        "reminder_days": 3,
        "pause_on_notice": True,
        "accepts_compliant_in_advance": True,
        "parties": ["woonstad", "kredietbank"],
    }
    assert admin.client.post("/v1/admin/convenants", convenant).status_code == 201
    desk = Desk(chain, gm, kredietbank, build_case(chain, gm, [woonstad]))
    record_consent(gm, desk.case_id, "debt_help_referral", ["kredietbank"])
    desk.open_dossier()
    record_consent(kredietbank, desk.case_id, "settlement_negotiation", ["kredietbank", "woonstad", "evides"])
    desk.add(woonstad)
    desk.add(evides)
    assert (
        desk.post("claim-requests", {"messages": desk.messages("claim_request", [woonstad, evides])}).status_code == 201
    )
    return desk


@pytest.fixture
def processes(settings: Settings) -> Iterator[list[tuple[Services, Clock]]]:
    """Two hub processes' worth of services, each with its own engine, sharing one controllable time."""
    clock = Clock()
    built = [Services.build(settings, make_engine(settings.database_url), clock) for _ in range(2)]
    yield [(s, clock) for s in built]
    for services in built:
        services.engine.dispose()


def _sent(app: Flask, kind: str) -> list[tuple[str, str]]:
    with app.extensions["signaalhub"].engine.connect() as conn:
        messages = conn.execute(
            sa.select(settlement_messages.c.recipient_id, settlement_messages.c.participant_id).where(
                settlement_messages.c.kind == kind
            )
        ).all()
        events = conn.execute(
            sa.select(sa.func.count()).where(outbox.c.event_type == f"settlement.{kind}")
        ).scalar_one()
    assert events == len(messages)  # each in the outbox, in the same transaction
    return [tuple(m) for m in messages]


def _run_together(processes: list[tuple[Services, Clock]], runs_each: int = 2) -> tuple[int, int]:
    """The declared job, run at the same moment by every process, ``runs_each`` times in parallel."""
    job = next(j for j in JOBS if j.id == "settlements.deadlines")
    barrier = threading.Barrier(len(processes) * runs_each)
    results: list[object] = []

    def run(services: Services) -> None:
        barrier.wait()
        results.append(job.run(services))

    threads = [threading.Thread(target=run, args=(s,)) for s, _ in processes for _ in range(runs_each)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(threads)
    return sum(r.reminded for r in results), sum(r.escalated for r in results)  # type: ignore[attr-defined]


def test_reminder_before_and_escalation_after_exactly_once(
    app: Flask, desk: Desk, processes: list[tuple[Services, Clock]]
) -> None:
    services, clock = processes[0]
    woonstad = desk.participants["woonstad"]
    assert services.settlements.deadlines.run_once().reminded == 0  # nothing due yet
    clock.advance(days=11, hours=1)  # past woonstad's reminder, before its deadline
    assert (services.settlements.deadlines.run_once().reminded, services.settlements.deadlines.run_once().reminded) == (
        1,
        0,
    )
    assert _sent(app, "reminder") == [("woonstad", woonstad)]
    clock.advance(days=3)  # past woonstad's deadline
    first, second = services.settlements.deadlines.run_once(), services.settlements.deadlines.run_once()
    assert (first.escalated, second.escalated, first.reminded + second.reminded) == (1, 0, 0)
    assert _sent(app, "escalation") == [("kredietbank", woonstad)]
    [escalation] = [
        m for m in desk.debt_help.client.get("/v1/debt-help/messages").json["messages"] if m["kind"] == "escalation"
    ]
    assert escalation["facts"]["creditor_id"] == "woonstad" and escalation["facts"]["request"] == "claim_request"
    row = next(c for c in desk.view()["creditors"] if c["creditor_id"] == "woonstad")
    assert row["deadline"]["reminder_sent_at"] and row["deadline"]["escalated_at"]
    [reminder] = [
        m
        for m in desk.chain.parties["woonstad"].client.get("/v1/creditor/messages").json["messages"]
        if m["kind"] == "reminder"
    ]
    assert reminder["sealed"] is None and set(reminder["facts"]) == {"request", "request_message_id", "due_at"}


def test_two_processes_running_the_job_at_once_send_each_once(
    app: Flask, desk: Desk, processes: list[tuple[Services, Clock]]
) -> None:
    clock = processes[0][1]
    clock.advance(days=12)
    assert _run_together(processes) == (1, 0)
    clock.advance(days=11)  # woonstad overdue; evides at its reminder (23 of 28 days)
    assert _run_together(processes) == (1, 1)
    clock.advance(days=7)  # evides overdue too
    assert _run_together(processes) == (0, 1)
    assert _run_together(processes) == (0, 0)
    assert sorted(r for r, _ in _sent(app, "reminder")) == ["evides", "woonstad"]
    assert sorted(_sent(app, "escalation")) == sorted(
        [("kredietbank", desk.participants["woonstad"]), ("kredietbank", desk.participants["evides"])]
    )


def test_an_answer_in_time_closes_the_deadline(app: Flask, desk: Desk, processes: list[tuple[Services, Clock]]) -> None:
    services, clock = processes[0]
    woonstad = desk.chain.parties["woonstad"]
    claim = {"principal_cents": 120_000, "interest_cents": 0, "costs_cents": 0, "preferential": False}
    assert desk.creditor_post(woonstad, "claim-statement", **claim).status_code == 201
    clock.advance(days=40)
    stats = services.settlements.deadlines.run_once()
    assert (stats.reminded, stats.escalated) == (0, 1)  # only evides, which never answered (and no late reminder)
    assert _sent(app, "escalation") == [("kredietbank", desk.participants["evides"])]

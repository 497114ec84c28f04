"""Retention: after the term no token or signal row remains for a case without help; a case with help stays;
unacknowledged sealed identities expire after a warning; what was purged is counted, not listed."""

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from hub.db import tables as t
from hub.domain.evidence import Actor
from hub.services.retention import RetentionService
from tests.support.chain import Chain, identity


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _service(app: Flask, at: dt.datetime) -> RetentionService:
    services = app.extensions["signaalhub"]
    return RetentionService(services.engine, services.settings, lambda: at)


def test_cases_without_help_leave_after_the_term_and_helped_ones_stay(app: Flask) -> None:
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    plain = chain.signal(
        woonstad, gm, identity(surname="Jansen", street="Akkerweg", postcode="1011 AA", reference="P1")
    )
    helped = chain.signal(
        woonstad,
        gm,
        identity(
            surname="Visser", street="Bloemstraat", postcode="1012 BB", date_of_birth="1980-01-01", reference="P2"
        ),
    )
    assert woonstad.client.post("/v1/signals/batch", {"signals": [plain, helped]}).status_code == 201
    reports = {r["id"] for r in gm.client.get("/v1/municipality/reports").json}
    helped_case = next(
        r
        for r in reports
        if helped["signal_id"]
        in {s["id"] for s in gm.client.get(f"/v1/municipality/reports/{r}").json["case"]["signals"]}
    )
    gm.client.post(
        f"/v1/municipality/reports/{helped_case}/result",
        {"result": "Vervolghulp en/of verwijzing financieel", "date": dt.date.today().isoformat()},
    )
    engine = app.extensions["signaalhub"].engine
    tokens_before = _count(engine, t.signal_tokens)

    now = dt.datetime.now(dt.UTC)
    assert _service(app, now + dt.timedelta(days=100)).run()["cases"] == 0  # within the term
    counts = _service(app, now + dt.timedelta(days=200)).run()
    assert counts["cases"] == 1 and counts["signals"] == 1 and 0 < counts["tokens"] < tokens_before
    with engine.connect() as conn:
        remaining = set(conn.execute(sa.select(t.signals.c.id)).scalars())
        token_owners = set(conn.execute(sa.select(t.signal_tokens.c.signal_id)).scalars())
        runs = conn.execute(sa.select(t.retention_runs).order_by(t.retention_runs.c.id)).all()
    assert remaining == token_owners == {helped["signal_id"]}
    assert [r.cases for r in runs] == [0, 1]
    assert gm.client.get(f"/v1/municipality/reports/{helped_case}").status_code == 200


def test_municipal_retention_term_overrides_the_default(app: Flask) -> None:
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, identity()))
    engine = app.extensions["signaalhub"].engine
    app.extensions["signaalhub"].directory.set_retention(Actor.operator(), "gm0363", 30)
    assert _service(app, dt.datetime.now(dt.UTC) + dt.timedelta(days=40)).run()["cases"] == 1
    assert _count(engine, t.signals) == _count(engine, t.signal_tokens) == _count(engine, t.cases) == 0


def test_unacknowledged_identities_are_warned_then_deleted(app: Flask) -> None:
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, identity()))
    engine = app.extensions["signaalhub"].engine
    now = dt.datetime.now(dt.UTC)
    _service(app, now + dt.timedelta(days=24)).run()
    _service(app, now + dt.timedelta(days=25)).run()
    events = [e["type"] for e in gm.client.get("/v1/events").json]
    assert events.count("report.identities_expiring") == 1  # warned once
    assert _count(engine, t.signal_blobs) == 2
    assert _service(app, now + dt.timedelta(days=31)).run()["identities"] == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.signal_blobs.c.part)).scalars().all() == ["reference"]

"""Reports: one living report per household, versioned, pulled by cursor; acknowledgement deletes the sealed
identities; outcomes reach each creditor as far as the law allows."""

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from adapters.signals import open_signal_identity
from hub.db.tables import outbox, signal_blobs
from tests.support.chain import Chain, identity


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("gm0518", "municipality", "0518")
    for org, kind in (("woonstad", "housing"), ("vattenfall", "energy"), ("zilveren-kruis", "health_insurer")):
        chain.add(org, kind)
    return chain


def _family(chain: Chain, creditor: str, **overrides: object) -> dict:  # type: ignore[type-arg]
    gm = chain.parties["gm0363"]
    person = identity(**overrides)  # type: ignore[arg-type]
    return chain.signal(chain.parties[creditor], gm, person)


def test_three_creditors_one_household_one_report_with_growing_versions(app: Flask, chain: Chain) -> None:
    gm = chain.parties["gm0363"]
    for creditor, reference in (("woonstad", "HC1"), ("vattenfall", "EN1"), ("zilveren-kruis", "ZK1")):
        signal = _family(chain, creditor, reference=reference)
        assert chain.parties[creditor].client.post("/v1/signals", signal).status_code == 201
    inbox = gm.client.get("/v1/municipality/reports").json
    assert len(inbox) == 1 and inbox[0]["version"] == 3 and inbox[0]["signal_count"] == 3
    report = gm.client.get(f"/v1/municipality/reports/{inbox[0]['id']}").json
    assert {s["creditor_id"] for s in report["case"]["signals"]} == {"woonstad", "vattenfall", "zilveren-kruis"}
    assert all(s["sealed_identity"] for s in report["case"]["signals"])
    assert report["case"]["links"], "the report explains why the signals were linked"
    with app.extensions["signaalhub"].engine.connect() as conn:
        versions = (
            conn.execute(
                sa.select(outbox.c.object_version).where(outbox.c.event_type == "report.updated").order_by(outbox.c.id)
            )
            .scalars()
            .all()
        )
    assert versions == [1, 2, 3]


def test_cursor_returns_only_later_changes(chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    woonstad.client.post(
        "/v1/signals",
        _family(chain, "woonstad", surname="Aalbers", street="Dorpsstraat", postcode="1012 AB", reference="A"),
    )
    first = gm.client.get("/v1/municipality/reports").json
    woonstad.client.post(
        "/v1/signals",
        _family(
            chain,
            "woonstad",
            surname="Zwart",
            street="Kerkweg",
            postcode="1013 CD",
            date_of_birth="1980-02-02",
            reference="B",
        ),
    )
    later = gm.client.get(f"/v1/municipality/reports?after={first[-1]['change_seq']}").json
    assert len(first) == 1 and len(later) == 1 and later[0]["id"] != first[0]["id"]


def test_acknowledging_deletes_the_sealed_identities_and_tells_the_creditor(app: Flask, chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    person = identity(reference="HC9")
    signal = chain.signal(woonstad, gm, person)
    woonstad.client.post("/v1/signals", signal)
    [header] = gm.client.get("/v1/municipality/reports?unacknowledged=true").json
    report = gm.client.get(f"/v1/municipality/reports/{header['id']}").json
    sealed = report["case"]["signals"][0]["sealed_identity"]
    opened = open_signal_identity(
        {"signal_id": signal["signal_id"], "sector": "huur", "sealed_identity": sealed}, gm.encryption_key, "gm0363"
    )
    assert opened["creditor_reference"] == "HC9"
    stale = gm.client.post(f"/v1/municipality/reports/{header['id']}/ack", {"version": header["version"] + 1})
    assert stale.status_code == 409 and stale.json["code"] == "report_version_changed"
    acked = gm.client.post(f"/v1/municipality/reports/{header['id']}/ack", {"version": header["version"]})
    assert acked.status_code == 200
    assert acked.json["case"]["signals"][0]["sealed_identity"] is None
    with app.extensions["signaalhub"].engine.connect() as conn:
        parts = conn.execute(sa.select(signal_blobs.c.part)).scalars().all()
    assert parts == ["reference"]
    assert gm.client.get("/v1/municipality/reports?unacknowledged=true").json == []
    assert woonstad.client.get(f"/v1/signals/{signal['signal_id']}").json["state"] == "delivered"


def test_outcome_closes_the_report_and_creditors_learn_only_what_they_may(chain: Chain) -> None:
    gm = chain.parties["gm0363"]
    ids = {}
    for creditor in ("woonstad", "vattenfall"):
        signal = _family(chain, creditor, reference=f"R-{creditor}")
        chain.parties[creditor].client.post("/v1/signals", signal)
        ids[creditor] = signal["signal_id"]
    [header] = gm.client.get("/v1/municipality/reports").json
    today = dt.date.today().isoformat()
    contact = gm.client.post(
        f"/v1/municipality/reports/{header['id']}/contacts",
        {"kind": "Huisbezoek", "reached": True, "date": today, "part_of_day": "Middag"},
    )
    assert contact.status_code == 201 and contact.json["state"] == "in_progress"
    closed = gm.client.post(
        f"/v1/municipality/reports/{header['id']}/result",
        {"result": "Vervolghulp en/of verwijzing financieel", "date": today},
    )
    assert closed.json["state"] == "closed" and closed.json["contacts"][0]["kind"] == "Huisbezoek"
    for creditor, signal_id in ids.items():
        seen = chain.parties[creditor].client.get(f"/v1/signals/{signal_id}").json
        assert seen["state"] == "picked_up" and seen["state_reason"] is None


def test_bad_outcomes_are_422(chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    woonstad.client.post("/v1/signals", _family(chain, "woonstad"))
    [header] = gm.client.get("/v1/municipality/reports").json
    bad = gm.client.post(
        f"/v1/municipality/reports/{header['id']}/contacts",
        {"kind": "Postduif", "reached": "misschien", "date": "gisteren"},
    )
    assert bad.status_code == 422
    assert {p["name"] for p in bad.json["invalid_params"]} == {"kind", "reached", "date"}


def test_another_municipality_cannot_see_the_report(chain: Chain) -> None:
    gm, other, woonstad = chain.parties["gm0363"], chain.parties["gm0518"], chain.parties["woonstad"]
    woonstad.client.post("/v1/signals", _family(chain, "woonstad"))
    [header] = gm.client.get("/v1/municipality/reports").json
    assert other.client.get(f"/v1/municipality/reports/{header['id']}").status_code == 404
    assert other.client.get("/v1/municipality/reports").json == []
    assert woonstad.client.get("/v1/municipality/reports").status_code == 403


def test_statistics_count_without_identifiers_and_suppress_small_numbers(chain: Chain) -> None:
    gm = chain.parties["gm0363"]
    for i in range(12):  # twelve households; two of them with a second creditor
        person = {
            "surname": f"Huishouden{chr(65 + i)}",
            "street": f"Straat{chr(65 + i)}weg",
            "postcode": f"10{10 + i} AB",
            "date_of_birth": f"19{60 + i}-03-0{1 + i % 9}",
            "reference": f"H{i}",
        }
        chain.parties["woonstad"].client.post("/v1/signals", _family(chain, "woonstad", **person))
        if i < 2:
            chain.parties["vattenfall"].client.post(
                "/v1/signals", _family(chain, "vattenfall", **{**person, "reference": f"E{i}"})
            )
    today = dt.date.today()
    stats = gm.client.get(f"/v1/municipality/statistics?from={today - dt.timedelta(days=30)}&to={today}").json
    assert stats["signals"] == 14 and stats["households"] == 12
    assert stats["signals_by_sector"] == {"energie": None, "huur": 12}  # 2 energy signals: suppressed
    assert stats["multi_creditor_share"] is None  # 2 households: too few to publish
    assert stats["median_arrears_cents"] == 85_700
    assert stats["contact_rate"] is None
    text = str(stats)
    assert "Huishouden" not in text and "woonstad" not in text

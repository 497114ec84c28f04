"""Flow 1-2 through the real app and database: a creditor submits sealed signals, the municipality
collects, opens, acknowledges and answers, and each side sees only what it may."""

import copy
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Flask
from marshmallow import ValidationError

from adapters.crypto import generate_encryption_key
from adapters.signals import SignalOpenError, open_signal_identity
from hub.db.tables import case_signals, evidence, outbox, signal_blobs, signal_tokens, signals
from hub.domain.evidence import Actor
from schemas.v1.identity import dump_identity, load_identity
from tests.support.chain import Chain, Party, identity
from tests.support.signing import SignedClient


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("woonstad", "housing", suite="x25519")
    chain.add("vattenfall", "energy")
    return chain


def _envelope_of(view: dict, sector: str) -> dict:  # type: ignore[type-arg]
    """What the municipality's adapter hands to open_signal_identity from the hub's view."""
    sealed = view["sealed"]
    return {
        "signal_id": view["id"],
        "sector": sector,
        "sealed_identity": {k: sealed[k] for k in ("recipient", "key_id", "suite", "ciphertext")},
    }


def _count(app: Flask, table: sa.Table) -> int:
    with app.extensions["signaalhub"].engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_signal_round_trip_from_creditor_to_municipality(app: Flask, chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    person = identity()
    envelope = chain.signal(woonstad, gm, person)
    response = woonstad.client.post("/v1/signals", envelope)
    assert response.status_code == 201, response.data
    assert response.json == {"signal_id": envelope["signal_id"], "outcome": "created", "state": "received"}

    inbox = gm.client.get("/v1/municipality/signals?state=received")
    assert inbox.status_code == 200
    [view] = inbox.json["signals"]
    assert view["creditor_id"] == "woonstad" and view["amount_cents"] == 85_698
    opened = open_signal_identity(_envelope_of(view, "huur"), gm.encryption_key, "gm0363")
    assert dump_identity(opened) == dump_identity(load_identity(person, sector="huur"))

    acked = gm.client.post(f"/v1/municipality/signals/{view['id']}/ack")
    assert acked.status_code == 200 and acked.json["sealed"] is None and acked.json["state"] == "delivered"
    assert _count(app, signal_blobs) == 1  # the creditor's own sealed reference stays
    own = woonstad.client.get(f"/v1/signals/{view['id']}")
    assert own.json["state"] == "delivered" and own.json["sealed"]["part"] == "reference"
    with app.extensions["signaalhub"].engine.connect() as conn:
        events = conn.execute(sa.select(outbox.c.recipient_id, outbox.c.event_type).order_by(outbox.c.id)).all()
    assert [tuple(e) for e in events] == [
        ("gm0363", "signal.received"),
        ("gm0363", "report.updated"),
        ("woonstad", "signal.delivered"),
    ]


def test_sealed_identity_does_not_open_with_another_key_or_in_another_signal(chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    envelope = chain.signal(woonstad, gm, identity())
    assert woonstad.client.post("/v1/signals", envelope).status_code == 201
    [view] = gm.client.get("/v1/municipality/signals").json["signals"]
    sealed = _envelope_of(view, "huur")
    with pytest.raises(SignalOpenError):
        open_signal_identity(sealed, generate_encryption_key(), "gm0363")
    with pytest.raises(SignalOpenError):
        open_signal_identity({**sealed, "signal_id": str(uuid.uuid4())}, gm.encryption_key, "gm0363")


def test_retry_is_idempotent_and_reuse_of_an_id_is_409(app: Flask, chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    envelope = chain.signal(woonstad, gm, identity())
    assert woonstad.client.post("/v1/signals", envelope).status_code == 201
    again = woonstad.client.post("/v1/signals", envelope)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    changed = woonstad.client.post("/v1/signals", {**envelope, "amount_cents": 90_000})
    assert changed.status_code == 409 and changed.json["code"] == "signal_id_reused"
    assert _count(app, signals) == 1


def test_batch_is_all_or_nothing_and_names_each_bad_field(app: Flask, chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    good = [chain.signal(woonstad, gm, identity(reference=f"HC{i}")) for i in range(3)]
    bad = copy.deepcopy(good[1])
    bad["amount_cents"] = 0
    bad["signal_date"] = "2999-01-01"
    del bad["attestations"]["written_reminder_sent"]
    bad["colour"] = "red"
    response = woonstad.client.post("/v1/signals/batch", {"signals": [good[0], bad, good[2]]})
    assert response.status_code == 422, response.data
    names = {p["name"] for p in response.json["invalid_params"]}
    assert {
        "signals.1.amount_cents",
        "signals.1.signal_date",
        "signals.1.attestations.written_reminder_sent",
        "signals.1.colour",
    } <= names
    assert not any(name.startswith(("signals.0.", "signals.2.")) for name in names)
    assert _count(app, signals) == _count(app, signal_tokens) == _count(app, signal_blobs) == 0

    ok = woonstad.client.post("/v1/signals/batch", {"signals": good})
    assert ok.status_code == 201 and [r["outcome"] for r in ok.json["results"]] == ["created"] * 3
    assert _count(app, signals) == 3


def test_hub_checks_routing_keys_and_sector(chain: Chain) -> None:
    gm, woonstad, vattenfall = (chain.parties[k] for k in ("gm0363", "woonstad", "vattenfall"))
    unknown_code = chain.signal(woonstad, gm, identity(), municipality_code="9999")
    response = woonstad.client.post("/v1/signals", unknown_code)
    assert response.status_code == 422
    assert [p["name"] for p in response.json["invalid_params"]] == ["municipality_code"]

    sealed_for_self = chain.signal(woonstad, woonstad_as_municipality(woonstad), identity())
    response = woonstad.client.post("/v1/signals", sealed_for_self)
    assert "sealed_identity.recipient" in {p["name"] for p in response.json["invalid_params"]}

    wrong_sector = chain.signal(vattenfall, gm, identity(), sector="huur")
    response = vattenfall.client.post("/v1/signals", wrong_sector)
    assert response.status_code == 422 and response.json["invalid_params"][0]["name"] == "sector"


def woonstad_as_municipality(party: Party) -> Party:
    """The creditor's own key posing as the municipality's: sealed to the wrong recipient."""
    return Party("gm0363", "municipality", party.client, party.encryption_key, party.recipient)


def test_malformed_sealed_blob_is_422(chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    envelope = chain.signal(woonstad, gm, identity())
    envelope["sealed_identity"]["ciphertext"] = "not base64!"
    response = woonstad.client.post("/v1/signals", envelope)
    assert response.status_code == 422
    assert response.json["invalid_params"][0]["name"] == "sealed_identity.ciphertext"


def test_revoked_municipality_key_asks_the_adapter_to_reseal(app: Flask, chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    envelope = chain.signal(woonstad, gm, identity())
    app.extensions["signaalhub"].directory.revoke_key(Actor.operator(), gm.recipient.key_id)
    response = woonstad.client.post("/v1/signals", envelope)
    assert response.status_code == 422
    [problem] = response.json["invalid_params"]
    assert problem["name"] == "sealed_identity.key_id" and "refresh the directory" in problem["reason"]


def test_creditors_see_only_their_own_signals_and_a_lawful_reason(chain: Chain) -> None:
    gm, woonstad, vattenfall = (chain.parties[k] for k in ("gm0363", "woonstad", "vattenfall"))
    mine = chain.signal(woonstad, gm, identity())
    theirs = chain.signal(vattenfall, gm, identity())
    woonstad.client.post("/v1/signals", mine)
    vattenfall.client.post("/v1/signals", theirs)
    assert [s["id"] for s in woonstad.client.get("/v1/signals").json["signals"]] == [mine["signal_id"]]
    assert woonstad.client.get(f"/v1/signals/{theirs['signal_id']}").status_code == 404

    gm.client.post(
        f"/v1/municipality/signals/{mine['signal_id']}/outcome", {"status": "Niet opgepakt: herhaalde melding"}
    )
    gm.client.post(f"/v1/municipality/signals/{theirs['signal_id']}/outcome", {"status": "Inwoner is overleden"})
    assert woonstad.client.get(f"/v1/signals/{mine['signal_id']}").json["state_reason"] == "repeat_report"
    seen = vattenfall.client.get(f"/v1/signals/{theirs['signal_id']}").json
    assert seen["state"] == "not_picked_up" and seen["state_reason"] == "other_reason"


def test_municipality_and_creditor_endpoints_are_separate(chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    envelope = chain.signal(woonstad, gm, identity())
    assert gm.client.post("/v1/signals", envelope).status_code == 403
    assert gm.client.get("/v1/signals").status_code == 403
    assert woonstad.client.get("/v1/municipality/signals").status_code == 403


def test_bsn_only_from_sectors_that_hold_one(chain: Chain) -> None:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    with pytest.raises(ValidationError, match=r"Only health insurers and the CAK may send a BSN"):
        chain.signal(woonstad, gm, identity(bsn="111222333"))


def test_signals_sent_at_once_each_get_one_entry_in_one_unbroken_evidence_chain(app: Flask, chain: Chain) -> None:
    """Requests racing for the evidence chain: each signal is stored with exactly one evidence entry, no two
    entries claim the same predecessor, and half of them (one household at two creditors) land in one case.
    (Without the chain's lock the same test gets 500s on PostgreSQL.)"""
    gm = chain.parties["gm0363"]
    creditors = [chain.parties["woonstad"], chain.parties["vattenfall"]]
    jobs = []
    for n in range(12):  # odd n: one household (house number 7), sent by both creditors in turn
        creditor = creditors[(n // 2) % 2]
        jobs.append((creditor, chain.signal(creditor, gm, identity(house_number=7 if n % 2 else 100 + n))))

    def send(job: tuple[Party, dict]) -> int:  # type: ignore[type-arg]
        creditor, envelope = job
        own = SignedClient(app.test_client(), creditor.client.key_id, creditor.client.private_key)
        return own.post("/v1/signals", envelope).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(send, jobs))

    assert statuses == [201] * len(jobs)
    services = app.extensions["signaalhub"]
    with services.engine.connect() as conn:
        submitted = (
            conn.execute(sa.select(evidence.c.object_id).where(evidence.c.action == "signal.submit")).scalars().all()
        )
        households = (
            conn.execute(
                sa.select(case_signals.c.case_id).where(
                    case_signals.c.signal_id.in_([str(e["signal_id"]) for n, (_, e) in enumerate(jobs) if n % 2])
                )
            )
            .scalars()
            .all()
        )
    assert sorted(submitted) == sorted(str(envelope["signal_id"]) for _, envelope in jobs)
    assert len(set(households)) == 1 and len(households) == 6
    report = services.evidence.verify()
    assert report.first_break is None

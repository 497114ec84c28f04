"""Webhook notifications from the outbox to a real receiver on loopback: signed, retried with backoff,
deduplicable, disabled on 410, and never lost when the receiver is down or the hub dies mid-delivery."""

import datetime as dt
import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from hub.db.tables import webhook_deliveries
from hub.delivery.dispatcher import Dispatcher, retry_delay
from tests.support.chain import Chain, identity
from tests.support.receiver import Receiver
from tests.support.servers import serve


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("woonstad", "housing")
    chain.add("hub-ops", "hub_admin")
    return chain


def _dispatcher(app: Flask, clock: Clock) -> Dispatcher:
    services = app.extensions["signaalhub"]
    return Dispatcher(services.engine, services.settings, services.keys, clock)


def _submit(chain: Chain, count: int = 1) -> list[str]:
    gm, woonstad = chain.parties["gm0363"], chain.parties["woonstad"]
    signals = [chain.signal(woonstad, gm, identity(reference=f"R{i}")) for i in range(count)]
    assert woonstad.client.post("/v1/signals/batch", {"signals": signals}).status_code == 201
    return [s["signal_id"] for s in signals]


def _register(chain: Chain, url: str) -> str:
    response = chain.parties["gm0363"].client.post("/v1/webhooks", {"url": url})
    assert response.status_code == 201, response.data
    assert response.json["secret"].startswith("whsec_")
    return str(response.json["secret"])


def test_notification_is_thin_signed_and_delivered_once(app: Flask, chain: Chain) -> None:
    receiver = Receiver()
    with serve(receiver) as url:
        receiver.secret = _register(chain, url + "/hook")
        ids = _submit(chain, 2)
        stats = _dispatcher(app, Clock()).run_once()
        assert stats.delivered == 3 and receiver.bad_signatures == 0  # two signals, one report version (one batch)
        assert _dispatcher(app, Clock()).run_once().delivered == 0  # nothing twice
    bodies = [r["body"] for r in receiver.received]
    received = [b for b in bodies if b["type"] == "signal.received"]
    assert {b["data"]["id"] for b in received} == set(ids)
    assert all(set(b["data"]) == {"object", "id"} for b in received)
    reports = [b["data"] for b in bodies if b["type"] == "report.updated"]
    assert [r["version"] for r in reports] == [1] and {r["object"] for r in reports} == {"report"}


def test_endpoints_are_sent_to_side_by_side_each_in_order(app: Flask, chain: Chain) -> None:
    """Two endpoints: the first notification to each is held until the other one's has arrived too, which
    only happens when the dispatcher sends to both at once; each endpoint still gets its events in order."""
    both = threading.Barrier(2, timeout=10)
    met: list[bool] = []

    def meet_the_other_once(receiver: list[Receiver]) -> Callable[[], int]:
        def status() -> int:
            if not receiver[0].received:
                try:
                    both.wait()
                    met.append(True)
                except threading.BrokenBarrierError:
                    met.append(False)
            return 204

        return status

    first: list[Receiver] = []
    second: list[Receiver] = []
    first.append(Receiver(status=meet_the_other_once(first)))
    second.append(Receiver(status=meet_the_other_once(second)))
    with serve(first[0]) as url_a, serve(second[0]) as url_b:
        first[0].secret = _register(chain, url_a)
        second[0].secret = _register(chain, url_b)
        _submit(chain, 3)
        stats = _dispatcher(app, Clock()).run_once()
    assert met[:2] == [True, True]
    assert stats.delivered == 8  # 3 signals and 1 report version, to each endpoint
    for receiver in (first[0], second[0]):
        ids = [int(r["id"].removeprefix("msg_")) for r in receiver.received]
        assert ids == sorted(ids) and len(ids) == 4


def test_receiver_down_for_an_hour_then_back_gets_everything(app: Flask, chain: Chain) -> None:
    up = {"ok": False}
    receiver = Receiver(status=lambda: 204 if up["ok"] else 503)
    clock = Clock()
    with serve(receiver) as url:
        receiver.secret = _register(chain, url)
        ids = _submit(chain, 3)
        dispatcher = _dispatcher(app, clock)
        for _ in range(12):  # an hour of failing rounds, five minutes apart
            dispatcher.run_once()
            clock.advance(minutes=5)
        assert receiver.received == []
        up["ok"] = True
        for _ in range(5):  # back up: the next rounds deliver (more than one only if this machine is very slow)
            clock.advance(hours=1)
            dispatcher.run_once()
            if len(receiver.unique_ids) == 4:
                break
    got = [r["body"]["data"]["id"] for r in receiver.received if r["body"]["type"] == "signal.received"]
    assert sorted(got) == sorted(ids)
    assert len(receiver.unique_ids) == len(receiver.received) == 4  # 3 signals + 1 report version, once each


def test_unreachable_receiver_is_retried_with_growing_delays(app: Flask, chain: Chain) -> None:
    clock = Clock()
    _register(chain, "http://127.0.0.1:9/closed")
    _submit(chain)
    dispatcher = _dispatcher(app, clock)
    dispatcher.run_once()
    engine = app.extensions["signaalhub"].engine
    with engine.connect() as conn:
        first = conn.execute(sa.select(webhook_deliveries).order_by(webhook_deliveries.c.id)).first()
    assert first is not None
    assert first.status == "pending" and first.attempts == 1 and first.next_attempt_at > clock.now
    assert dispatcher.run_once().retried == 0  # not due yet
    assert [retry_delay(n, lambda: 1.0).total_seconds() for n in (1, 2, 3, 10, 30)] == [30, 60, 120, 3600, 3600]


def test_gives_up_after_the_retry_period_and_tells_the_admins(app: Flask, chain: Chain) -> None:
    clock = Clock()
    _register(chain, "http://127.0.0.1:9/closed")
    _submit(chain)
    dispatcher = _dispatcher(app, clock)
    while dispatcher.run_once().failed == 0:
        clock.advance(hours=1)
        assert clock.now < dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    admin_events = chain.parties["hub-ops"].client.get("/v1/events").json
    assert [e["type"] for e in admin_events] == ["webhook.endpoint_failing"]


def test_410_disables_the_endpoint(app: Flask, chain: Chain) -> None:
    receiver = Receiver(status=lambda: 410)
    with serve(receiver) as url:
        receiver.secret = _register(chain, url)
        _submit(chain, 2)
        stats = _dispatcher(app, Clock()).run_once()
    assert len(stats.disabled_endpoints) == 1
    [endpoint] = chain.parties["gm0363"].client.get("/v1/webhooks").json
    assert endpoint["active"] is False and "410" in endpoint["disabled_reason"]
    admin = chain.parties["hub-ops"].client.get("/v1/admin/webhooks").json
    assert admin[0]["deliveries"] == {"dropped": 3}  # 2 signal.received + 1 report.updated


def test_hub_dying_mid_delivery_resends_the_same_webhook_id(
    app: Flask, chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Receiver()
    with serve(receiver) as url:
        receiver.secret = _register(chain, url)
        _submit(chain)
        dispatcher = _dispatcher(app, Clock())

        def die(*_args: object) -> None:
            raise SystemExit("killed after the receiver answered, before the hub recorded it")

        with monkeypatch.context() as patch:
            patch.setattr(dispatcher, "_record", die)
            with pytest.raises(SystemExit):
                dispatcher.run_once()
        _dispatcher(app, Clock()).run_once()  # a fresh process after the restart
    # the first notification arrived twice under the same webhook-id (the receiver dedupes); the rest once
    assert len(receiver.received) == len(receiver.unique_ids) + 1 == 3


def test_events_listing_catches_up(chain: Chain) -> None:
    ids = _submit(chain, 3)
    gm = chain.parties["gm0363"]
    first = gm.client.get("/v1/events?limit=2").json
    rest = gm.client.get(f"/v1/events?after={first[-1]['seq']}").json
    assert [e["data"]["id"] for e in first + rest if e["type"] == "signal.received"] == ids


@pytest.mark.parametrize("url", ["ftp://example.org/x", "http://example.org/hook", "https://u:p@example.org/"])
def test_bad_urls_are_refused(chain: Chain, url: str) -> None:
    response = chain.parties["gm0363"].client.post("/v1/webhooks", {"url": url})
    assert response.status_code == 422


def test_rotation_changes_the_secret(chain: Chain, make_app: Callable[..., Flask]) -> None:
    gm = chain.parties["gm0363"]
    created = gm.client.post("/v1/webhooks", {"url": "https://gemeente.example/hook"}).json
    rotated = gm.client.post(f"/v1/webhooks/{created['id']}/rotate-secret").json
    assert rotated["secret"] != created["secret"] and "secret" not in gm.client.get("/v1/webhooks").json[0]

"""The municipality's side without a hub: the webhook receiver's checks (Standard Webhooks signature,
timestamp tolerance, deduplication on webhook-id), the local store's rules, outcome rows and DDAS months."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from adapters.ddas_export import Month, whole_euros
from adapters.localstore import LocalStore, StoreError
from adapters.outcomes import check_record, read_outcomes
from adapters.receiver import ReceiverApp, SecretError, Verifier, parse_secret

NOW = 1_790_000_000
SECRET = secrets.token_bytes(32)
CASE = "3f0c5c1e-4a4e-4c1b-9e0e-0a1b2c3d4e5f"


def _signature(message_id: str, timestamp: int, body: bytes, secret: bytes = SECRET) -> str:
    """Signed as the Standard Webhooks specification says, independently of the adapter's code."""
    digest = hmac.new(secret, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _report(version: int = 1, *, crisis: str | None = None, signal: str = "s1", sealed: bool = True) -> dict[str, Any]:
    entry = {
        "id": signal,
        "creditor_id": "woonstad",
        "sector": "huur",
        "status": "active",
        "amount_cents": 123_450,
        "arrears_since": "2026-08-01",
        "signal_date": "2026-10-02",
        "crisis": {"kind": "eviction", "date": crisis} if crisis else None,
        "warm_handover": False,
        "state": "received",
        "supersedes": None,
        "repeat_of": None,
        "received_at": "2026-10-02T10:00:00+00:00",
        "joined_at": "2026-10-02T10:00:00+00:00",
        "sealed_identity": {"recipient": "gm0392", "key_id": "k", "suite": "x25519", "ciphertext": "AAAA"}
        if sealed
        else None,
    }
    case = {"signals": [entry], "links": [], "persons": [], "merged_from": []}
    return {
        "id": CASE if signal == "s1" else f"case-{signal}",
        "version": version,
        "change_seq": version,
        "state": "new",
        "acknowledged_version": 0,
        "result": None,
        "result_on": None,
        "updated_at": "2026-10-02T10:00:00+00:00",
        "case": case,
        "contacts": [],
    }


IDENTITY = {
    "debtors": [{"surname": "Jansen", "initials": "P."}],
    "address": {"street": "Kerkstraat", "house_number": 1, "postcode": "2011AB", "town": "Haarlem"},
    "creditor_reference": "HC1",
}


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "data" / "reports.sqlite3")


@pytest.fixture
def receiver(store: LocalStore) -> tuple[Client, list[int]]:
    notified: list[int] = []
    app = ReceiverApp(Verifier(SECRET, 300, clock=lambda: NOW), store, lambda: notified.append(1))
    return Client(app), notified


def _post(client: Client, message_id: str, timestamp: int, signature: str, body: bytes = b'{"type":"x"}') -> int:
    headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}
    return client.post("/hook", data=body, headers=headers).status_code


def test_receiver_accepts_a_signed_notification_once(receiver: tuple[Client, list[int]]) -> None:
    client, notified = receiver
    body = b'{"type":"report.updated","data":{"object":"report","id":"r","version":1}}'
    assert _post(client, "msg_1", NOW, _signature("msg_1", NOW, body), body) == 204
    assert _post(client, "msg_1", NOW, _signature("msg_1", NOW, body), body) == 204  # a redelivery
    assert notified == [1]
    rotated = f"v1,{'A' * 44} " + _signature("msg_2", NOW, body)  # several signatures during a rotation
    assert _post(client, "msg_2", NOW, rotated, body) == 204 and notified == [1, 1]


def test_receiver_refuses_forged_stale_and_incomplete_notifications(receiver: tuple[Client, list[int]]) -> None:
    client, notified = receiver
    body = b'{"type":"report.updated"}'
    assert _post(client, "msg_1", NOW, _signature("msg_1", NOW, body, secrets.token_bytes(32)), body) == 401
    assert _post(client, "msg_1", NOW, _signature("msg_1", NOW, body), body + b" ") == 401  # body changed
    assert _post(client, "msg_1", NOW - 301, _signature("msg_1", NOW - 301, body), body) == 401  # replayed later
    assert _post(client, "msg_1", NOW + 301, _signature("msg_1", NOW + 301, body), body) == 401
    assert _post(client, "", NOW, _signature("", NOW, body), body) == 400
    assert client.get("/hook").status_code == 405
    assert notified == []
    assert _post(client, "msg_1", NOW - 300, _signature("msg_1", NOW - 300, body), body) == 204  # not deduped
    assert notified == [1]


def test_webhook_secrets_must_be_whsec() -> None:
    assert parse_secret("whsec_" + base64.b64encode(SECRET).decode()) == SECRET
    for text in ("abc", "whsec_!!!", "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(SecretError):
            parse_secret(text)


def test_store_file_is_private_and_keeps_identities_across_versions(store: LocalStore) -> None:
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.save_report(_report(1), {"s1": IDENTITY})
    assert not store.save_report(_report(1), {})  # the same version again: nothing changes
    assert store.save_report(_report(2, sealed=False), {})  # acknowledged: the hub sends no identity
    household = store.household(CASE)
    assert household.versions == (1, 2) and household.signals[0].identity == IDENTITY
    assert store.missing_identities(CASE) == []
    with pytest.raises(StoreError, match="signaal reports pull"):
        store.household("unknown")


def test_store_lists_crisis_first_and_filters(store: LocalStore) -> None:
    store.save_report(_report(1, signal="plain"), {})
    store.save_report(_report(1, signal="late", crisis="2026-12-20"), {})
    store.save_report(_report(1, signal="soon", crisis="2026-12-01"), {})
    assert [r.case_id for r in store.list_reports()] == ["case-soon", "case-late", "case-plain"]
    assert [r.case_id for r in store.list_reports(crisis_only=True, limit=1)] == ["case-soon"]
    assert store.list_reports(sector="energie") == []


def test_outcomes_are_recorded_once_and_checked(store: LocalStore) -> None:
    store.save_report(_report(1), {"s1": IDENTITY})
    first = store.record_contact(CASE, "Telefoon", True, dt.date(2026, 11, 2), "Ochtend", recorded_by="t")
    assert store.record_contact(CASE, "Telefoon", True, dt.date(2026, 11, 2), "Ochtend", recorded_by="t") == (
        first[0],
        False,
    )
    with pytest.raises(StoreError):
        store.record_result(CASE, "Opgelost", dt.date(2026, 11, 2), recorded_by="t")
    assert [o.state for o in store.outcomes(CASE)] == ["pending"]
    answer = copy.deepcopy(_report(1))
    answer["contacts"] = [{"kind": "Telefoon", "reached": True, "date": "2026-11-02", "part_of_day": "Ochtend"}]
    assert store.refresh(answer) and store.household(CASE).contacts == tuple(answer["contacts"])
    assert not store.refresh({**answer, "version": 2})  # another version: the next pull brings it


@pytest.mark.parametrize(
    ("record", "fields"),
    [
        ({"case_id": CASE, "date": "05-10-2026", "contact_kind": "Brief", "reached": "nee"}, []),
        ({"case_id": CASE, "date": "2026-10-05", "result": "Verwijzing zonder contact"}, []),
        ({"case_id": "other", "date": "2026-10-05", "result": "Verwijzing zonder contact"}, ["case_id"]),
        ({"case_id": CASE, "date": "2026-13-05", "contact_kind": "Brief", "reached": "ja"}, ["date"]),
        ({"case_id": CASE, "date": "2026-10-05", "contact_kind": "Brief", "reached": "misschien"}, ["reached"]),
        (
            {"case_id": CASE, "date": "2026-10-05", "contact_kind": "Brief", "reached": "ja", "part_of_day": "Nacht"},
            ["part_of_day"],
        ),
        ({"case_id": CASE, "date": "2026-10-05", "result": "Opgelost"}, ["result"]),
        ({"case_id": CASE, "date": "2026-10-05", "reached": "ja"}, ["reached", "row"]),
        ({"case_id": CASE, "date": "2999-01-01", "result": "Verwijzing zonder contact"}, ["date"]),
    ],
)
def test_outcome_rows_are_checked_field_by_field(store: LocalStore, record: dict[str, str], fields: list[str]) -> None:
    store.save_report(_report(1), {})
    checked = check_record(7, record, store)
    found = [p.field for p in checked] if isinstance(checked, list) else []
    assert found == fields
    assert all(p.line == 7 for p in checked) if isinstance(checked, list) else checked.line == 7


def test_ddas_months_and_whole_euros() -> None:
    october = Month.parse("2026-10")
    assert (october.first, october.last) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert Month.parse("2028-02").last == dt.date(2028, 2, 29)
    assert dt.date(2026, 10, 31) in october and dt.date(2026, 11, 1) not in october
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("10-2026")
    assert [whole_euros(c) for c in (0, 49, 50, 149, 150, 123_456)] == [0, 0, 1, 1, 2, 1235]


def test_outcomes_read_from_json_lines(store: LocalStore, tmp_path: Path) -> None:
    store.save_report(_report(1), {})
    path = tmp_path / "uitkomsten.jsonl"
    good = f'{{"case_id": "{CASE}", "date": "2026-11-02", "contact_kind": "Huisbezoek", "reached": true}}'
    path.write_text(f"{good}\nnot json\n\n[1, 2]\n", encoding="utf-8")
    reading = read_outcomes(path, store)
    assert [(r.line, r.contact) for r in reading.rows] == [(1, ("Huisbezoek", True, None))]
    assert [(p.line, p.field) for p in reading.problems] == [(2, "row"), (4, "row")]

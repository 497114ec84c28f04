"""The portal's pure parts: accounts and their hashes, Dutch formatting, chart geometry, state labels."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from adapters.portal import charts
from adapters.portal.accounts import LOCK_MINUTES, MAX_FAILED_LOGINS, AccountError, AccountStore
from adapters.portal.creditor import state_counts, waiting_first
from adapters.portal.statistics import recent_months
from adapters.portal.words import basis_points, date_nl, euro


def test_accounts_keep_only_a_salted_hash_and_refuse_weak_or_duplicate_ones(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "accounts.sqlite3")
    assert (tmp_path / "accounts.sqlite3").stat().st_mode & 0o777 == 0o600
    store.add("jdevries", "J. de Vries", "worker", "een lang wachtwoord")
    store.add("mbakker", "M. Bakker", "manager", "een lang wachtwoord")
    with sqlite3.connect(tmp_path / "accounts.sqlite3") as conn:
        hashes = [h for (h,) in conn.execute("SELECT password_hash FROM accounts")]
    assert all("een lang wachtwoord" not in h for h in hashes) and hashes[0] != hashes[1]
    assert store.verify("JDeVries ", "een lang wachtwoord") is not None
    assert store.verify("jdevries", "een ander wachtwoord") is None
    assert store.verify("nobody", "een lang wachtwoord") is None
    with pytest.raises(AccountError, match="taken"):
        store.add("jdevries", "Another", "worker", "een lang wachtwoord")
    with pytest.raises(AccountError, match="at least 12"):
        store.add("kort", "Kort", "worker", "kort")
    with pytest.raises(AccountError, match="role"):
        store.add("baas", "Baas", "admin", "een lang wachtwoord")
    store.set_active("jdevries", False)
    assert store.verify("jdevries", "een lang wachtwoord") is None
    account = store.get("mbakker")
    assert account is not None and account.is_manager


def test_amounts_dates_and_percentages_read_the_dutch_way() -> None:
    assert euro(123_456) == "€\u00a01.234,56"
    assert euro(-5) == "-€\u00a00,05"
    assert euro(123_450, whole=True) == "€\u00a01.235"
    assert euro(None) == "onbekend"
    assert date_nl(dt.date(2026, 3, 1)) == "1 maart 2026"
    assert date_nl("2026-12-21T10:00:00+00:00") == "21 december 2026"
    assert basis_points(3000) == "30,00%"


def test_stacked_bars_add_up_and_a_suppressed_month_draws_nothing() -> None:
    chart = charts.bars("t", ["jan", "feb"], {"Huur": [30, None], "Water": [10, None]}, stacked=True)
    assert [b.title for b in chart.bars] == ["jan, Huur: 30", "jan, Water: 10"]
    huur, water = chart.bars
    assert water.y + water.height == pytest.approx(huur.y)  # stacked on top
    assert huur.height == pytest.approx(3 * water.height)
    assert [t.text for t in chart.ticks][-1] == "40"
    rates = charts.bars("r", ["jan"], {"a": [50.0], "b": [25.0]}, stacked=False, unit="%", top=100)
    assert rates.bars[0].x < rates.bars[1].x and rates.bars[0].height == pytest.approx(2 * rates.bars[1].height)


def test_signal_states_and_waiting_settlements_are_ordered_for_the_creditor() -> None:
    rows = state_counts({"not_picked_up (repeat_report)": 2, "received": 5, "picked_up": 1})
    assert [(r.state, r.reason, r.count) for r in rows] == [
        ("received", None, 5),
        ("picked_up", None, 1),
        ("not_picked_up", "repeat_report", 2),
    ]
    later = {"deadline": {"overdue": False, "due_at": "2026-12-20T00:00:00+00:00"}}
    overdue = {"deadline": {"overdue": True, "due_at": "2026-12-25T00:00:00+00:00"}}
    waiting, others = waiting_first([later, {"deadline": None}, overdue])
    assert waiting == [overdue, later] and others == [{"deadline": None}]


def test_the_statistics_show_the_last_six_months_across_a_new_year() -> None:
    months = recent_months(dt.date(2027, 2, 14))
    assert len(months) == 6 and months[0].first == dt.date(2026, 9, 1)
    assert months[-1].first == dt.date(2027, 2, 1) and months[-1].last == dt.date(2027, 2, 28)


def test_a_run_of_wrong_passwords_locks_the_account_for_a_while(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "accounts.sqlite3")
    store.add("jdevries", "J. de Vries", "worker", "een lang wachtwoord")
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert store.verify("jdevries", "fout fout fout", start) is None
    assert store.verify("jdevries", "een lang wachtwoord", start) is not None  # resets the count
    for _ in range(MAX_FAILED_LOGINS):
        assert store.verify("jdevries", "fout fout fout", start) is None
    assert store.verify("jdevries", "een lang wachtwoord", start + dt.timedelta(minutes=LOCK_MINUTES - 1)) is None
    assert store.verify("jdevries", "een lang wachtwoord", start + dt.timedelta(minutes=LOCK_MINUTES + 1)) is not None

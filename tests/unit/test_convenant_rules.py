"""Convenant terms as data: which one governs a creditor, its deadline, the pause button, and when a
proposal complies so that a creditor accepting in advance is answered at once."""

import datetime as dt

import pytest

from hub.domain import convenants as rules
from hub.domain.settlement_math import Claim, Offer

AEDES = rules.Convenant("aedes-rdam", "Aedes Rotterdam", 14, 3, True, True, 18, 0)
ENERGY = rules.Convenant("energie-nl", "Energie NL", 21, 5, True, False, 18, 0)
TAX = rules.Convenant("belasting", "Belastingsamenwerking", 10, 2, False, True, 18, 5_000)


def test_the_convenant_that_accepts_in_advance_governs_then_the_quickest() -> None:
    assert rules.applicable([ENERGY, AEDES]) == AEDES
    assert rules.applicable([ENERGY]) == ENERGY
    assert rules.applicable([AEDES, TAX]) == TAX  # both accept in advance; TAX answers sooner
    assert rules.applicable([]) is None


def test_deadline_and_reminder_follow_the_convenant_or_the_default() -> None:
    sent = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
    assert rules.deadline(AEDES, sent) == rules.Deadline(sent + dt.timedelta(days=14), sent + dt.timedelta(days=11))
    default = rules.deadline(None, sent)
    assert default.due_at - sent == dt.timedelta(days=rules.DEFAULT_RESPONSE_DAYS)
    assert default.due_at - default.remind_at == dt.timedelta(days=rules.DEFAULT_REMINDER_DAYS)


def test_pause_button() -> None:
    assert rules.pauses_collection(AEDES) and not rules.pauses_collection(TAX) and not rules.pauses_collection(None)


@pytest.mark.parametrize(
    ("convenant", "offer", "claim", "share", "complies"),
    [
        (AEDES, Offer("regular", 5_000, 18), Claim("a", 100_000), 9_000, True),
        (AEDES, Offer("regular", 5_000, 12), Claim("a", 100_000), 6_000, False),  # shorter than 18 months
        (AEDES, Offer("regular", 50_000, 12), Claim("a", 100_000), 100_000, True),  # pays in full
        (AEDES, Offer("sa"), Claim("a", 100_000), 0, False),
        (AEDES, Offer("saneringskrediet", 5_000, 0, 90_000), Claim("a", 100_000), 9_000, True),
        (AEDES, Offer("saneringskrediet", 5_000, 0, 80_000), Claim("a", 100_000), 8_000, False),
        (TAX, Offer("regular", 5_000, 18), Claim("t", 100_000, preferential=True), 49_999, False),
        (TAX, Offer("regular", 5_000, 18), Claim("t", 100_000, preferential=True), 50_000, True),
        (TAX, Offer("regular", 5_000, 18), Claim("t", 100_000), 9_000, True),  # the minimum is for preferential only
    ],
)
def test_compliance(convenant: rules.Convenant, offer: Offer, claim: Claim, share: int, complies: bool) -> None:
    reason = rules.compliance(convenant, offer, claim, share)
    assert (reason is None) == complies, reason


def test_terms_are_checked() -> None:
    assert rules.check_terms(AEDES) == []
    bad = rules.Convenant("X", " ", 0, 0, True, True, 0, 10_001)
    assert {field for field, _ in rules.check_terms(bad)} == {
        "id",
        "name",
        "response_days",
        "reminder_days",
        "term_months",
        "preferential_min_share_bp",
    }

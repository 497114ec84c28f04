"""The policy function and the record rules, without a database: deny by default, statute by kind,
consent only while given, named, unexpired and not withdrawn."""

import datetime as dt
from typing import Any

import pytest

from consent.policy import Case, Decision, Party, may
from consent.purposes import PURPOSE_LIST, PURPOSES
from consent.records import ConsentEvent, ConsentRecord, ConsentRuleError, check_grant
from hub.domain.directory import CREDITOR_KINDS, ORGANISATION_KINDS

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
KINDS = sorted(set(ORGANISATION_KINDS) | CREDITOR_KINDS)


def _record(
    *, purpose: str = "debt_help_referral", recipients: tuple[str, ...] = ("kredietbank",), **events: dt.datetime
) -> ConsentRecord:
    """Given at T0 for 30 days; ``renewed=`` (for 60 days more) and ``withdrawn=`` add events."""
    history = [ConsentEvent("given", T0, T0, "gm0363", "in_person", T0 + 30 * DAY)]
    if "renewed" in events:
        history.append(
            ConsentEvent(
                "renewed", events["renewed"], events["renewed"], "gm0363", "digital", events["renewed"] + 60 * DAY
            )
        )
    if "withdrawn" in events:
        history.append(
            ConsentEvent("withdrawn", events["withdrawn"], events["withdrawn"], "gm0363", "in_writing", None)
        )
    return ConsentRecord(
        "c-1", "case-1", purpose, "gm0363", recipients, "in_person", T0, T0 + 30 * DAY, T0, tuple(history)
    )


def _may(
    kind: str, purpose: str, *records: ConsentRecord, at: dt.datetime = T0 + DAY, org: str = "kredietbank"
) -> Decision:
    return may(Party(org, kind), purpose, Case("case-1", records), at)


@pytest.mark.parametrize("purpose", [p.id for p in PURPOSE_LIST])
@pytest.mark.parametrize("kind", KINDS)
def test_without_consent_only_a_statutory_basis_allows(kind: str, purpose: str) -> None:
    decision = _may(kind, purpose)
    assert decision.allowed == (PURPOSES[purpose].statute_for(kind) is not None)
    assert decision.code in ({"statute"} if decision.allowed else {"kind_not_eligible", "no_consent"})
    assert decision.reason


def test_statute_purposes_allow_the_right_kinds_only() -> None:
    assert _may("municipality", "wgs_early_warning").code == "statute"
    assert "Wgs art. 3" in (_may("municipality", "wgs_early_warning").basis or "")
    for kind in ("debt_help", "housing", "energy", "hub_admin"):
        assert _may(kind, "wgs_early_warning").code == "kind_not_eligible"
    assert _may("municipality", "debt_help_referral").code == "statute"  # within the college's own mandate
    assert _may("debt_help", "debt_help_referral").code == "no_consent"  # an outside service needs consent


def test_consent_allows_only_the_named_recipient_for_its_case_and_purpose() -> None:
    record = _record()
    allowed = _may("debt_help", "debt_help_referral", record)
    assert allowed.allowed and allowed.code == "consent" and allowed.consent_id == "c-1"
    assert _may("debt_help", "debt_help_referral", record, org="other-bank").code == "no_consent"
    assert _may("debt_help", "fund_referral", record).code == "no_consent"
    other_case = may(Party("kredietbank", "debt_help"), "debt_help_referral", Case("case-2", [record]), T0 + DAY)
    assert other_case.code == "no_consent"
    assert _may("housing", "debt_help_referral", record).code == "kind_not_eligible"


def test_consent_counts_from_given_until_expiry() -> None:
    record = _record()
    assert _may("debt_help", "debt_help_referral", record, at=T0 - dt.timedelta(seconds=1)).code == "no_consent"
    assert _may("debt_help", "debt_help_referral", record, at=T0).allowed
    expired = _may("debt_help", "debt_help_referral", record, at=T0 + 30 * DAY)
    assert not expired.allowed and expired.code == "consent_expired"


def test_renewal_after_expiry_allows_again_and_withdrawal_is_final() -> None:
    renewed = _record(renewed=T0 + 40 * DAY)
    assert _may("debt_help", "debt_help_referral", renewed, at=T0 + 35 * DAY).code == "consent_expired"
    assert _may("debt_help", "debt_help_referral", renewed, at=T0 + 41 * DAY).code == "consent"
    withdrawn = _record(renewed=T0 + 40 * DAY, withdrawn=T0 + 50 * DAY)
    assert _may("debt_help", "debt_help_referral", withdrawn, at=T0 + 49 * DAY).allowed
    late = _may("debt_help", "debt_help_referral", withdrawn, at=T0 + 50 * DAY)
    assert not late.allowed and late.code == "consent_withdrawn"


def test_an_active_consent_wins_over_a_withdrawn_one() -> None:
    old = _record(withdrawn=T0 + DAY)
    new = ConsentRecord(
        "c-2", "case-1", "debt_help_referral", "gm0363", ("kredietbank",), "digital", T0 + 2 * DAY, T0 + 9 * DAY,
        T0 + 2 * DAY, (ConsentEvent("given", T0 + 2 * DAY, T0 + 2 * DAY, "gm0363", "digital", T0 + 9 * DAY),),
    )  # fmt: skip
    assert _may("debt_help", "debt_help_referral", old, new, at=T0 + 3 * DAY).consent_id == "c-2"


def test_a_withdrawal_counts_from_when_the_hub_learned_of_it_at_the_latest() -> None:
    """A withdrawal dated in the future by a fast clock still takes effect when it was recorded."""
    record = _record()
    late_dated = ConsentEvent("withdrawn", T0 + 9 * DAY, T0 + 2 * DAY, "gm0363", "digital", None)
    record = ConsentRecord(**{**record.__dict__, "events": (*record.events, late_dated)})
    assert _may("debt_help", "debt_help_referral", record, at=T0 + 2 * DAY).code == "consent_withdrawn"


def test_unknown_purpose_denies() -> None:
    decision = _may("municipality", "marketing")
    assert not decision.allowed and decision.code == "unknown_purpose"


def _grant(**overrides: Any) -> None:
    args = {
        "recorder_kind": "municipality",
        "recipient_kinds": {"kredietbank": "debt_help"},
        "given_at": T0,
        "expires_at": T0 + 300 * DAY,
        "now": T0 + dt.timedelta(minutes=1),
    }
    purpose = PURPOSES[overrides.pop("purpose", "debt_help_referral")]
    check_grant(purpose, **{**args, **overrides})


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"purpose": "wgs_early_warning"}, "purpose", "rests on statute"),
        ({"recorder_kind": "housing"}, "purpose", "recorded by"),
        ({"recipient_kinds": {}}, "recipients", "at least one"),
        ({"recipient_kinds": {"woonstad": "housing"}}, "recipients.0", "cannot receive"),
        ({"recipient_kinds": {"kredietbank": "debt_help", "gone": None}}, "recipients.1", "not an active"),
        ({"given_at": T0 + DAY}, "given_at", "future"),
        ({"expires_at": T0 + 366 * DAY}, "expires_at", "at most 365 days"),
        ({"given_at": T0 - 400 * DAY, "expires_at": T0 - DAY}, "expires_at", "future"),
    ],
)
def test_grant_rules(overrides: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ConsentRuleError) as caught:
        _grant(**overrides)
    assert caught.value.field == field and words in caught.value.reason


def test_a_valid_grant_passes() -> None:
    _grant()
    _grant(purpose="multi_creditor_notice", recipient_kinds={"woonstad": "housing", "vitens": "water"})

"""The matching rules without a database: comparison levels, scores, the decision, repeat reports, and
the model (m/u values, model files, settings)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hub.domain import match_levels, matching
from hub.domain.match_model import MatchModelError, build_model
from hub.services.matching import load_model
from hub.settings import Settings, SettingsError

HOUSE = frozenset({"address", "postcode_house_number", "contract"})
FULL = frozenset({"surname_dob", "phonetic_dob", "initial_dob", "surname_initial_postcode"}) | HOUSE
NO_DOB = frozenset({"surname_initial_postcode"}) | HOUSE
MODEL = build_model()
DAY = dt.date(2026, 5, 1)


def levels(agreed: set[str], mine: frozenset[str] = FULL, theirs: frozenset[str] = FULL, **kw: bool) -> dict[str, str]:
    return match_levels.person_levels(agreed, mine, theirs, **kw)


def test_name_and_date_of_birth_levels() -> None:
    everything = {"surname_dob", "phonetic_dob", "initial_dob", "surname_initial_postcode", "address"}
    assert levels(everything)["name_dob"] == "surname"
    assert levels({"phonetic_dob", "initial_dob"})["name_dob"] == "phonetic"  # a typo the phonetic key absorbs
    assert levels({"surname_dob", "phonetic_dob"})["name_dob"] == "other_initial"  # "Hans" for Johannes
    assert levels({"initial_dob", "address"})["name_dob"] == "initial_home"  # a married name at home
    assert levels({"initial_dob"})["name_dob"] == "initial"
    assert levels({"address"})["name_dob"] == "differs"
    assert "name_dob" not in levels({"address"}, FULL, NO_DOB)  # a missing date is no evidence


def test_surname_initial_postcode_counts_only_without_a_date_of_birth() -> None:
    both_dates = levels({"surname_dob", "phonetic_dob", "initial_dob", "surname_initial_postcode", "address"})
    assert "name_place" not in both_dates
    assert levels({"surname_initial_postcode", "address"}, FULL, NO_DOB)["name_place"] == "agree"
    assert levels({"address", "postcode_house_number"}, FULL, NO_DOB)["name_place"] == "differs"
    # elsewhere, another postcode explains the difference: the person moved
    assert "name_place" not in levels(set(), FULL, NO_DOB)


def test_address_and_contract_levels() -> None:
    assert levels({"address", "postcode_house_number"})["address"] == "address"
    assert levels({"postcode_house_number"})["address"] == "number"  # an addition left out, or a neighbour
    assert levels(set())["address"] == "differs"
    assert levels({"contract"})["contract"] == "agree"
    assert levels({"contract"}, joint=True)["contract"] == "joint"
    assert levels(set())["contract"] == "differs"


def test_scores_separate_a_person_from_a_namesake_at_the_same_address() -> None:
    same = MODEL.score("person", levels({"surname_dob", "phonetic_dob", "initial_dob", "address"}))
    father_and_son = MODEL.score("person", levels({"surname_initial_postcode", "address", "postcode_house_number"}))
    assert same >= MODEL.person_threshold > father_and_son
    assert match_levels.hard_conflict({"address"}, FULL, FULL)
    assert not match_levels.hard_conflict({"surname_dob", "phonetic_dob"}, FULL, FULL)  # initials only: no conflict
    assert not match_levels.hard_conflict({"address"}, FULL, NO_DOB)


def probe(**kw: object) -> matching.Probe:
    values: dict[str, object] = {
        "signal_id": "new",
        "creditor_id": "woonstad",
        "signal_date": DAY,
        "amount_cents": 50_000,
        "active": True,
        "supersedes": None,
        "household_kinds": HOUSE,
        "debtors": {0: FULL - HOUSE},
    }
    values.update(kw)
    return matching.Probe(**values)  # type: ignore[arg-type]


def candidate(
    signal_id: str, case_id: str, agreed: set[str], person_agreed: set[str], **kw: object
) -> matching.Candidate:
    found = matching.Candidate(
        signal_id=signal_id,
        case_id=case_id,
        creditor_id=str(kw.get("creditor_id", "vattenfall")),
        signal_date=kw.get("signal_date", DAY - dt.timedelta(days=30)),  # type: ignore[arg-type]
        amount_cents=int(kw.get("amount_cents", 60_000)),  # type: ignore[call-overload]
        active=bool(kw.get("active", True)),
        household_kinds=HOUSE,
        agreed=set(agreed),
    )
    person = str(kw.get("person_id", f"person-{signal_id}"))
    found.debtors[0] = matching.CandidateDebtor(0, person, FULL - HOUSE, {0: set(person_agreed)})
    return found


def test_the_best_case_is_joined_and_a_bridged_case_merges_unless_split() -> None:
    strong = candidate(
        "s1", "case-a", {"address", "postcode_house_number"}, {"surname_dob", "phonetic_dob", "initial_dob"}
    )
    moved = candidate("s2", "case-b", set(), {"surname_dob", "phonetic_dob", "initial_dob"}, person_id="person-s1")
    assessment = matching.assess(probe(), [strong, moved], MODEL)
    assert [c.case_id for c in assessment.cases] == ["case-a", "case-b"]
    plan = matching.plan(assessment, set())
    assert plan.case is not None and plan.case.case_id == "case-a"
    assert [m.case_id for m in plan.merged] == ["case-b"]
    assert plan.persons[0].person_id == "person-s1"
    kept_apart = matching.plan(assessment, {frozenset({"case-a", "case-b"})})
    assert kept_apart.merged == ()


def test_two_debtors_of_one_signal_never_become_one_person() -> None:
    stored = candidate("s1", "case-a", {"address"}, {"surname_dob", "phonetic_dob", "initial_dob"})
    stored.debtors[0].agreed[1] = {"surname_dob", "phonetic_dob", "initial_dob"}
    plan = matching.plan(matching.assess(probe(debtors={0: FULL - HOUSE, 1: FULL - HOUSE}), [stored], MODEL), set())
    assert list(plan.persons) == [0]


def test_an_unrelated_household_at_another_address_is_not_joined() -> None:
    stranger = candidate("s1", "case-a", set(), {"initial_dob"})  # same initial and date of birth, elsewhere
    plan = matching.plan(matching.assess(probe(), [stranger], MODEL), set())
    assert plan.case is None and plan.persons == {}


def test_a_neighbour_in_the_same_building_is_not_joined_without_a_person_link() -> None:
    neighbour = candidate("s1", "case-a", {"postcode_house_number"}, set())
    assert matching.assess(probe(), [neighbour], MODEL).cases == ()


@pytest.mark.parametrize(
    ("change", "repeat"),
    [
        ({}, True),
        ({"amount_cents": 40_000}, False),  # the amount grew since
        ({"creditor_id": "eneco"}, False),
        ({"active": False}, False),
    ],
)
def test_repeat_report(change: dict[str, object], repeat: bool) -> None:
    earlier = candidate("s1", "case-a", {"contract", "address"}, set(), **{"creditor_id": "woonstad", **change})
    assert matching.repeat_of(probe(), [earlier]) == ("s1" if repeat else None)


def test_repeat_report_compares_with_the_latest_and_ignores_a_correction() -> None:
    old = candidate("s1", "c", {"contract"}, set(), creditor_id="woonstad", amount_cents=90_000)
    latest = candidate("s2", "c", {"contract"}, set(), creditor_id="woonstad", amount_cents=40_000, signal_date=DAY)
    assert matching.repeat_of(probe(), [old, latest]) is None  # grown since the latest report
    assert matching.repeat_of(probe(supersedes="s1"), [old]) is None
    assert matching.repeat_of(probe(), [old]) == "s1"


def test_kind_masks_round_trip_in_vocabulary_order() -> None:
    mask = match_levels.kinds_mask({"contract", "surname_dob", "email"})
    assert match_levels.ordered(match_levels.mask_kinds(mask)) == ("surname_dob", "email", "contract")


def test_model_overrides_and_errors() -> None:
    model = build_model({"person": {"email": {"agree": {"m": 0.5, "u": 0.25}}}})
    assert model.weight("person", "email", "agree") == pytest.approx(1.0)
    assert model.weight("person", "phone", "agree") == MODEL.weight("person", "phone", "agree")
    for bad in (
        {"people": {}},
        {"person": {"shoe_size": {}}},
        {"person": {"email": {"maybe": {"m": 0.5, "u": 0.5}}}},
        {"person": {"email": {"agree": {"m": 1.0, "u": 0.5}}}},
        {"person": {"email": {"agree": {"m": 0.5}}}},
    ):
        with pytest.raises(MatchModelError):
            build_model(bad)


def test_settings_and_model_file(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"HUB_MATCH_WINDOW_DAYS": "90", "HUB_MATCH_PERSON_THRESHOLD": "7.5", "HUB_MATCH_HOUSEHOLD_THRESHOLD": "4"}
    )
    model = load_model(settings)
    assert (model.window_days, model.person_threshold, model.household_threshold) == (90, 7.5, 4.0)
    for env in (
        {"HUB_MATCH_WINDOW_DAYS": "0"},
        {"HUB_MATCH_PERSON_THRESHOLD": "high"},
        {"HUB_MATCH_PERSON_THRESHOLD": "nan"},
    ):
        with pytest.raises(SettingsError, match="HUB_MATCH"):
            Settings.from_env(env)
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"household": {"contract": {"agree": {"m": 0.3, "u": 0.01}}}}))
    assert load_model(Settings(match_model_file=path)).mu["household"]["contract"]["agree"] == (0.3, 0.01)
    path.write_text("[1, 2]")
    with pytest.raises(SettingsError, match="JSON object"):
        load_model(Settings(match_model_file=path))
    path.write_text(json.dumps({"person": {"email": {"agree": {"m": 2, "u": 0.1}}}}))
    with pytest.raises(SettingsError, match="HUB_MATCH_MODEL_FILE"):
        load_model(Settings(match_model_file=path))

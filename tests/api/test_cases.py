"""Household matching through the real app and database: signals from several creditors about one
family end in one case, unrelated people do not become one person, and a municipality's corrections
(split, merge) hold for the signals that come after."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from adapters.signals import Attestations, Crisis
from hub.db.tables import evidence, link_blocks, outbox, report_changes, reports
from tests.support.chain import Chain

TODAY = dt.date.today()
PIETER = {"initials": "P.C.", "name_prefix": "van der", "date_of_birth": "1974-06-17", "phone": "06-12345678"}
ANNA = {"first_names": "Anna", "name_prefix": "de", "date_of_birth": "1976-03-02"}


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("gm0599", "municipality", "0599")
    for org, kind in (
        ("woonstad", "housing"),
        ("vattenfall", "energy"),
        ("vitens", "water"),
        ("zilveren-kruis", "health_insurer"),
    ):
        chain.add(org, kind, suite="x25519")
    return chain


def debtor(surname: str, **fields: Any) -> dict[str, Any]:
    return {"surname": surname, **fields}


def household(
    *debtors: dict[str, Any], number: int = 126, addition: str | None = "I", reference: str = "C1"
) -> dict[str, Any]:
    address: dict[str, Any] = {
        "street": "Nadiakade",
        "house_number": number,
        "postcode": "1011 KP",
        "town": "Amsterdam",
    }
    if addition:
        address["house_number_addition"] = addition
    return {"debtors": list(debtors), "address": address, "creditor_reference": reference}


def submit(chain: Chain, creditor: str, identity: dict[str, Any], municipality: str = "gm0363", **facts: Any) -> str:
    party = chain.parties[creditor]
    envelope = chain.signal(party, chain.parties[municipality], identity, **facts)
    response = party.client.post("/v1/signals", envelope)
    assert response.status_code == 201, response.data
    return str(envelope["signal_id"])


def case_of(chain: Chain, signal_id: str, municipality: str = "gm0363") -> dict[str, Any]:
    client = chain.parties[municipality].client
    found = client.get(f"/v1/municipality/cases?signal_id={signal_id}")
    assert found.status_code == 200, found.data
    [summary] = found.json["cases"]
    view = client.get(f"/v1/municipality/cases/{summary['id']}")
    assert view.status_code == 200, view.data
    return dict(view.json)


def persons_of(view: dict[str, Any]) -> set[frozenset[tuple[str, int]]]:
    return {frozenset((r["signal_id"], r["debtor"]) for r in p["records"]) for p in view["persons"]}


def dated(days_ago: int) -> dict[str, Any]:
    """Facts of a signal dated ``days_ago`` days before today, with its attestations before it."""
    day = TODAY - dt.timedelta(days=days_ago)
    return {
        "signal_date": day,
        "arrears_since": day - dt.timedelta(days=70),
        "attestations": Attestations(*(day - dt.timedelta(days=d) for d in (20, 18, 40, 40))),
    }


def rows(app: Flask, query: Any) -> list[Any]:
    with app.extensions["signaalhub"].engine.connect() as conn:
        return list(conn.execute(query).all())


def test_a_family_signalled_by_three_creditors_in_three_spellings_is_one_case(chain: Chain) -> None:
    rent = submit(chain, "woonstad", household(debtor("Meer", **PIETER), debtor("Vries", **ANNA), reference="HC1"))
    energy = submit(
        chain,
        "vattenfall",
        household(debtor("MEER, V.D.", initials="P", phone="+31 6 1234 5678"), addition="1-hoog", reference="E77"),
    )
    insurance = submit(
        chain,
        "zilveren-kruis",
        household(
            debtor("de Vries", first_names="Anna Maria", date_of_birth="1976-02-03"), addition="1", reference="Z9"
        ),
    )
    view = case_of(chain, rent)
    assert {s["id"] for s in view["signals"]} == {rent, energy, insurance}
    assert persons_of(view) == {frozenset({(rent, 0), (energy, 0)}), frozenset({(rent, 1), (insurance, 0)})}
    person_links = {(k["signal_id"], k["target_signal_id"]): k for k in view["links"] if k["level"] == "person"}
    assert {"surname_initial_postcode", "phone", "address"} <= set(person_links[(energy, rent)]["agreed"])
    assert "surname_dob" in person_links[(insurance, rent)]["agreed"]  # day and month swapped still agree
    assert all(link["score"] >= 5.0 for link in view["links"])
    household_links = [k for k in view["links"] if k["level"] == "household"]
    assert {k["signal_id"] for k in household_links} == {energy, insurance}
    assert all("address" in k["agreed"] for k in household_links)


def test_unrelated_residents_of_a_student_house_share_a_case_but_stay_separate_persons(chain: Chain) -> None:
    students = [
        debtor("Jansen", initials="J.", date_of_birth="2003-04-11"),
        debtor("Jansen", initials="J.", date_of_birth="2004-09-23"),  # same surname and initial, another person
        debtor("Öztürk", first_names="Elif", date_of_birth="2002-12-30"),
        debtor("Bakker", first_names="Sem", date_of_birth="2001-07-05"),
    ]
    ids = [
        submit(chain, "zilveren-kruis", household(student, addition=None, reference=f"Z{i}"))
        for i, student in enumerate(students)
    ]
    ids.append(submit(chain, "vattenfall", household(students[3], addition=None, reference="E1")))
    view = case_of(chain, ids[0])
    assert {s["id"] for s in view["signals"]} == set(ids)
    assert persons_of(view) == {
        frozenset({(ids[0], 0)}),
        frozenset({(ids[1], 0)}),
        frozenset({(ids[2], 0)}),
        frozenset({(ids[3], 0), (ids[4], 0)}),
    }


def test_a_split_is_remembered_and_a_new_signal_does_not_undo_it(app: Flask, chain: Chain) -> None:
    gm = chain.parties["gm0363"].client
    family = submit(chain, "woonstad", household(debtor("Meer", **PIETER), debtor("Vries", **ANNA)))
    lodger = submit(chain, "vattenfall", household(debtor("Kok", initials="R."), reference="E5"))
    case = case_of(chain, family)
    assert {s["id"] for s in case["signals"]} == {family, lodger}  # same address: one household

    response = gm.post(f"/v1/municipality/cases/{case['id']}/split", {"signal_ids": [lodger]})
    assert response.status_code == 201, response.data
    split = response.json
    assert [s["id"] for s in split["signals"]] == [lodger]
    assert split["origin"] == "split" and split["split_from"] == case["id"]
    assert [s["id"] for s in case_of(chain, family)["signals"]] == [family]
    assert rows(app, sa.select(link_blocks.c.signal_id)) != []

    again = submit(chain, "vattenfall", household(debtor("Kok", initials="R."), reference="E5"), amount_cents=99_000)
    water = submit(chain, "vitens", household(debtor("Meer", initials="P", date_of_birth="1974-06-17"), reference="W1"))
    assert {s["id"] for s in case_of(chain, again)["signals"]} == {lodger, again}
    assert {s["id"] for s in case_of(chain, family)["signals"]} == {family, water}
    actions = [r.action for r in rows(app, sa.select(evidence.c.action).order_by(evidence.c.seq))]
    assert actions.count("case.split") == 2  # one entry for each of the two cases


def test_merge_joins_two_cases_and_the_old_id_leads_to_the_merged_case(app: Flask, chain: Chain) -> None:
    gm = chain.parties["gm0363"].client
    one = submit(chain, "woonstad", household(debtor("Meer", **PIETER)))
    other = submit(chain, "vitens", household(debtor("Vries", **ANNA), number=3, addition=None, reference="W2"))
    first, second = case_of(chain, one), case_of(chain, other)
    assert first["id"] != second["id"]

    merged = gm.post(f"/v1/municipality/cases/{first['id']}/merge", {"case_id": second["id"]})
    assert merged.status_code == 200, merged.data
    assert {s["id"] for s in merged.json["signals"]} == {one, other}
    assert [m["case_id"] for m in merged.json["merged_from"]] == [second["id"]]
    assert merged.json["merged_from"][0]["merged_by"] == "municipality"
    assert gm.get(f"/v1/municipality/cases/{second['id']}").json["id"] == first["id"]
    assert [c["id"] for c in gm.get("/v1/municipality/cases").json["cases"]] == [first["id"]]
    same = gm.post(f"/v1/municipality/cases/{first['id']}/merge", {"case_id": second["id"]})
    assert same.status_code == 422
    assert "case.merge" in {r.action for r in rows(app, sa.select(evidence.c.action))}


def test_merge_lifts_a_split(app: Flask, chain: Chain) -> None:
    gm = chain.parties["gm0363"].client
    family = submit(chain, "woonstad", household(debtor("Meer", **PIETER)))
    lodger = submit(chain, "vattenfall", household(debtor("Kok", initials="R."), reference="E5"))
    case = case_of(chain, family)
    split = gm.post(f"/v1/municipality/cases/{case['id']}/split", {"signal_ids": [lodger]}).json
    assert gm.post(f"/v1/municipality/cases/{case['id']}/merge", {"case_id": split["id"]}).status_code == 200
    assert rows(app, sa.select(link_blocks.c.signal_id)) == []
    later = submit(chain, "vattenfall", household(debtor("Kok", initials="R."), reference="E5"), amount_cents=99_000)
    assert {s["id"] for s in case_of(chain, later)["signals"]} == {family, lodger, later}


def test_a_split_names_only_signals_of_the_case_and_leaves_one(chain: Chain) -> None:
    gm = chain.parties["gm0363"].client
    family = submit(chain, "woonstad", household(debtor("Meer", **PIETER)))
    elsewhere = submit(chain, "vitens", household(debtor("Vries", **ANNA), number=3, addition=None))
    case = case_of(chain, family)
    outside = gm.post(f"/v1/municipality/cases/{case['id']}/split", {"signal_ids": [elsewhere]})
    assert outside.status_code == 422 and outside.json["invalid_params"][0]["name"] == "signal_ids.0"
    everything = gm.post(f"/v1/municipality/cases/{case['id']}/split", {"signal_ids": [family]})
    assert everything.status_code == 422 and everything.json["invalid_params"][0]["name"] == "signal_ids"


def test_a_repeat_report_is_flagged_only_while_the_amount_has_not_grown(chain: Chain) -> None:
    identity = household(debtor("Meer", **PIETER), reference="HC1")
    first = submit(chain, "woonstad", identity, amount_cents=50_000, **dated(60))
    lower = submit(chain, "woonstad", identity, amount_cents=45_000, **dated(30))
    grown = submit(chain, "woonstad", identity, amount_cents=90_000, **dated(2))
    other_contract = submit(chain, "woonstad", household(debtor("Meer", **PIETER), reference="HC2"), amount_cents=100)
    signals = {s["id"]: s for s in case_of(chain, first)["signals"]}
    assert signals[lower]["repeat_of"] == first
    assert signals[first]["repeat_of"] is None
    assert signals[grown]["repeat_of"] is None
    assert signals[other_contract]["repeat_of"] is None


def test_signals_outside_the_linking_window_no_longer_attract_new_ones(chain: Chain) -> None:
    old = submit(chain, "woonstad", household(debtor("Meer", **PIETER)), **dated(300))
    recent = submit(chain, "vitens", household(debtor("Meer", **PIETER), reference="W1"), **dated(100))
    new = submit(chain, "vattenfall", household(debtor("Meer", **PIETER), reference="E1"), **dated(1))
    assert case_of(chain, old)["id"] != case_of(chain, recent)["id"]
    assert case_of(chain, recent)["id"] == case_of(chain, new)["id"]


def test_the_case_lists_crisis_signals_first(chain: Chain) -> None:
    quiet = submit(chain, "vitens", household(debtor("Meer", **PIETER), reference="W1"))
    eviction = submit(
        chain,
        "woonstad",
        household(debtor("Meer", **PIETER), reference="HC1"),
        crisis=Crisis("eviction", TODAY + dt.timedelta(days=20)),
        **dated(5),
    )
    view = case_of(chain, quiet)
    assert [s["id"] for s in view["signals"]] == [eviction, quiet]
    assert view["signals"][0]["crisis"] == {"kind": "eviction", "date": (TODAY + dt.timedelta(days=20)).isoformat()}


def test_a_signal_bridging_two_cases_merges_them_and_the_municipality_hears_of_it(app: Flask, chain: Chain) -> None:
    pieter = submit(chain, "vitens", household(debtor("Meer", **PIETER), number=3, addition=None, reference="W1"))
    anna = submit(chain, "zilveren-kruis", household(debtor("Vries", **ANNA), number=9, addition=None, reference="Z1"))
    absorbed = case_of(chain, anna)["id"]
    assert case_of(chain, pieter)["id"] != absorbed
    joint = submit(chain, "woonstad", household(debtor("Meer", **PIETER), debtor("Vries", **ANNA), number=50))
    view = case_of(chain, joint)
    assert {s["id"] for s in view["signals"]} == {pieter, anna, joint}
    assert len(view["persons"]) == 2
    assert {m["merged_by"] for m in view["merged_from"]} == {"signal"}
    events = rows(app, sa.select(outbox.c.recipient_id, outbox.c.object_id).where(outbox.c.event_type == "case.merged"))
    assert [tuple(e) for e in events] == [("gm0363", view["merged_from"][0]["case_id"])]
    # the absorbed case's report says so, and the municipality hears of both reports' new versions
    merged = view["merged_from"][0]["case_id"]
    assert rows(app, sa.select(reports.c.state).where(reports.c.case_id == merged)) == [("merged",)]
    updated = rows(
        app,
        sa.select(outbox.c.object_id, outbox.c.object_version)
        .where(outbox.c.event_type == "report.updated", outbox.c.object_id.in_([merged, view["id"]]))
        .order_by(outbox.c.id.desc())
        .limit(2),
    )
    assert sorted(tuple(e) for e in updated) == sorted([(merged, 2), (view["id"], 2)])


def test_one_batch_merging_twice_marks_each_absorbed_report_once(app: Flask, chain: Chain) -> None:
    """The batch path takes the reports to change from the matcher. Two merges in one batch, the second
    absorbing the case the first kept (Anna's into Kees's, then that into Pieter's), leave each absorbed
    report merged at version 2 and the case holding everything at version 2 (one change for the batch),
    each version told to the municipality once."""
    kees = {"first_names": "Kees", "initials": "K.", "date_of_birth": "1951-11-30", "phone": "06-87654321"}
    pieter = submit(chain, "vitens", household(debtor("Meer", **PIETER), number=3, addition=None, reference="W1"))
    anna = submit(chain, "zilveren-kruis", household(debtor("Vries", **ANNA), number=9, addition=None, reference="Z1"))
    bakker = submit(chain, "vattenfall", household(debtor("Bakker", **kees), number=11, addition=None, reference="V1"))
    before = {case_of(chain, signal)["id"] for signal in (pieter, anna, bakker)}
    assert len(before) == 3
    pieters = case_of(chain, pieter)["id"]
    party = chain.parties["woonstad"]
    joint = [
        chain.signal(
            party, chain.parties["gm0363"], household(*debtors, number=number, addition=None, reference=reference)
        )
        for debtors, number, reference in (
            ((debtor("Vries", **ANNA), debtor("Bakker", **kees)), 11, "HC1"),  # Kees's address: his case wins
            ((debtor("Meer", **PIETER), debtor("Vries", **ANNA)), 3, "HC2"),  # Pieter's: his absorbs Kees's
        )
    ]
    response = party.client.post("/v1/signals/batch", {"signals": joint})
    assert response.status_code == 201 and [r["outcome"] for r in response.json["results"]] == ["created"] * 2
    view = case_of(chain, pieter)
    assert {s["id"] for s in view["signals"]} == {pieter, anna, bakker} | {str(s["signal_id"]) for s in joint}
    absorbed = {m["case_id"] for m in view["merged_from"]}
    assert view["id"] == pieters and absorbed == before - {pieters}  # the chain: Anna's went via Kees's
    states = rows(
        app, sa.select(reports.c.case_id, reports.c.state, reports.c.version).where(reports.c.case_id.in_(before))
    )
    assert sorted(states) == sorted([(case_id, "merged", 2) for case_id in absorbed] + [(view["id"], "new", 2)])
    updated = rows(
        app,
        sa.select(outbox.c.object_id, outbox.c.object_version).where(
            outbox.c.event_type == "report.updated", outbox.c.object_id.in_(before)
        ),
    )
    assert sorted(updated) == sorted([(case_id, 1) for case_id in before] + [(case_id, 2) for case_id in before])


def test_a_batch_adding_and_withdrawing_in_one_case_raises_its_report_once_for_each(app: Flask, chain: Chain) -> None:
    """A batch that brings one case a new signal and a withdrawal records two changes, in that order: the
    second reason starts from the version the first one left."""
    first = submit(chain, "vitens", household(debtor("Meer", **PIETER), reference="W1"))
    case_id = case_of(chain, first)["id"]
    party = chain.parties["vitens"]
    batch = [
        chain.signal(party, chain.parties["gm0363"], household(debtor("Meer", **PIETER), reference="W2")),
        chain.signal(
            party,
            chain.parties["gm0363"],
            household(debtor("Meer", **PIETER), reference="W1"),
            status="withdrawn",
            supersedes=uuid.UUID(first),
        ),
    ]
    response = party.client.post("/v1/signals/batch", {"signals": batch})
    assert response.status_code == 201 and [r["outcome"] for r in response.json["results"]] == ["created"] * 2
    assert case_of(chain, first)["id"] == case_id
    changes = rows(
        app,
        sa.select(report_changes.c.version, report_changes.c.reason)
        .where(report_changes.c.case_id == case_id)
        .order_by(report_changes.c.seq),
    )
    assert [tuple(c) for c in changes] == [(1, "signal_added"), (2, "signal_added"), (3, "signal_withdrawn")]
    assert rows(app, sa.select(reports.c.version).where(reports.c.case_id == case_id)) == [(3,)]
    updated = rows(
        app,
        sa.select(outbox.c.object_version)
        .where(outbox.c.event_type == "report.updated", outbox.c.object_id == case_id)
        .order_by(outbox.c.id),
    )
    assert [v for (v,) in updated] == [1, 2, 3]


def test_cases_are_seen_only_by_their_own_municipality(chain: Chain) -> None:
    signal = submit(chain, "woonstad", household(debtor("Meer", **PIETER)))
    case_id = case_of(chain, signal)["id"]
    other = chain.parties["gm0599"].client
    assert other.get(f"/v1/municipality/cases/{case_id}").status_code == 404
    assert other.get(f"/v1/municipality/cases?signal_id={signal}").json["cases"] == []
    split = other.post(f"/v1/municipality/cases/{case_id}/split", {"signal_ids": [signal]})
    assert split.status_code == 404 and split.json["code"] == "case_unknown"
    creditor = chain.parties["woonstad"].client
    assert creditor.get(f"/v1/municipality/cases/{case_id}").status_code == 403


def test_the_same_person_in_another_municipality_is_another_case(chain: Chain) -> None:
    here = submit(chain, "woonstad", household(debtor("Meer", **PIETER)))
    there = submit(chain, "vitens", household(debtor("Meer", **PIETER), reference="W1"), municipality="gm0599")
    assert case_of(chain, here)["signals"] != case_of(chain, there, "gm0599")["signals"]
    assert len(case_of(chain, there, "gm0599")["signals"]) == 1


def test_a_record_that_matches_two_persons_makes_them_one_unless_their_dates_of_birth_differ(chain: Chain) -> None:
    no_birth_date = submit(chain, "vattenfall", household(debtor("Meer", initials="P", phone="0612345678")))
    no_initials = submit(chain, "zilveren-kruis", household(debtor("Meer", date_of_birth="1974-06-17"), reference="Z1"))
    assert len(case_of(chain, no_birth_date)["persons"]) == 2  # only the address in common
    complete = submit(chain, "woonstad", household(debtor("van der Meer", **PIETER), reference="HC1"))
    assert persons_of(case_of(chain, complete)) == {frozenset({(no_birth_date, 0), (no_initials, 0), (complete, 0)})}

    father = submit(chain, "vitens", household(debtor("Bos", initials="J.", date_of_birth="1950-02-03"), number=8))
    son = submit(chain, "zilveren-kruis", household(debtor("Bos", initials="J.", date_of_birth="1980-07-09"), number=8))
    either = submit(chain, "vattenfall", household(debtor("Bos", initials="J"), number=8, reference="E8"))
    persons = persons_of(case_of(chain, either))
    assert frozenset({(father, 0), (son, 0)}) not in persons and len(persons) == 2

"""A creditor's answers file is checked row by row before anything is sent: each problem names the line,
the exchange standard's field and the file's column, never the value."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from adapters.settlement_answers import AnswerFileError, check_answer, check_file

PARTICIPANT = str(uuid.uuid4())


def test_a_windows_csv_with_semicolons_and_dutch_amounts(tmp_path: Path) -> None:
    path = tmp_path / "antwoorden.csv"
    path.write_bytes(
        "participant_id;action;principal;interest;costs;preferential;note\n"
        f"{PARTICIPANT};claim;1.234,56;12,5;€ 40,00;ja;Huur tot en met oktober, incl. kosten deurwaarder\n".encode(
            "cp1252"
        )
    )
    [answer], problems = check_file(path)
    assert problems == []
    assert answer.line == 2 and answer.endpoint.endswith(f"{PARTICIPANT}/claim-statement")
    assert answer.facts == {
        "principal_cents": 123456,
        "interest_cents": 1250,
        "costs_cents": 4000,
        "preferential": True,
    }
    assert answer.payload == {"note": "Huur tot en met oktober, incl. kosten deurwaarder"}


def test_every_problem_of_every_row_is_named_by_line_field_and_column(tmp_path: Path) -> None:
    path = tmp_path / "antwoorden.csv"
    path.write_text(
        "participant_id,action,principal,interest,costs,reason,counter\n"
        f"{PARTICIPANT},claim,12x,0,,,\n"
        "not-a-uuid,accept,,,,,\n"
        f"{PARTICIPANT},reject,,,,,\n"
        f"{PARTICIPANT},counter,,,,,\n"
        f"{PARTICIPANT},refuse,,,,fraud_suspected,\n"
        f"{PARTICIPANT},accept,100,,,,\n"
        f"{PARTICIPANT},dance,,,,,\n"
        f"{PARTICIPANT},reject,,,,term_too_long,\n"
    )
    answers, problems = check_file(path)
    assert [(a.line, a.facts) for a in answers] == [(9, {"answer": "reject", "reason": "term_too_long"})]
    assert [(p.line, p.field, p.column) for p in problems] == [
        (2, "principal_cents", "principal"),
        (2, "costs_cents", "costs"),
        (3, "participant_id", "participant_id"),
        (4, "reason", "reason"),
        (5, "counter", "counter"),
        (6, "reason", "reason"),
        (7, "principal", "principal"),
        (8, "action", "action"),
    ]
    assert all("12x" not in p.reason and "fraud_suspected" not in p.reason for p in problems)


def test_json_lines_take_numbers_as_euros_and_report_lines_that_are_not_objects(tmp_path: Path) -> None:
    path = tmp_path / "antwoorden.jsonl"
    rows = [
        {"participant_id": PARTICIPANT, "action": "claim", "principal": 642.5, "interest": 0, "costs": "12,00"},
        ["not", "an", "object"],
        {"participant_id": PARTICIPANT, "action": "counter", "counter": "40% in 18 maanden", "note": "Bel ons."},
        {"participant_id": PARTICIPANT, "action": "accept", "colour": "blue"},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n\n")
    answers, problems = check_file(path)
    assert [a.facts for a in answers] == [
        {"principal_cents": 64250, "interest_cents": 0, "costs_cents": 1200, "preferential": False},
        {"answer": "reject", "reason": "percentage_too_low"},
    ]
    assert answers[1].payload == {"note": "Counter-offer: 40% in 18 maanden. Bel ons."}
    assert [(p.line, p.field) for p in problems] == [(2, "row"), (4, "row")]


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "antwoorden.csv"
    path.write_text("deelnemer;actie\nx;y\n")
    with pytest.raises(AnswerFileError, match="participant_id and action"):
        check_file(path)


def test_a_single_answer_from_the_command_line() -> None:
    answer = check_answer(0, {"participant_id": PARTICIPANT, "action": "refuse", "reason": "no_convenant"})
    assert not isinstance(answer, list)
    assert answer.kind == "refusal" and answer.describe() == "refuses to cooperate (no_convenant)"

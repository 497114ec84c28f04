"""The dossier's state machine and the message table, checked move by move against a table written out
here independently of hub/domain/settlement_states.py."""

import itertools

import pytest

from hub.domain import settlement_messages as messages
from hub.domain import settlement_states as states

# from -> the states it may move to, read off the settlement flow (docs/settlements.md)
EXPECTED = {
    "opened": {"inventory", "failed", "withdrawn"},
    "inventory": {"proposal", "failed", "withdrawn"},
    "proposal": {"inventory", "negotiation", "failed", "withdrawn"},
    "negotiation": {"proposal", "agreed", "failed", "withdrawn"},
    "agreed": {"running", "failed", "withdrawn"},
    "running": {"completed", "failed"},
    "completed": set(),
    "failed": set(),
    "withdrawn": set(),
}


def test_the_states_are_the_nine_of_the_issue() -> None:
    assert set(states.STATES) == set(EXPECTED)
    assert {"completed", "failed", "withdrawn"} == states.TERMINAL


@pytest.mark.parametrize(("current", "target"), list(itertools.product(states.STATES, states.STATES)))
def test_every_move_is_allowed_exactly_when_the_table_says(current: str, target: str) -> None:
    if target in EXPECTED[current]:
        states.check(current, target)
        assert target in states.allowed(current)
    else:
        with pytest.raises(states.TransitionRefused) as error:
            states.check(current, target)
        assert error.value.current == current and error.value.target == target


def test_an_unknown_state_moves_nowhere() -> None:
    with pytest.raises(states.TransitionRefused):
        states.check("lost", "opened")


def test_terminal_states_are_inactive_and_every_state_is_reachable_from_opened() -> None:
    assert [s for s in states.STATES if not states.is_active(s)] == ["completed", "failed", "withdrawn"]
    reached, frontier = {"opened"}, ["opened"]
    while frontier:
        for target in states.allowed(frontier.pop()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(states.STATES)


def test_plain_moves_and_outcomes_are_allowed_moves() -> None:
    for current, target in states.PLAIN_MOVES:
        states.check(current, target)
    assert set(states.OUTCOMES.values()) == states.TERMINAL


def test_every_move_a_message_makes_is_allowed_and_possible_where_it_may_be_sent() -> None:
    assert {k.name for k in messages.KINDS.values() if not k.sealed} == {
        k.name for k in messages.KINDS.values() if k.sender == "hub"
    }
    for kind in messages.KINDS.values():
        assert kind.states, kind.name
        assert not kind.states & states.TERMINAL, f"{kind.name} may be sent in an ended dossier"
        for current, target in kind.moves.items():
            assert current in kind.states, kind.name
            states.check(current, target)


@pytest.mark.parametrize(
    ("kind", "state", "after"),
    [
        ("notice", "opened", "inventory"),
        ("notice", "inventory", None),
        ("claim_request", "opened", "inventory"),
        ("claim_statement", "proposal", "inventory"),
        ("proposal", "proposal", "negotiation"),
        ("agreed", "negotiation", "agreed"),
        ("proposal_answer", "negotiation", None),
    ],
)
def test_messages_move_the_dossier(kind: str, state: str, after: str | None) -> None:
    messages.check_sendable(kind, state)
    assert messages.next_state(kind, state) == after


@pytest.mark.parametrize(
    ("kind", "state"),
    [("proposal", "inventory"), ("agreed", "proposal"), ("claim_statement", "negotiation"), ("status", "completed")],
)
def test_messages_out_of_turn_are_refused(kind: str, state: str) -> None:
    with pytest.raises(messages.MessageRefused) as error:
        messages.check_sendable(kind, state)
    assert error.value.code == "dossier_state"

"""How the adapter sorts the hub's refusals of a batch: rows to reseal after refreshing the routing table
and directory, rows to reject with the hub's reason, and problems that stop the push."""

from __future__ import annotations

from adapters.answers import HubUnavailable, SetupProblem, classify, explain
from adapters.client import HubClientError, HubUnreachableError


def _problem(code: str, *names: str) -> dict[str, object]:
    return {"code": code, "invalid_params": [{"name": name, "reason": f"reason of {name}"} for name in names]}


def test_stale_routing_reseals_the_named_signals() -> None:
    refusal = classify(_problem("routing_version_stale", "signals.0.routing_version", "signals.2.routing_version"), 3)
    assert refusal.reseal == {0, 2} and not refusal.rejected and not refusal.general


def test_a_revoked_key_reseals_and_a_bad_field_rejects() -> None:
    problem = _problem("validation_failed", "signals.1.sealed_identity.key_id", "signals.2.amount_cents")
    refusal = classify(problem, 3)
    assert refusal.reseal == {1}
    assert refusal.rejected == {2: [("amount_cents", "reason of signals.2.amount_cents")]}


def test_a_signal_with_a_real_problem_is_not_resealed() -> None:
    problem = _problem("routing_version_stale", "signals.0.routing_version", "signals.0.tokens")
    refusal = classify(problem, 1)
    assert refusal.reseal == set() and set(refusal.rejected) == {0}


def test_batch_level_problems_stop_the_push() -> None:
    assert classify(_problem("validation_failed", "signals"), 5).general == ["signals: reason of signals"]
    assert classify(_problem("validation_failed", "signals.9.amount_cents"), 5).general


def test_explanations_say_what_to_check() -> None:
    assert isinstance(explain(HubUnreachableError("GET /v1/routing: ConnectionError"), "https://hub"), HubUnavailable)
    unsigned = explain(HubClientError(401, {"code": "signature_expired"}), "https://hub")
    assert isinstance(unsigned, SetupProblem) and "clock" in str(unsigned)
    assert isinstance(explain(HubClientError(503, {"code": "database_unreachable"}), "https://hub"), HubUnavailable)
    assert "smaller --batch-size" in str(explain(HubClientError(413, {"code": "payload_too_large"}), "https://hub"))

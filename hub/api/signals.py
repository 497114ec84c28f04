"""Signals: creditors submit and follow their own; municipalities collect, acknowledge and answer."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.errors import InvalidParam, ValidationFailed
from hub.services import current_services
from schemas.v1 import signal_api as api_schemas
from schemas.v1.signal import SignalBatchSchema, SignalSchema

blp = Blueprint("signals", __name__, url_prefix="/v1", description="Arrears signals (vroegsignalen)")

# The schema's own ceiling only bounds parsing work; the configured HUB_BATCH_MAX_SIGNALS is checked below.
_PARSE_CEILING = 10_000


def _count_accepted(signals: list[dict[str, Any]], results: list[Any]) -> None:
    counter = current_app.extensions["signaalhub_metrics"].signals_accepted
    for signal, result in zip(signals, results, strict=True):
        if result.outcome == "created":
            counter.labels(signal["sector"]).inc()


def _page(rows: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    return {"signals": rows, "next_after": rows[-1]["seq"] if len(rows) == limit else None}


@blp.route("/signals", methods=["POST"])
@blp.arguments(SignalSchema())  # an instance: webargs would build a schema from a class on every request
@blp.response(201, api_schemas.SubmitResult)
@blp.alt_response(200, schema=api_schemas.SubmitResult, description="An identical earlier submission")
def submit_signal(signal: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Submit one signal. Idempotent by `signal_id`: a retry returns the original result (200); another
    body under the same id is a 409."""
    result = current_services().signals.submit(current_actor(), [signal])[0]
    _count_accepted([signal], [result])
    return result.__dict__, 201 if result.outcome == "created" else 200


@blp.route("/signals/batch", methods=["POST"])
@blp.arguments(SignalBatchSchema(max_signals=_PARSE_CEILING))
@blp.response(201, api_schemas.BatchResult)
@blp.alt_response(200, schema=api_schemas.BatchResult, description="Every signal was an identical resubmission")
def submit_batch(batch: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Submit up to HUB_BATCH_MAX_SIGNALS (default 1,000) signals, all-or-nothing: one invalid signal
    rejects the batch with every bad field named (`signals.<index>.<field>`) and nothing stored."""
    services = current_services()
    maximum = services.settings.batch_max_signals
    if len(batch["signals"]) > maximum:
        raise ValidationFailed(
            f"A batch holds at most {maximum} signals.",
            invalid_params=[InvalidParam("signals", f"At most {maximum} signals per batch.")],
        )
    results = services.signals.submit(current_actor(), batch["signals"], prefix="signals.")
    _count_accepted(batch["signals"], results)
    created = any(r.outcome == "created" for r in results)
    return {"results": [r.__dict__ for r in results]}, 201 if created else 200


@blp.route("/signals")
@blp.arguments(api_schemas.PageArgs, location="query")
@blp.response(200, api_schemas.SignalPage)
def list_own_signals(args: dict[str, Any]) -> dict[str, Any]:
    """Your own signals with their state, in order of arrival."""
    rows = current_services().signals.page(current_actor(), "creditor", **args)
    return _page(rows, args["limit"])


@blp.route("/signals/<signal_id>")
@blp.response(200, api_schemas.SignalView)
def show_own_signal(signal_id: str) -> dict[str, Any]:
    """One of your own signals: its facts, state, and the reference you sealed for yourself."""
    return current_services().signals.one(current_actor(), "creditor", signal_id)


@blp.route("/municipality/signals")
@blp.arguments(api_schemas.PageArgs, location="query")
@blp.response(200, api_schemas.SignalPage)
def list_routed_signals(args: dict[str, Any]) -> dict[str, Any]:
    """Signals routed to your municipality, with the identity sealed for you until you acknowledge it.
    Poll with `state=received` until empty, acknowledging each signal you stored."""
    rows = current_services().signals.page(current_actor(), "municipality", **args)
    return _page(rows, args["limit"])


@blp.route("/municipality/signals/<signal_id>")
@blp.response(200, api_schemas.SignalView)
def show_routed_signal(signal_id: str) -> dict[str, Any]:
    """One signal routed to your municipality."""
    return current_services().signals.one(current_actor(), "municipality", signal_id)


@blp.route("/municipality/signals/<signal_id>/ack", methods=["POST"])
@blp.response(200, api_schemas.SignalView)
def acknowledge_signal(signal_id: str) -> dict[str, Any]:
    """You have opened and stored the identity: the hub deletes its sealed copy (data leaves once
    delivered) and tells the creditor the signal was delivered."""
    return current_services().signals.acknowledge(current_actor(), signal_id)


@blp.route("/municipality/signals/<signal_id>/outcome", methods=["POST"])
@blp.arguments(api_schemas.OutcomeIn)
@blp.response(200, api_schemas.SignalView)
def record_outcome(body: dict[str, Any], signal_id: str) -> dict[str, Any]:
    """Picked up or not: the creditor learns only the state and, for a repeat or unfounded report, that kind."""
    return current_services().signals.record_outcome(current_actor(), signal_id, body["status"])

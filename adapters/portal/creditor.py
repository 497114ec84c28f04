"""The creditor's pages: the state of the signals it sent, and the settlements waiting for its answer.

Signals: the adapter's local push state (``adapters.state``), refreshed from the hub on request
(``adapters.status.refresh_hub_states``); the hub tells a creditor only what the law allows (picked up or
not, and the lawful reason). Settlements: the creditor's own place in each dossier at the hub, and the
messages the debt-help organisations sent, collected, opened and kept by ``adapters.creditor_desk.CreditorDesk`` (as
``signaal settlements`` does); requests with an open deadline first, overdue ones on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from adapters.creditor_desk import CreditorDesk
from adapters.portal.context import current_portal
from adapters.settlement_exchange import Party
from adapters.settlement_store import ReceivedMessage
from adapters.state import FileSummary, PushState
from adapters.status import refresh_hub_states

blp = Blueprint("creditor", __name__, url_prefix="/schuldeiser")


@dataclass(frozen=True)
class StateCount:
    """How many signals are in one state at the hub (``reason``: the lawful not-picked-up reason)."""

    state: str
    reason: str | None
    count: int


def state_counts(hub_states: Mapping[str, int]) -> list[StateCount]:
    """``FileSummary.hub_states`` (labels ``state`` or ``state (reason)``) as rows, in the chain's order."""
    order = ("received", "delivered", "picked_up", "not_picked_up", "unknown")
    rows = []
    for label, count in hub_states.items():
        state, _, reason = label.partition(" (")
        rows.append(StateCount(state, reason.rstrip(")") or None, count))
    return sorted(rows, key=lambda r: (order.index(r.state) if r.state in order else len(order), r.reason or ""))


def _state() -> PushState:
    return PushState(current_portal().config.data_dir / "state.sqlite3")


@blp.route("/signalen")
def signals() -> ResponseReturnValue:
    summaries: list[FileSummary] = list(reversed(_state().summaries()))
    totals: dict[str, int] = {}
    for summary in summaries:
        for label, count in summary.hub_states.items():
            totals[label] = totals.get(label, 0) + count
    return render_template(
        "creditor/signals.html",
        files=[(s, state_counts(s.hub_states)) for s in summaries],
        totals=state_counts(totals),
        form=FlaskForm(),
    )


@blp.route("/signalen/vernieuwen", methods=["POST"])
def refresh() -> ResponseReturnValue:
    if FlaskForm().validate_on_submit():
        tally = refresh_hub_states(current_portal().client(), _state())
        flash(f"Bijgewerkt: de hub kent {tally.listed} signalen van u, {tally.ours} verstuurd vanaf hier.", "info")
    return redirect(url_for("creditor.signals"))


def desk() -> CreditorDesk:
    portal = current_portal()
    config = portal.config
    party = Party(config.organisation_id, portal.client(), config.encryption_key(), "creditor")
    return CreditorDesk(party, CreditorDesk.store_in(config.data_dir), config.hub_url)


def waiting_first(settlements: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Those with an open request (overdue first, then the nearest deadline), and the others."""
    waiting = [s for s in settlements if s.get("deadline")]
    waiting.sort(key=lambda s: (not s["deadline"]["overdue"], s["deadline"]["due_at"]))
    return waiting, [s for s in settlements if not s.get("deadline")]


@blp.route("/schuldregelingen")
def settlements() -> ResponseReturnValue:
    counter = desk()
    waiting, others = waiting_first(counter.settlements())
    received: dict[str, list[ReceivedMessage]] = {}
    for message in counter.store.received():
        received.setdefault(message.participant_id, []).append(message)
    return render_template(
        "creditor/settlements.html", waiting=waiting, others=others, received=received, form=FlaskForm()
    )


@blp.route("/schuldregelingen/ophalen", methods=["POST"])
def collect() -> ResponseReturnValue:
    if FlaskForm().validate_on_submit():
        fresh = desk().inbox()
        flash(f"{len(fresh)} nieuwe berichten van schuldhulpverleners opgehaald.", "info")
    return redirect(url_for("creditor.settlements"))

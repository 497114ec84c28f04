"""The debt counsellor's pages: referrals to accept, dossiers (overdue first), one dossier with every
creditor's claim, answer, deadline and convenant, and the forms that send claim requests and the proposal.

Everything goes through ``adapters.debt_help.Desk`` (the library behind ``signaal referrals`` and
``signaal dossiers``): it keeps the household's identity and the creditors in the local dossier store,
seals every message for its recipient, and computes the proposal's shares (``adapters.proposals``) so the
counsellor sees them before anything is sent; the hub checks them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from adapters.debt_help import Desk, ProposalPlan
from adapters.dossiers import DossierStore, LocalCreditor, LocalDossier
from adapters.portal.context import current_portal
from adapters.portal.forms import ClaimRequestForm, ConfirmForm, ProposalForm, options
from adapters.portal.words import basis_points
from adapters.proposals import Offer, OfferError, percentage_bp
from adapters.settlement_exchange import Party, SettlementError

blp = Blueprint("debthelp", __name__, url_prefix="/schuldhulp")
ENDED = frozenset({"completed", "failed", "withdrawn"})


def desk() -> Desk:
    portal = current_portal()
    config = portal.config
    party = Party(config.organisation_id, portal.client(), config.encryption_key(), "debt-help")
    return Desk(party, DossierStore.of(config.data_dir))


def deadline_order(creditor: Mapping[str, Any]) -> tuple[bool, bool, str]:
    """Overdue first, then the nearest open deadline, then those with none."""
    deadline = creditor.get("deadline")
    if not deadline:
        return (True, True, "")
    return (not deadline["overdue"], False, str(deadline["due_at"]))


@dataclass(frozen=True)
class DossierRow:
    """One line of the dossier list: what we hold, what the hub says, and its deadlines."""

    local: LocalDossier
    view: dict[str, Any]
    overdue: int
    next_due: str | None

    @property
    def order(self) -> tuple[bool, int, str]:
        """Running dossiers before ended ones; the most overdue first; then the nearest deadline."""
        return (self.view["state"] in ENDED, -self.overdue, self.next_due or "9999")


def dossier_row(local: LocalDossier, view: dict[str, Any]) -> DossierRow:
    deadlines = [c["deadline"] for c in view["creditors"] if c.get("deadline")]
    overdue = sum(1 for d in deadlines if d["overdue"])
    due = sorted(str(d["due_at"]) for d in deadlines)
    return DossierRow(local, view, overdue, due[0] if due else None)


@blp.route("/dossiers")
def dossiers() -> ResponseReturnValue:
    counter = desk()
    rows = sorted(
        (dossier_row(local, counter.view(local.id)) for local in counter.store.dossiers()), key=lambda r: r.order
    )
    return render_template("debthelp/dossiers.html", rows=rows, referrals=counter.referrals(), form=ConfirmForm())


@blp.route("/verwijzingen/<referral_id>/aannemen", methods=["POST"])
def accept(referral_id: str) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        dossier = desk().accept(referral_id)
    except SettlementError:
        flash("Deze verwijzing kan niet worden aangenomen: ze is al behandeld of niet voor u.", "error")
        return redirect(url_for("debthelp.dossiers"))
    flash("De verwijzing is aangenomen; het dossier is geopend.", "info")
    return redirect(url_for("debthelp.dossier", dossier_id=dossier.id))


@blp.route("/berichten/ophalen", methods=["POST"])
def collect() -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        fresh = desk().inbox()
        flash(f"{len(fresh)} nieuwe berichten van schuldeisers opgehaald.", "info")
    return redirect(url_for("debthelp.dossiers"))


def _page(counter: Desk, dossier_id: str, **extra: Any) -> dict[str, Any]:
    local = counter.store.dossier(dossier_id)
    if local is None:
        abort(404)
    view = counter.view(dossier_id)
    names = {c.participant_id: c for c in counter.store.creditors(dossier_id)}
    creditors = sorted(view["creditors"], key=deadline_order)
    claim_form = extra.pop("claim_form", None) or ClaimRequestForm(prefix="claims")
    claim_form.participants.choices = options(_requestable(view, names))
    return {
        "local": local,
        "view": view,
        "creditors": creditors,
        "names": names,
        "received": counter.store.received(dossier_id=dossier_id),
        "consents": counter.client.get(f"/v1/consents?case_id={local.case_id}").json(),
        "claim_form": claim_form,
        "proposal_form": extra.pop("proposal_form", None) or ProposalForm(prefix="proposal"),
        "confirm": ConfirmForm(),
        **extra,
    }


def _requestable(view: Mapping[str, Any], names: Mapping[str, LocalCreditor]) -> list[tuple[str, str]]:
    """Creditors in the hub that can be sent a claim request: those without a stated claim."""
    return [
        (c["participant_id"], names[c["participant_id"]].label if c["participant_id"] in names else c["creditor_id"])
        for c in view["creditors"]
        if c.get("creditor_id") and c["claim"]["state"] == "none"
    ]


@blp.route("/dossiers/<dossier_id>")
def dossier(dossier_id: str) -> ResponseReturnValue:
    return render_template("debthelp/dossier.html", **_page(desk(), dossier_id))


@blp.route("/dossiers/<dossier_id>/schuldeisers", methods=["POST"])
def add_case_creditors(dossier_id: str) -> ResponseReturnValue:
    """Add every creditor that signalled the household's arrears (the hub checks the consent)."""
    counter = desk()
    if counter.store.dossier(dossier_id) is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        added = [counter.add_creditor(dossier_id, creditor_id) for creditor_id in counter.case_creditors(dossier_id)]
        flash(f"{len(added)} schuldeisers uit de melding staan in het dossier.", "info")
    return redirect(url_for("debthelp.dossier", dossier_id=dossier_id))


@blp.route("/dossiers/<dossier_id>/saldoverzoeken", methods=["POST"])
def claim_requests(dossier_id: str) -> ResponseReturnValue:
    counter = desk()
    page = _page(counter, dossier_id)
    form = page["claim_form"]
    if not form.validate_on_submit():
        flash("Het formulier is niet compleet. Bij het formulier staat wat er ontbreekt.", "error")
        return render_template("debthelp/dossier.html", **page), 422
    chosen = [page["names"][p] for p in form.participants.data if p in page["names"]]
    counter.send(dossier_id, "claim_request", chosen)
    flash(f"Saldoverzoek verstuurd aan {len(chosen)} schuldeiser(s).", "info")
    return redirect(url_for("debthelp.dossier", dossier_id=dossier_id))


def _offer(form: ProposalForm) -> Offer:
    return Offer(
        kind=form.kind.data,
        monthly_capacity_cents=(form.monthly_capacity_euros.data or 0) * 100,
        term_months=form.term_months.data or 0,
        lump_sum_cents=(form.lump_sum_euros.data or 0) * 100,
    )


def _plan_rows(plan: ProposalPlan, names: Mapping[str, LocalCreditor]) -> list[dict[str, Any]]:
    return [
        {
            "label": names[claim.participant_id].label if claim.participant_id in names else claim.participant_id,
            "claim": claim.admitted_cents,
            "preferential": claim.preferential,
            "share": plan.shares.get(claim.participant_id, 0),
            "share_bp": percentage_bp(plan.shares.get(claim.participant_id, 0), claim.admitted_cents),
        }
        for claim in plan.claims
    ]


@blp.route("/dossiers/<dossier_id>/voorstel", methods=["POST"])
def proposal(dossier_id: str) -> ResponseReturnValue:
    """Compute the shares and show them; with ``send`` checked by the hub and sent to every creditor."""
    counter = desk()
    form = ProposalForm(prefix="proposal")
    page = _page(counter, dossier_id, proposal_form=form)
    if not form.validate_on_submit():
        flash("Het formulier is niet compleet. Bij het formulier staat wat er ontbreekt.", "error")
        return render_template("debthelp/dossier.html", **page), 422
    try:
        plan = counter.plan_proposal(dossier_id, _offer(form))
        plan.offer.amount(sum(c.admitted_cents for c in plan.claims))
    except (SettlementError, OfferError) as error:
        form.kind.errors = [*form.kind.errors, _why_not(error)]
        flash("Het formulier is niet compleet. Bij het formulier staat wat er ontbreekt.", "error")
        return render_template("debthelp/dossier.html", **page), 422
    return _show_plan(plan, form, page["names"], page["local"])


def fingerprint(plan: ProposalPlan) -> str:
    """The shares as shown, so that sending can check nothing changed in between."""
    return ",".join(f"{participant}:{cents}" for participant, cents in sorted(plan.shares.items()))


def _show_plan(
    plan: ProposalPlan, form: ProposalForm, names: Mapping[str, LocalCreditor], local: LocalDossier
) -> ResponseReturnValue:
    admitted = sum(c.admitted_cents for c in plan.claims)
    return render_template(
        "debthelp/proposal.html",
        form=form,
        plan=plan,
        rows=_plan_rows(plan, names),
        admitted=admitted,
        local=local,
        fingerprint=fingerprint(plan),
    )


@blp.route("/dossiers/<dossier_id>/voorstel/versturen", methods=["POST"])
def send_proposal(dossier_id: str) -> ResponseReturnValue:
    counter = desk()
    form = ProposalForm(prefix="proposal")
    if counter.store.dossier(dossier_id) is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    plan = counter.plan_proposal(dossier_id, _offer(form))
    if request.form.get("shares") != fingerprint(plan):
        # a claim changed since the shares were shown: show the new ones instead of sending others
        flash("Een vordering is intussen veranderd. Controleer de nieuwe aandelen.", "warning")
        local = counter.store.dossier(dossier_id)
        assert local is not None  # checked above
        return _show_plan(plan, form, {c.participant_id: c for c in counter.store.creditors(dossier_id)}, local)
    checked = counter.send_proposal(dossier_id, plan)
    at_once = sum(1 for c in checked.get("convenant_checks") or [] if c["compliant"])
    flash(
        f"Het betaalvoorstel is verstuurd ({basis_points(checked['percentage_bp'])} van de vorderingen)."
        + (f" {at_once} schuldeiser(s) gingen direct akkoord onder hun convenant." if at_once else ""),
        "info",
    )
    return redirect(url_for("debthelp.dossier", dossier_id=dossier_id))


def _why_not(error: Exception) -> str:
    if isinstance(error, OfferError):
        return "Vul de afloscapaciteit en de looptijd in (of het bedrag ineens bij een saneringskrediet)."
    return "Nog niet alle schuldeisers hebben hun vordering opgegeven. Wacht op hun antwoord of vraag het saldo op."

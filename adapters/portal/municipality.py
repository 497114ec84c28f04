"""The municipality's pages: the inbox of household reports, one household, outcomes, split and merge.

Everything personal comes from the adapter's local store (``adapters.localstore``), which ``signaal reports
pull`` fills; the inbox's "Nieuwe meldingen ophalen" button runs the same pull (``adapters.municipality``:
one at a time, writing the case-system files too).
Outcomes are recorded in the store (``LocalStore.record_contact`` / ``record_result``) and sent at once
with every other pending one (``adapters.outcomes.send_pending``; when the hub cannot be reached they stay
pending for the next send). A referral records the household's consent and refers the case
(``adapters.referral``). Corrections of the matching go to the hub's ``/v1/municipality/cases`` API
through the adapter client, after which the changed reports are pulled again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from adapters.client import HubClient, HubUnreachableError
from adapters.localstore import LocalStore, StoreError
from adapters.localviews import Household, LinkExplanation, ReportSummary
from adapters.municipality import Municipality
from adapters.outcomes import send_pending
from adapters.portal.auth import current_account
from adapters.portal.context import current_portal
from adapters.portal.forms import (
    ConfirmForm,
    ContactForm,
    InboxFilter,
    MergeForm,
    ReferForm,
    ResultForm,
    SplitForm,
    options,
)
from adapters.referral import Consent, ReferralError, record_consent, refer
from adapters.settlement_exchange import key_for, published_keys

blp = Blueprint("municipality", __name__, url_prefix="/gemeente")
INBOX_LIMIT: Final = 500
SETTLEMENT_PURPOSE: Final = "settlement_negotiation"
#: a year less a day: ``record_consent`` dates the consent a second before now and the hub allows at most
#: 365 days from then
REFERRAL_CONSENT_DAYS: Final = 364
#: the 18-month term plus preparation (docs/consent.md: at most 1,095 days)
SETTLEMENT_CONSENT_DAYS: Final = 1_095
#: What each linkage-token kind means, in the staff's words.
TOKEN_WORDS: Final[Mapping[str, str]] = {
    "surname_dob": "achternaam en geboortedatum",
    "phonetic_dob": "achternaam zoals die klinkt en geboortedatum",
    "initial_dob": "voorletter en geboortedatum",
    "surname_initial_postcode": "achternaam, voorletter en postcode",
    "email": "e-mailadres",
    "phone": "telefoonnummer",
    "bsn": "BSN",
    "address": "adres",
    "postcode_house_number": "postcode en huisnummer",
    "contract": "hetzelfde contract bij de schuldeiser",
}
LEVELS: Final[Mapping[str, str]] = {"person": "dezelfde persoon", "household": "hetzelfde huishouden"}


def municipality() -> Municipality:
    """The municipality's directory opened once for this portal (store, client, keys, one pull at a time)."""
    opened: Municipality = current_app.extensions["portal.municipality"]
    return opened


def store() -> LocalStore:
    return municipality().store


def recorder() -> str:
    """Who recorded an outcome, as the store keeps it: the portal account, never a name."""
    return f"portal:{current_account().username}"


def explain(link: LinkExplanation) -> str:
    """Why two signals were linked, in one Dutch sentence."""
    agreed = ", ".join(TOKEN_WORDS.get(k, k) for k in link.agreed) or "geen gedeeld gegeven"
    text = f"Gekoppeld als {LEVELS.get(link.level, link.level)} op: {agreed}"
    if link.disagreed:
        text += f". Verschilde in: {', '.join(TOKEN_WORDS.get(k, k) for k in link.disagreed)}"
    weight = f"{link.score:.1f}".replace(".", ",")
    return f"{text} (gewicht {weight})."


def filtered(form: InboxFilter) -> list[ReportSummary]:
    """The reports the filters select, crisis first (the store's order)."""
    state = form.status.data or None
    rows = store().list_reports(
        state=state,
        open_only=state is None,
        sector=form.sector.data or None,
        crisis_only=bool(form.crisis.data),
        limit=INBOX_LIMIT,
    )
    district = (form.wijk.data or "").strip()
    if district and form.wijk.validate(form):
        rows = [r for r in rows if r.postcode and r.postcode.replace(" ", "").startswith(district)]
    return rows


@blp.route("/meldingen")
def inbox() -> ResponseReturnValue:
    form = InboxFilter(request.args)
    return render_template("municipality/inbox.html", filters=form, reports=filtered(form), pull_form=ConfirmForm())


@blp.route("/meldingen/ophalen", methods=["POST"])
def pull_reports() -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        _pull()
    return redirect(url_for("municipality.inbox"))


def _pull() -> None:
    result = municipality().pull().result
    flash(f"{len(result.stored)} nieuwe of gewijzigde meldingen opgehaald.", "info")
    if result.failures:
        flash(f"{len(result.failures)} meldingen konden niet worden geopend; zie `signaal reports pull`.", "warning")


def household_or_404(case_id: str) -> Household:
    try:
        return store().household(case_id)
    except StoreError:
        abort(404)


def _merge_choices(case_id: str) -> list[tuple[str, str]]:
    rows = store().list_reports(open_only=True, limit=INBOX_LIMIT)
    return [
        (r.case_id, f"{r.name or 'naam onbekend'}, {r.postcode or ''} ({r.case_id[:8]})")
        for r in rows
        if r.case_id != case_id
    ]


def _forms(household: Household) -> dict[str, Any]:
    split = SplitForm(prefix="split")
    split.signal_ids.choices = options((s.signal_id, f"{s.creditor_id} ({s.sector})") for s in household.signals)
    merge = MergeForm(prefix="merge")
    merge.case_id.choices = options(_merge_choices(household.summary.case_id))
    refer_form = ReferForm(prefix="refer")
    refer_form.debt_help_id.choices = options((o["id"], o["name"]) for o in _debt_help_services())
    return {
        "contact": ContactForm(prefix="contact"),
        "result": ResultForm(prefix="result"),
        "refer": refer_form,
        "split": split,
        "merge": merge,
    }


def _debt_help_services() -> list[dict[str, Any]]:
    """Debt-help organisations in the hub's directory that can receive a sealed referral."""
    try:
        organisations = current_portal().client().get("/v1/directory").json()["organisations"]
    except HubUnreachableError:
        return []  # the household stays readable; referring waits until the hub answers
    return [o for o in organisations if o["kind"] == "debt_help" and o["encryption_keys"] and not o.get("disabled")]


def _consents(case_id: str) -> list[dict[str, Any]]:
    """The consents recorded for this case at the hub (for the receipts to print)."""
    try:
        found: list[dict[str, Any]] = current_portal().client().get(f"/v1/consents?case_id={case_id}").json()
    except HubUnreachableError:
        return []
    return found


@blp.route("/huishoudens/<case_id>")
def household(case_id: str) -> ResponseReturnValue:
    found = household_or_404(case_id)
    return _show(found, _forms(found))


def _submitted(case_id: str, name: str) -> tuple[Household, Any, ResponseReturnValue | None]:
    """The household, its posted form ``name``, and the page again with the errors (422) when the form
    does not validate (else None)."""
    found = household_or_404(case_id)
    forms = _forms(found)
    form = forms[name]
    if not form.validate_on_submit():
        return found, form, _show(found, forms, 422)
    return found, form, None


def _show(found: Household, forms: Mapping[str, Any], status: int = 200) -> ResponseReturnValue:
    if status == 422:
        flash("Het formulier is niet compleet. Bij het formulier staat wat er ontbreekt.", "error")
    explanations = [(link, explain(link)) for link in found.links]
    page = render_template(
        "municipality/household.html",
        h=found,
        explanations=explanations,
        forms=forms,
        referrals=store().referrals(found.summary.case_id),
        consents=_consents(found.summary.case_id),
    )
    return page, status


@blp.route("/huishoudens/<case_id>/contact", methods=["POST"])
def record_contact(case_id: str) -> ResponseReturnValue:
    _, form, refused = _submitted(case_id, "contact")
    if refused is not None:
        return refused
    store().record_contact(
        case_id, form.kind.data, form.reached.data == "ja", form.date.data, form.part_of_day.data or None,
        recorded_by=recorder(),
    )  # fmt: skip
    _send_outcomes("Het contact is vastgelegd")
    return redirect(url_for("municipality.household", case_id=case_id) + "#uitkomsten")


@blp.route("/huishoudens/<case_id>/resultaat", methods=["POST"])
def record_result(case_id: str) -> ResponseReturnValue:
    _, form, refused = _submitted(case_id, "result")
    if refused is not None:
        return refused
    store().record_result(case_id, form.result.data, form.date.data, recorded_by=recorder())
    _send_outcomes(f"Het eindresultaat is vastgelegd ({form.result.data})")
    return redirect(url_for("municipality.household", case_id=case_id) + "#uitkomsten")


@blp.route("/huishoudens/<case_id>/splitsen", methods=["POST"])
def split(case_id: str) -> ResponseReturnValue:
    _, form, refused = _submitted(case_id, "split")
    if refused is not None:
        return refused
    new = (
        current_portal()
        .client()
        .post(f"/v1/municipality/cases/{case_id}/split", {"signal_ids": form.signal_ids.data})
        .json()
    )
    _pull()
    flash("De signalen vormen nu een eigen huishouden.", "info")
    return redirect(url_for("municipality.household", case_id=new["id"]))


@blp.route("/huishoudens/<case_id>/samenvoegen", methods=["POST"])
def merge(case_id: str) -> ResponseReturnValue:
    _, form, refused = _submitted(case_id, "merge")
    if refused is not None:
        return refused
    current_portal().client().post(f"/v1/municipality/cases/{case_id}/merge", {"case_id": form.case_id.data})
    _pull()
    flash("De huishoudens zijn samengevoegd.", "info")
    return redirect(url_for("municipality.household", case_id=case_id))


def record_settlement_consent(client: HubClient, case_id: str, recipients: list[str], method: str) -> str:
    """Consent for a settlement (``settlement_negotiation``) naming the debt-help service and every creditor
    of the household: the service may then read the case's signals and add those creditors to its dossier."""
    [consent_id] = record_consent(
        client, case_id, recipients, Consent(method, SETTLEMENT_CONSENT_DAYS, (SETTLEMENT_PURPOSE,))
    )
    return consent_id


def _send_outcomes(done: str) -> None:
    """Send every pending outcome now; say what happened to this one."""
    try:
        _, refusals = send_pending(current_portal().client(), store(), {})
    except HubUnreachableError:
        flash(f"{done}. De hub is nu niet bereikbaar: het wordt later verstuurd.", "warning")
        return
    if refusals:
        flash(f"{done}, maar de hub weigerde {len(refusals)} uitkomst(en); zie hieronder.", "warning")
    else:
        flash(f"{done} en doorgegeven aan de hub.", "info")


@blp.route("/huishoudens/<case_id>/verwijzen", methods=["POST"])
def refer_case(case_id: str) -> ResponseReturnValue:
    """Record the household's consent naming the debt-help service, then refer the case to it."""
    found, form, refused = _submitted(case_id, "refer")
    if refused is not None:
        return refused
    client = current_portal().client()
    to = key_for(published_keys(client), form.debt_help_id.data)
    consent = Consent(form.method.data, days=REFERRAL_CONSENT_DAYS)
    [consent_id] = record_consent(client, case_id, [to.org_id], consent)
    if form.settlement.data:
        creditors = sorted({s.creditor_id for s in found.signals if s.status == "active"})
        record_settlement_consent(client, case_id, [to.org_id, *creditors], form.method.data)
    try:
        refer(client, store(), case_id, to, reference=None)
    except ReferralError:
        flash("Verwijzen lukt niet: van dit huishouden is geen persoon geopend.", "error")
        return redirect(url_for("municipality.household", case_id=case_id))
    flash("Het huishouden is verwezen naar de schuldhulpverlening. Geef de inwoner het bewijs van toestemming.", "info")
    return redirect(url_for("consent.receipt", consent_id=consent_id))

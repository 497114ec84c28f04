"""The debt counsellor's negotiation: ``signaal dossiers notify|request-claims|propose|reconsider|agree``,
then ``running`` and ``end``.

Each sends one message per creditor in the hub, its personal part sealed for that creditor; an
interrupted send is completed by the next run of the same command (``adapters.settlement_exchange``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from adapters.cli_common import home_option
from adapters.cli_exchange import desk_of, dossier_of, euros, failures, percent
from adapters.debt_help import Counsellor, Desk, ProposalPlan
from adapters.dossiers import LocalCreditor
from adapters.proposals import Offer, OfferError, percentage_bp
from adapters.settlement_answers import parse_euros
from adapters.settlement_exchange import SettlementError
from schemas.v1.settlement import END_REASONS, OUTCOMES

_CREDITOR = click.option(
    "--creditor", "creditor_names", multiple=True, help="Only this creditor (organisation id); repeatable."
)
_NOTE = click.option("--note", help="A note for the creditor(s); it travels sealed.")


def _chosen(desk: Desk, dossier_id: str, names: tuple[str, ...], default: list[LocalCreditor]) -> list[LocalCreditor]:
    """The creditors named with --creditor, else ``default``; a send cut off earlier is completed either way."""
    return [desk.creditor(dossier_id, name) for name in names] if names else default


def _in_hub(desk: Desk, dossier_id: str) -> list[LocalCreditor]:
    return [c for c in desk.store.creditors(dossier_id) if c.creditor_id]


def _report(results: list[dict[str, str]], desk: Desk, dossier_id: str, kind: str) -> None:
    labels = {c.participant_id: c.label for c in desk.store.creditors(dossier_id)}
    if not results:
        click.echo(f"nothing to send: no creditor of the dossier waits for a {kind}")
    for result in results:
        again = " (sent before)" if result["outcome"] == "duplicate" else ""
        click.echo(f"{kind} to {labels.get(result['participant_id'], result['participant_id'])}{again}")


@click.command()
@home_option
@click.argument("dossier")
@click.option("--counsellor", required=True, help="Your name as the creditors' contact (sealed in the notice).")
@click.option("--phone", help="Your work phone number.")
@click.option("--email", help="Your work e-mail address.")
@_CREDITOR
def notify(
    home: Path, dossier: str, counsellor: str, phone: str | None, email: str | None, creditor_names: tuple[str, ...]
) -> None:
    """Send the notice (kennisgeving) to DOSSIER's creditors not told yet: who the household is, whom to call."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    with failures(config):
        view = desk.view(local.id)
        untold = {c["participant_id"] for c in view["creditors"] if not c["contacted"]}
        default = [c for c in _in_hub(desk, local.id) if c.participant_id in untold]
        to = _chosen(desk, local.id, creditor_names, default)
        results = desk.send(local.id, "notice", to, counsellor=Counsellor(counsellor, phone, email))
        paused = [c["participant_id"] for c in desk.view(local.id)["creditors"] if c["collection_paused"]]
    _report(results, desk, local.id, "notice")
    click.echo(f"collection paused (pauzeknop) at {len(paused)} of {len(view['creditors'])} creditors")


@click.command("request-claims")
@home_option
@click.argument("dossier")
@_NOTE
@_CREDITOR
def request_claims(home: Path, dossier: str, note: str | None, creditor_names: tuple[str, ...]) -> None:
    """Send the claim request (saldoverzoek) to DOSSIER's creditors in the hub whose claim is not known."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    with failures(config):
        unknown = {c["participant_id"] for c in desk.view(local.id)["creditors"] if c["claim"]["state"] == "none"}
        default = [c for c in _in_hub(desk, local.id) if c.participant_id in unknown]
        results = desk.send(local.id, "claim_request", _chosen(desk, local.id, creditor_names, default), note)
    _report(results, desk, local.id, "claim request")


def _show_plan(desk: Desk, dossier_id: str, plan: ProposalPlan) -> None:
    labels = {c.participant_id: c.label for c in desk.store.creditors(dossier_id)}
    admitted = sum(c.admitted_cents for c in plan.claims)
    offer = plan.offer
    if offer.kind == "regular":
        how = f"{euros(offer.monthly_capacity_cents)} a month for {offer.term_months} months"
    elif offer.kind == "saneringskrediet":
        how = f"a lump sum (saneringskrediet) of {euros(offer.lump_sum_cents)}"
    else:
        how = "no repayment capacity (SA)"
    click.echo(f"proposal: {how}; {euros(plan.amount_offered_cents)} offered of {euros(admitted)} admitted")
    click.echo(f"  {'creditor':<32} {'claim':>16} {'share':>16} {'of claim':>9}")
    for claim in plan.claims:
        share = plan.shares[claim.participant_id]
        mark = " preferential" if claim.preferential else ""
        click.echo(
            f"  {labels.get(claim.participant_id, claim.participant_id):<32} {euros(claim.admitted_cents):>16} "
            f"{euros(share):>16} {percent(percentage_bp(share, claim.admitted_cents)):>9}{mark}"
        )


@click.command()
@home_option
@click.argument("dossier")
@click.option("--kind", type=click.Choice(["regular", "saneringskrediet", "sa"]), default="regular", show_default=True)
@click.option("--capacity", help="Monthly repayment capacity in euros (regular), e.g. 250,00.")
@click.option("--term", type=click.IntRange(1, 120), default=18, show_default=True, help="Months (NVVK: 18).")
@click.option("--lump-sum", help="The saneringskrediet's lump sum in euros.")
@click.option("--preferential-share", type=click.IntRange(0, 100), default=0, help="Percent of a preferential claim.")
@_NOTE
@click.option("--yes", is_flag=True, help="Send without asking.")
def propose(
    home: Path,
    dossier: str,
    kind: str,
    capacity: str | None,
    term: int,
    lump_sum: str | None,
    preferential_share: int,
    note: str | None,
    yes: bool,
) -> None:
    """Compute the shares of a proposal (betaalvoorstel) over DOSSIER's claims, show them and, once
    confirmed, have the hub check and send it to every creditor in the hub."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    try:
        offer = Offer(kind, parse_euros(capacity) or 0, term, parse_euros(lump_sum) or 0, preferential_share * 100)
    except ValueError as error:
        raise click.UsageError(f"--capacity/--lump-sum {error}") from None
    with failures(config):
        try:
            plan = desk.plan_proposal(local.id, offer)
        except OfferError as error:
            raise click.UsageError(str(error)) from None
        _show_plan(desk, local.id, plan)
        if not yes:
            click.confirm("Send this proposal to the creditors?", abort=True)
        checked = desk.send_proposal(local.id, plan, note)
    ahead = [c["participant_id"] for c in checked.get("convenant_checks", []) if c["compliant"]]
    labels = {c.participant_id: c.label for c in desk.store.creditors(local.id)}
    click.echo(f"sent: the hub checked the shares ({percent(checked['percentage_bp'])} of every claim)")
    for participant in ahead:
        click.echo(f"  {labels.get(participant, participant)} accepts in advance under its convenant")


@click.command()
@home_option
@click.argument("dossier")
@_NOTE
@_CREDITOR
def reconsider(home: Path, dossier: str, note: str | None, creditor_names: tuple[str, ...]) -> None:
    """Ask the creditors that rejected the proposal to reconsider it (heroverweging)."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    with failures(config):
        view = desk.view(local.id)
        rejected = {c["participant_id"] for c in view["creditors"] if (c.get("answer") or {}).get("answer") == "reject"}
        default = [c for c in _in_hub(desk, local.id) if c.participant_id in rejected]
        results = desk.send(local.id, "reconsideration", _chosen(desk, local.id, creditor_names, default), note)
    _report(results, desk, local.id, "reconsideration request")


@click.command()
@home_option
@click.argument("dossier")
@click.option("--first-payment", type=click.DateTime(["%Y-%m-%d", "%d-%m-%Y"]), required=True)
@_NOTE
@click.option("--yes", is_flag=True, help="Send without asking.")
def agree(home: Path, dossier: str, first_payment: dt.datetime, note: str | None, yes: bool) -> None:
    """Every creditor accepted: record the agreement (schuldregeling akkoord) and tell each creditor."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    with failures(config):
        waiting = [c for c in desk.view(local.id)["creditors"] if c["share_cents"] and not _accepted(c)]
        if waiting:
            raise SettlementError(
                f"{len(waiting)} creditor(s) with a share have not accepted yet; `signaal dossiers show` lists them"
            )
        if not yes:
            click.confirm(f"Record the agreement, first payment on {first_payment.date()}?", abort=True)
        results = desk.agree(local.id, first_payment.date(), note)
        view = desk.view(local.id)
    _report(results, desk, local.id, "agreement")
    total = sum(c["share_cents"] or 0 for c in view["creditors"])
    click.echo(
        f"AGREED: dossier {local.id} is '{view['state']}'; {euros(total)} over {view['proposal']['term_months']} "
        f"months, first payment on {view['first_payment_on']}"
    )


@click.command()
@home_option
@click.argument("dossier")
def running(home: Path, dossier: str) -> None:
    """The household started paying: DOSSIER's agreed settlement runs."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    with failures(config):
        view = desk.start_payments(local.id)
    click.echo(f"dossier {local.id} is '{view['state']}'")


@click.command()
@home_option
@click.argument("dossier")
@click.option("--outcome", type=click.Choice(OUTCOMES), required=True)
@click.option("--reason", type=click.Choice(END_REASONS), required=True)
@_NOTE
@click.option("--yes", is_flag=True, help="Send without asking.")
def end(home: Path, dossier: str, outcome: str, reason: str, note: str | None, yes: bool) -> None:
    """End DOSSIER (schuldregeling beëindigd) and tell every creditor that heard of it."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    if not yes:
        click.confirm(f"End dossier {local.id} as {outcome} ({reason})?", abort=True)
    with failures(config):
        results = desk.end(local.id, outcome, reason, note)
        view = desk.view(local.id)
    _report(results, desk, local.id, "end")
    click.echo(f"dossier {local.id} is '{view['state']}'")


def _accepted(creditor: dict[str, object]) -> bool:
    answer = creditor.get("answer")
    return isinstance(answer, dict) and answer.get("answer") == "accept"


#: The commands ``adapters.cli_dossiers`` adds to ``signaal dossiers``.
NEGOTIATION = (notify, request_claims, propose, reconsider, agree, running, end)

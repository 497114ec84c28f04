"""The debt-help organisation's commands: ``signaal referrals list|accept|decline`` and ``signaal dossiers
list|show|inbox|add-creditors|record``; the negotiation (notices to agreement) is in ``cli_negotiation``.

Names and addresses are shown only where asked for (``--identity``): the console may be logged."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from adapters.cli_common import home_option
from adapters.cli_exchange import desk_of, dossier_of, euros, failures, household_lines, percent
from adapters.cli_negotiation import NEGOTIATION
from adapters.debt_help import Desk
from adapters.dossiers import LocalCreditor
from adapters.settlement_answers import check_answer
from adapters.settlement_store import ReceivedMessage
from schemas.v1 import vocab
from schemas.v1.settlement import DECLINE_REASONS, REJECT_REASONS


@click.group()
def referrals() -> None:
    """Referrals from municipalities to this debt-help organisation."""


@referrals.command("list")
@home_option
@click.option("--state", type=click.Choice(["pending", "accepted", "declined"]), default="pending", show_default=True)
def list_referrals(home: Path, state: str) -> None:
    """List the referrals to us."""
    config, desk = desk_of(home)
    with failures(config):
        found = desk.referrals(state)
    if not found:
        click.echo(f"no {state} referrals")
    for referral in found:
        click.echo(
            f"{referral['id']}  case {referral['case_id']}  from {referral['municipality_id']}  "
            f"{referral['state']}  {referral['created_at'][:10]}"
        )


@referrals.command()
@home_option
@click.argument("referral_id")
def accept(home: Path, referral_id: str) -> None:
    """Open REFERRAL_ID's identity with our private key, accept it and open the dossier here."""
    config, desk = desk_of(home)
    with failures(config):
        dossier = desk.accept(referral_id)
    debtors = len(dossier.household["debtors"])
    click.echo(
        f"accepted referral {referral_id} from {dossier.municipality_id}: dossier {dossier.id} is '{dossier.state}'"
    )
    click.echo(f"household: {debtors} debtor{'s' if debtors > 1 else ''}, kept in {desk.store.path}")
    click.echo(f"next: signaal dossiers add-creditors {dossier.id[:8]} --from-signals")


@referrals.command()
@home_option
@click.argument("referral_id")
@click.option("--reason", type=click.Choice(DECLINE_REASONS), required=True)
def decline(home: Path, referral_id: str, reason: str) -> None:
    """Decline REFERRAL_ID; the municipality is told the reason code."""
    config, desk = desk_of(home)
    with failures(config):
        desk.decline(referral_id, reason)
    click.echo(f"declined referral {referral_id} ({reason})")


@click.group()
def dossiers() -> None:
    """Settlement dossiers (minnelijke schuldregeling) opened here."""


@dossiers.command("list")
@home_option
def list_dossiers(home: Path) -> None:
    """The dossiers opened here, with their state at the hub."""
    config, desk = desk_of(home)
    local = desk.store.dossiers()
    if not local:
        click.echo("no dossiers yet; `signaal referrals list` shows referrals waiting for you")
    with failures(config):
        for dossier in local:
            view = desk.view(dossier.id)
            creditors = len(view["creditors"])
            click.echo(
                f"{dossier.id}  {view['state']:<12} case {dossier.case_id}  from {dossier.municipality_id}  "
                f"{creditors} creditor{'s' if creditors != 1 else ''}  opened {dossier.opened_at[:10]}"
            )


@dossiers.command()
@home_option
@click.argument("dossier")
@click.option("--identity", is_flag=True, help="Also show the household's names and address.")
def show(home: Path, dossier: str, identity: bool) -> None:
    """DOSSIER at the hub: every creditor's claim, share, answer and deadline; the proposal."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    with failures(config):
        view = desk.view(local.id)
    click.echo(f"dossier {local.id}: '{view['state']}', case {local.case_id} from {local.municipality_id}")
    if identity:
        for line in household_lines(local.household):
            click.echo(f"  {line}")
    names = {c.participant_id: c.label for c in desk.store.creditors(local.id)}
    for creditor in view["creditors"]:
        click.echo("  " + creditor_line(creditor, names.get(creditor["participant_id"], creditor["participant_id"])))
    if view.get("proposal"):
        click.echo(proposal_line(view["proposal"]))
    if view.get("first_payment_on"):
        click.echo(f"first payment on {view['first_payment_on']}")
    click.echo(f"next states: {', '.join(view['allowed_states']) or 'none'}")


def creditor_line(creditor: Mapping[str, Any], label: str) -> str:
    claim = creditor["claim"]
    parts = [f"{label:<32}"]
    if claim["state"] == "stated" or claim["total_cents"] is not None:
        parts.append(f"claim {euros(claim['total_cents'])}" + (" preferential" if claim["preferential"] else ""))
    else:
        parts.append(f"claim {claim['state']}" + (f" ({claim['refusal_reason']})" if claim["refusal_reason"] else ""))
    if creditor["share_cents"] is not None:
        parts.append(f"share {euros(creditor['share_cents'])}")
    answer = creditor.get("answer")
    if answer:
        how = f" under convenant {answer['under_convenant']}" if answer.get("under_convenant") else ""
        parts.append(f"answer {answer['answer']}{' (' + answer['reason'] + ')' if answer.get('reason') else ''}{how}")
    deadline = creditor.get("deadline")
    if deadline:
        parts.append(
            f"{deadline['request']} due {deadline['due_at'][:10]}" + (" OVERDUE" if deadline["overdue"] else "")
        )
    if creditor["collection_paused"]:
        parts.append("collection paused")
    return "  ".join(parts)


def proposal_line(proposal: Mapping[str, Any]) -> str:
    sent = f"sent {proposal['sent_at'][:10]}" if proposal.get("sent_at") else "not sent"
    return (
        f"proposal ({proposal['kind']}, {proposal['term_months']} months, {sent}): "
        f"{euros(proposal['amount_offered_cents'])} offered of {euros(proposal['total_admitted_cents'])} admitted "
        f"({percent(proposal['percentage_bp'])})"
    )


@dossiers.command()
@home_option
@click.option("--notes", is_flag=True, help="Also print the notes the creditors sealed for you.")
def inbox(home: Path, notes: bool) -> None:
    """Collect the creditors' messages (claims, answers, refusals) and the hub's escalations."""
    config, desk = desk_of(home)
    with failures(config):
        fresh = desk.inbox()
    if not fresh:
        click.echo("no new messages")
    for message in fresh:
        click.echo(message_line(desk, message, notes))
        if notes and message.payload and message.payload.get("note"):
            click.echo(f"    note: {message.payload['note']}")


def message_line(desk: Desk, message: ReceivedMessage, notes: bool = False) -> str:
    creditors = {c.participant_id: c.label for c in desk.store.creditors(message.dossier_id)}
    who = creditors.get(message.participant_id, message.participant_id)
    facts = message.facts
    if message.kind == "claim_statement":
        what = f"claim {euros(facts['total_cents'])}"
        what += f", agreed in advance under {facts['agreed_in_advance']}" if facts.get("agreed_in_advance") else ""
    elif message.kind == "proposal_answer":
        what = facts["answer"] + (f" ({facts['reason']})" if facts.get("reason") else "")
        what += f" under convenant {facts['under_convenant']}" if facts.get("under_convenant") else ""
    else:
        what = ", ".join(f"{k} {v}" for k, v in facts.items() if k in ("reason", "status", "request", "due_at"))
    note = " (with a note: --notes shows it)" if message.payload and message.payload.get("note") and not notes else ""
    return f"dossier {message.dossier_id[:8]}  {who}: {message.kind} {what}{note}".rstrip()


@dossiers.command("add-creditors")
@home_option
@click.argument("dossier")
@click.option("--from-signals", is_flag=True, help="Every creditor that signalled the case (needs consent).")
@click.option("--creditor", "creditor_ids", multiple=True, help="A creditor in the hub, by organisation id.")
@click.option("--outside", help="The name of a creditor outside the hub (kept sealed for yourself).")
@click.option("--sector", type=click.Choice(tuple(vocab.SECTORS)), default="overige", show_default=True)
@click.option("--reference", help="The outside creditor's reference of the account.")
def add_creditors(
    home: Path,
    dossier: str,
    from_signals: bool,
    creditor_ids: tuple[str, ...],
    outside: str | None,
    sector: str,
    reference: str | None,
) -> None:
    """Add creditors to DOSSIER: those that signalled the case, named ones, or one outside the hub."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    if not (from_signals or creditor_ids or outside):
        raise click.UsageError("name creditors: --from-signals, --creditor ORG or --outside NAME")
    with failures(config):
        wanted = sorted({*creditor_ids, *(desk.case_creditors(local.id) if from_signals else [])})
        added: list[LocalCreditor] = [desk.add_creditor(local.id, org) for org in wanted]
        if outside:
            added.append(desk.add_outside(local.id, outside, sector, reference))
    for creditor in added:
        click.echo(f"added {creditor.label} (participant {creditor.participant_id})")


@dossiers.command()
@home_option
@click.argument("dossier")
@click.argument("creditor")
@click.option("--principal", help="Claim by letter: principal in euros (1.234,56).")
@click.option("--interest", default="0", show_default=True)
@click.option("--costs", default="0", show_default=True)
@click.option("--preferential", is_flag=True)
@click.option("--accept", "accepted", is_flag=True, help="Answer by letter: accepts (creditor outside the hub).")
@click.option("--reject", type=click.Choice(REJECT_REASONS), help="Answer by letter: rejects, with this reason.")
def record(
    home: Path,
    dossier: str,
    creditor: str,
    principal: str | None,
    interest: str,
    costs: str,
    preferential: bool,
    accepted: bool,
    reject: str | None,
) -> None:
    """Record by hand what CREDITOR of DOSSIER answered by letter: its claim and/or (outside the hub) its answer."""
    config, desk = desk_of(home)
    local = dossier_of(desk, dossier)
    with failures(config):
        found = desk.creditor(local.id, creditor)
    body: dict[str, Any] = {}
    if principal is not None:
        raw = {"participant_id": found.participant_id, "action": "claim", "principal": principal}
        raw |= {"interest": interest, "costs": costs, "preferential": "ja" if preferential else "nee"}
        checked = check_answer(0, raw)
        if isinstance(checked, list):
            raise click.UsageError("; ".join(f"--{p.column or p.field}: {p.reason}" for p in checked))
        body["claim"] = checked.facts
    if accepted or reject:
        body["answer"] = {"answer": "accept"} if accepted else {"answer": "reject", "reason": reject}
    if not body:
        raise click.UsageError("record a claim (--principal ...) or an answer (--accept / --reject REASON)")
    with failures(config):
        desk.record(local.id, found.participant_id, body)
    click.echo(f"recorded for {found.label}: {' and '.join(body)}")


for _command in NEGOTIATION:
    dossiers.add_command(_command)

"""A creditor's settlement commands: ``signaal settlements inbox|show|answer``.

``inbox`` collects what the debt-help organisations sent (notices, claim requests, proposals,
reconsiderations, agreements) and the hub's reminders, and shows what waits for an answer. ``answer``
sends one answer typed at the command line, or every row of a CSV/JSON-lines file, checked row by row
before anything is sent (docs/adapters.md, "Settlements: the creditor's side")."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from adapters.cli_common import config_at, home_option
from adapters.cli_exchange import euros, failures, household_lines, party_of, percent
from adapters.config import Config
from adapters.creditor_desk import CreditorDesk, SendOutcome, answer_id, waiting_for
from adapters.report import write_report
from adapters.settlement_answers import ACTIONS, check_answer, check_file
from adapters.settlement_store import ReceivedMessage
from schemas.v1.settlement import REFUSAL_REASONS, REJECT_REASONS


def _desk(home: Path) -> tuple[Config, CreditorDesk]:
    config = config_at(home)
    party = party_of(config, "creditor")
    return config, CreditorDesk(party, CreditorDesk.store_in(config.data_dir), config.hub_url)


@click.group()
def settlements() -> None:
    """Debt settlements your organisation is asked to take part in (creditor side)."""


def _received_line(message: ReceivedMessage) -> str:
    facts = message.facts
    detail = {
        "notice": "collection paused (pauzeknop)" if facts.get("pause_collection") else "",
        "claim_request": f"state your claim by {str(facts.get('respond_by', ''))[:10]}",
        "proposal": f"offer {euros(facts.get('share_cents', 0))} ({percent(facts.get('share_bp', 0))})"
        + (
            f", accepted under convenant {facts['accepted_under_convenant']}"
            if facts.get("accepted_under_convenant")
            else ""
        ),
        "reminder": f"{facts.get('request')} due {str(facts.get('due_at', ''))[:10]}",
        "agreed": f"agreed: {euros(facts.get('share_cents', 0))}, first payment {facts.get('first_payment_on')}",
        "ended": f"{facts.get('outcome')} ({facts.get('reason')})",
    }.get(message.kind, "")
    return f"  new {message.kind} from {message.sender_id}, participant {message.participant_id}  {detail}".rstrip()


def _settlement_line(view: Mapping[str, Any]) -> str:
    parts = [f"{view['participant_id']}  {view['debt_help_id']}  dossier '{view['dossier_state']}'"]
    claim = view["claim"]
    if claim["total_cents"] is not None:
        parts.append(f"claim {euros(claim['total_cents'])}")
    offer = view.get("offer")
    if offer:
        parts.append(
            f"offer {euros(offer['share_cents'])} ({percent(offer['share_bp'])}) over {offer['term_months']} months"
        )
    if view.get("answer"):
        parts.append(f"answered {view['answer']['answer']}")
    if view["collection_paused"]:
        parts.append("collection paused")
    return "  ".join(parts)


@settlements.command()
@home_option
def inbox(home: Path) -> None:
    """Collect the messages to us, then list every settlement and what it waits for."""
    config, desk = _desk(home)
    with failures(config):
        fresh = desk.inbox()
        views = desk.settlements()
    click.echo(f"{len(fresh)} new message{'s' if len(fresh) != 1 else ''}")
    for message in fresh:
        click.echo(_received_line(message))
    waiting = [(view, waiting_for(view)) for view in views]
    click.echo(
        f"{len(views)} settlement{'s' if len(views) != 1 else ''}, {sum(1 for _, w in waiting if w)} waiting for you"
    )
    for view, wanted in waiting:
        click.echo(f"  {_settlement_line(view)}")
        if wanted:
            click.echo(f"    waiting for {wanted}")


@settlements.command()
@home_option
@click.argument("participant_id")
@click.option("--identity", is_flag=True, help="Show the household's names and address from the notice.")
def show(home: Path, participant_id: str, identity: bool) -> None:
    """One settlement: our place in the dossier and the messages received about it."""
    config, desk = _desk(home)
    with failures(config):
        view = desk.settlement(participant_id)
    click.echo(_settlement_line(view))
    if view.get("convenant"):
        convenant = view["convenant"]
        click.echo(f"convenant {convenant['id']}: answer within {convenant['response_days']} days")
    wanted = waiting_for(view)
    if wanted:
        click.echo(f"waiting for {wanted}")
    for message in desk.store.received(participant_id=participant_id):
        reference = (message.payload or {}).get("creditor_reference")
        click.echo(
            f"  {message.created_at[:10]} {message.kind}" + (f" (your reference {reference})" if reference else "")
        )
        if identity and message.kind == "notice" and message.payload:
            for line in household_lines(message.payload):
                click.echo(f"    {line}")


def _print_outcome(outcome: SendOutcome) -> None:
    for answer in outcome.sent:
        click.echo(f"sent: {answer.participant_id} {answer.describe()}")
    for answer in outcome.duplicate:
        click.echo(f"sent before: {answer.participant_id} {answer.describe()}")


@settlements.command()
@home_option
@click.argument("participant_id", required=False)
@click.argument("action", required=False, type=click.Choice(ACTIONS))
@click.option("--principal", help="claim: principal in euros (1.234,56 or 1234.56).")
@click.option("--interest", help="claim: interest in euros.")
@click.option("--costs", help="claim: collection costs in euros.")
@click.option("--preferential", is_flag=True, help="claim: the claim is preferential.")
@click.option("--agreed-in-advance", help="claim: the convenant under which you agree in advance (vooraf akkoord).")
@click.option("--reason", help=f"reject/counter: {', '.join(REJECT_REASONS)}; refuse: {', '.join(REFUSAL_REASONS)}.")
@click.option("--counter", help="counter: what you would accept instead (sealed).")
@click.option("--note", help="A note for the debt counsellor (sealed).")
@click.option("--reference", help="Your reference of the account (sealed).")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Answers file.")
@click.option("--dry-run", is_flag=True, help="With --file: check every row and write the report; send nothing.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the rejected rows.")
def answer(
    home: Path,
    participant_id: str | None,
    action: str | None,
    file: Path | None,
    dry_run: bool,
    report: Path | None,
    **given: Any,
) -> None:
    """Answer PARTICIPANT_ID with ACTION (claim, accept, reject, counter, refuse), or every row of --file.

    A file is CSV or JSON lines with the columns participant_id, action, principal, interest, costs,
    preferential, agreed_in_advance, reason, counter, note, creditor_reference. Every row is checked
    before anything is sent; rows with a problem, and rows the hub refuses, are listed in the report.
    """
    if (file is None) == (participant_id is None or action is None):
        raise click.UsageError("give PARTICIPANT_ID ACTION, or --file FILE")
    config, desk = _desk(home)
    if file is None:
        raw = {k: v for k, v in given.items() if v not in (None, False)}
        raw["creditor_reference"] = raw.pop("reference", None)
        raw["preferential"] = "ja" if given["preferential"] else None
        checked = check_answer(0, {"participant_id": participant_id, "action": action, **raw})
        if isinstance(checked, list):
            raise click.UsageError("; ".join(f"{_option(p.column or p.field)}: {p.reason}" for p in checked))
        with failures(config):
            outcome = desk.send([checked])
        _print_outcome(outcome)
        if outcome.refused:
            raise click.ClickException(outcome.refused[0].reason)
        return
    _answer_file(config, desk, file, dry_run, report)


def _option(column: str) -> str:
    """The command-line option of an answers-file column."""
    if column == "creditor_reference":
        return "--reference"
    return column.upper() if column in ("participant_id", "action") else "--" + column.replace("_", "-")


def _answer_file(config: Config, desk: CreditorDesk, file: Path, dry_run: bool, report: Path | None) -> None:
    with failures(config):
        answers, problems = check_file(file)
        invalid = len({p.line for p in problems})
        rows = len(answers) + invalid
        click.echo(f"{file.name}: {rows} row{'s' if rows != 1 else ''}, {len(answers)} valid, {invalid} rejected")
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        outcome = SendOutcome()
        if dry_run:
            click.echo("dry run: nothing was sent")
        elif answers:
            ids = {a.line: answer_id(config.organisation_id, digest, a.line) for a in answers}
            outcome = desk.send(answers, ids)
    _print_outcome(outcome)
    for refused in outcome.refused:
        click.echo(f"refused by the hub: line {refused.line}: {refused.reason}")
    if not dry_run:
        click.echo(f"sent {len(outcome.sent)}, {len(outcome.duplicate)} sent before, {len(outcome.refused)} refused")
    problems += outcome.refused
    if problems:
        target = report or config.data_dir / "reports" / f"{file.stem}-{digest[:8]}.rejected.csv"
        write_report(target, problems)
        click.echo(f"rejected rows: see {target}")

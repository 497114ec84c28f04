"""``signaal outcomes push``, ``signaal ddas export`` and ``signaal refer``: what a municipality sends back
and passes on after opening its reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from adapters.cli_common import home_option
from adapters.cli_exchange import failures
from adapters.cli_reports import municipality_at
from adapters.client import HubClientError
from adapters.ddas_export import Month, Supplier, build_delivery, write_delivery
from adapters.outcomes import OutcomeFileError, read_outcomes, record_rows, send_pending
from adapters.referral import REFERRAL_PURPOSE, Consent, ReferralError, record_consent, refer
from adapters.report import write_report
from adapters.settlement_exchange import key_for, published_keys

CONSENT_METHODS = ("in_person", "in_writing", "digital")
#: Purposes a household's consent can name a debt-help organisation for (consent/purposes.py).
DEBT_HELP_PURPOSES = ("debt_help_referral", "settlement_negotiation", "fund_referral")


@click.group()
def outcomes() -> None:
    """Contact attempts and results (DDAS) of your household reports."""


@outcomes.command("push")
@home_option
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate FILE and write the report; record and send nothing.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the rejected rows.")
def push_outcomes(home: Path, file: Path | None, dry_run: bool, report: Path | None) -> None:
    """Validate FILE (CSV or JSON lines) and send its contact attempts and results to the hub.

    Columns: case_id, date, contact_kind, reached, part_of_day, result (DDAS words; docs/adapters.md).
    Every row is checked first; rejected rows are listed by line and field in the report. Outcomes
    recorded in the staff portal and not sent yet go along; without FILE only those are sent.
    """
    municipality = municipality_at(home)
    store, lines = municipality.store, {}
    if file is not None:
        try:
            reading = read_outcomes(file, store)
        except OutcomeFileError as error:
            raise click.ClickException(f"{file.name}: {error}") from None
        target = report or municipality.config.data_dir / "reports" / f"{file.stem}.outcomes-rejected.csv"
        write_report(target, reading.problems)
        total = len(reading.rows) + len(reading.rejected_lines)
        click.echo(f"{file.name}: {total} rows, {len(reading.rows)} valid, {len(reading.rejected_lines)} rejected")
        if reading.problems:
            click.echo(f"rejected rows (line, field, reason) in {target}")
            for problem in sorted(reading.problems, key=lambda p: (p.line, p.field))[:20]:
                click.echo(f"  line {problem.line}, {problem.field}: {problem.reason}")
        if dry_run:
            click.echo("dry run: nothing was recorded or sent")
            return
        lines = record_rows(store, reading.rows, recorded_by=f"file:{file.name}")
    with failures(municipality.config):
        sent, refusals = send_pending(municipality.client, store, lines)
    click.echo(f"sent {sent} outcome(s) to the hub; {len(refusals)} refused")
    for refusal in refusals:
        where = f"line {refusal.line}" if refusal.line is not None else f"outcome {refusal.outcome_id} (portal)"
        click.echo(f"  {where}: the hub refused it ({refusal.code}): {refusal.detail}")
    if refusals:
        raise click.ClickException(f"{len(refusals)} outcome(s) were refused by the hub (see above)")


@click.group()
def ddas() -> None:
    """DDAS v0.9 deliveries (VNG/Divosa exchange model) for CBS."""


@ddas.command("export")
@home_option
@click.option("--month", required=True, help="The month to deliver, YYYY-MM (signals by signal date).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: data/ddas/ddas-<code>-<month>.json."
)
@click.option("--municipality-code", help="4-digit CBS code (default: from the hub's directory, learnt on pull).")
@click.option("--organisation-name", help="The delivering organisation (default: your name in the directory).")
@click.option("--supplier-code", default="signaalhub", show_default=True, help="codeGegevensleverancier.")
def export(
    home: Path,
    month: str,
    out: Path | None,
    municipality_code: str | None,
    organisation_name: str | None,
    supplier_code: str,
) -> None:
    """Write the month's DDAS v0.9 delivery from the local store (it holds personal data: mode 0600)."""
    municipality = municipality_at(home)
    store = municipality.store
    try:
        period = Month.parse(month)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--month") from None
    code = municipality_code or store.setting("municipality_code")
    if code is None or not (len(code) == 4 and code.isdigit()):
        raise click.ClickException(
            "no 4-digit municipality code: pass --municipality-code, or run `signaal reports pull`"
        )
    name = organisation_name or store.setting("organisation_name") or municipality.config.organisation_id
    document = build_delivery(store, period, Supplier(code, name, supplier_code), dt.datetime.now(dt.UTC))
    target = out or municipality.config.data_dir / "ddas" / f"ddas-{code}-{month}.json"
    write_delivery(document, target)
    delivery = document["leveringen"][0]
    click.echo(
        f"DDAS {month}: {len(delivery['vroegsignalen'])} signal(s), {len(delivery['vroegsignaalzaken'])} case(s) "
        f"-> {target}"
    )


@click.command("refer")
@home_option
@click.argument("case_id", metavar="CASE")
@click.option("--to", "debt_help_id", required=True, help="The debt-help organisation's id at the hub.")
@click.option(
    "--purpose",
    "purposes",
    multiple=True,
    type=click.Choice(DEBT_HELP_PURPOSES),
    default=(REFERRAL_PURPOSE,),
    show_default=True,
    help="With --consent: the purposes it covers besides debt_help_referral; repeat for several.",
)
@click.option(
    "--consent", "method", type=click.Choice(CONSENT_METHODS), help="Record the consent just given, this way."
)
@click.option("--consent-days", default=365, show_default=True, type=click.IntRange(1, 365), help="How long it runs.")
@click.option("--reference", help="Your own case reference, sealed along (letters, digits, . _ / -).")
def refer_command(
    home: Path,
    case_id: str,
    debt_help_id: str,
    purposes: tuple[str, ...],
    method: str | None,
    consent_days: int,
    reference: str | None,
) -> None:
    """Refer household CASE to a debt-help organisation, its identity re-sealed for that organisation.

    The hub needs the household's consent naming the organisation (purpose debt_help_referral): pass
    --consent with how it was given to record it now, or record it earlier. Running it again after an
    interruption sends the same referral, never a second one.
    """
    municipality = municipality_at(home)
    client = municipality.client
    with failures(municipality.config):
        try:
            recipient = key_for(published_keys(client), debt_help_id)
            if method is not None:
                wanted = tuple(dict.fromkeys((REFERRAL_PURPOSE, *purposes)))
                record_consent(client, case_id, [debt_help_id], Consent(method, consent_days, wanted))
            view = refer(client, municipality.store, case_id, recipient, reference)
        except ReferralError as error:
            raise click.ClickException(str(error)) from None
        except HubClientError as error:
            if error.code == "no_legal_basis":
                raise click.ClickException(
                    f"the hub refuses: no consent names {debt_help_id} for debt_help_referral on this case; "
                    "record it with --consent in_person|in_writing|digital"
                ) from None
            raise
    click.echo(f"referred {case_id} to {debt_help_id}: referral {view['id']} is {view['state']}")

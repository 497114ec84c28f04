"""The ``signaal`` command: what a creditor, municipality or debt-help organisation runs.

``signaal init`` sets an organisation up, ``signaal whoami`` checks it, ``signaal signals push FILE``
sends an export, ``signaal signals status`` follows it and ``signaal watch DIR`` pushes a drop folder on
a schedule. docs/adapters.md is the manual.
"""

from __future__ import annotations

import logging

import click

from adapters.cli_dossiers import dossiers, referrals
from adapters.cli_init import init, whoami
from adapters.cli_outcomes import ddas, outcomes, refer_command
from adapters.cli_reports import reports
from adapters.cli_settlements import settlements
from adapters.cli_signals import signals
from adapters.cli_watch import watch
from adapters.portal.cli import portal


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log each step (never personal data).")
def cli(verbose: bool) -> None:
    """Signaal: connect your organisation to Signaalhub.

    Reads your exports, validates them, seals personal data for its recipient and sends it, signed,
    to the hub. Start with `signaal init`; docs/adapters.md explains every command.
    """
    logging.basicConfig(format="signaal: %(levelname)s: %(message)s", level=logging.WARNING)
    if verbose:
        logging.getLogger("adapters").setLevel(logging.INFO)


cli.add_command(init)
cli.add_command(whoami)
cli.add_command(signals)
cli.add_command(watch)
cli.add_command(reports)
cli.add_command(outcomes)
cli.add_command(ddas)
cli.add_command(refer_command)
cli.add_command(referrals)
cli.add_command(dossiers)
cli.add_command(settlements)
cli.add_command(portal)


def main() -> None:
    cli(prog_name="signaal")


if __name__ == "__main__":
    main()

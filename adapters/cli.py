"""The ``signaal`` command: what a creditor, municipality or debt-help organisation runs."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Signaal: connect your organisation to Signaalhub.

    Reads your exports, validates them, seals personal data for its recipient and sends it, signed,
    to the hub. The subcommands arrive with the partner-adapter work; today only this help exists.
    """


def main() -> None:
    cli(prog_name="signaal")

"""``signaal watch DIR``: push new exports from a drop folder on a schedule."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from adapters.cli_common import config_at, home_option
from adapters.config import ConfigError
from adapters.watch import Watcher


@click.command()
@home_option
@click.argument("drop", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--interval", type=click.FloatRange(1), default=60, show_default=True, help="Seconds between scans.")
@click.option(
    "--min-age",
    type=click.FloatRange(0),
    default=10,
    show_default=True,
    help="Leave files alone until unchanged for this many seconds (still being written).",
)
@click.option("--once", is_flag=True, help="Scan once and exit (for cron or a systemd timer).")
def watch(home: Path, drop: Path, interval: float, min_age: float, once: bool) -> None:
    """Push every export file that lands in DROP, then move it to DROP/archive (or DROP/failed).

    Runs until Ctrl-C (or SIGTERM), which stops after the batch in flight; what was not sent is sent
    on the next run, never twice.
    """
    config = config_at(home)
    try:
        config.layout()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    logging.getLogger("adapters").setLevel(logging.INFO)
    watcher = Watcher(config, drop.resolve(), min_age=min_age)
    if once:
        watcher.scan()
        return
    watcher.run(
        interval, started=lambda: click.echo(f"watching {drop.resolve()} every {interval:g} s; Ctrl-C stops", err=True)
    )
    click.echo("stopped", err=True)

"""``signaal signals push FILE`` and ``signaal signals status``."""

from __future__ import annotations

import time
from pathlib import Path

import click

from adapters.answers import PushError, explain
from adapters.cli_common import BarProgress, config_at, home_option
from adapters.client import HubClientError, HubUnreachableError
from adapters.config import ConfigError
from adapters.exports import ExportFileError
from adapters.push import Push, PushResult
from adapters.state import PushState
from adapters.status import describe, refresh_hub_states, totals
from schemas.v1 import vocab


@click.group()
def signals() -> None:
    """Arrears signals: push an export, follow what was sent."""


@signals.command()
@home_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and route every row and write the report; send nothing.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, vocab.MAX_SIGNALS_PER_BATCH),
    help="Signals per request (default: push.batch_size in config.toml, 200).",
)
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the rejected rows.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for scripts and logs).")
def push(home: Path, file: Path, dry_run: bool, batch_size: int | None, report: Path | None, no_progress: bool) -> None:
    """Validate FILE, route and seal every valid row, and send them to the hub in batches.

    Every row is checked before anything is sent; rejected rows are listed (line, field, reason) in
    the report. An interrupted push resumes where it stopped when run again: no row is sent twice.
    """
    config = config_at(home)
    progress = BarProgress(f"{file.name}", hidden=no_progress)
    started = time.monotonic()
    try:
        pusher = Push(config, progress=progress)
        result = pusher.run(file, dry_run=dry_run, batch_size=batch_size, report=report)
    except (ConfigError, ExportFileError) as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    except PushError as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; run the same command again to resume (no row is sent twice)") from None
    finally:
        progress.close()
    _print_result(result, time.monotonic() - started)


def _print_result(result: PushResult, seconds: float) -> None:
    counts = result.counts
    click.echo(
        f"{result.path.name}: {counts.rows} rows, {counts.rows - counts.rejected} valid, {counts.rejected} rejected"
    )
    if result.routing_note:
        click.echo(f"note: {result.routing_note}")
    if result.dry_run:
        click.echo("dry run: nothing was sent")
    elif counts.sent == 0 and counts.earlier:
        click.echo(f"nothing to send: all {counts.earlier} signals of this file were sent earlier")
    else:
        rate = counts.sent / seconds if seconds > 0 else 0.0
        earlier = f"; {counts.earlier} sent in an earlier run" if counts.earlier else ""
        click.echo(
            f"sent {counts.sent} ({counts.created} new, {counts.duplicate} already at the hub) "
            f"in {seconds:.1f} s ({rate:.0f} rows/s){earlier}"
        )
    if counts.rejected:
        click.echo(f"rejected rows: see {result.report}")


@signals.command()
@home_option
@click.option("--local", is_flag=True, help="Only what the local state knows; do not ask the hub.")
def status(home: Path, local: bool) -> None:
    """Show what was sent, per file, and the state of each signal at the hub."""
    config = config_at(home)
    state = PushState(config.data_dir / "state.sqlite3")
    tally = None
    if not local:
        try:
            tally = refresh_hub_states(config.client(), state)
        except (HubClientError, HubUnreachableError) as error:
            raise click.ClickException(
                f"{explain(error, config.hub_url)} (use --local to see the local state)"
            ) from None
        except ConfigError as error:
            raise click.ClickException(str(error)) from None
    summaries = state.summaries()
    if not summaries:
        click.echo("nothing was pushed from this directory yet")
    for summary in summaries:
        for line in describe(summary):
            click.echo(line)
    overall = totals(summaries)
    if overall:
        click.echo("all files: " + ", ".join(f"{label} {count}" for label, count in sorted(overall.items())))
    if tally is not None and tally.listed > tally.ours:
        click.echo(f"the hub lists {tally.listed - tally.ours} more signal(s) of yours not pushed from this directory")

"""``signaal reports pull``, ``reports serve``, ``reports subscribe`` and ``reports list``: a municipality's
household reports (Wgs meldingen)."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
from werkzeug.serving import make_server

from adapters.answers import explain
from adapters.cli_common import config_at, home_option
from adapters.cli_exchange import failures
from adapters.client import HubClientError, HubUnreachableError
from adapters.config import ConfigError
from adapters.municipality import Municipality, PullRun
from adapters.receiver import (
    DEFAULT_TOLERANCE,
    SECRET_FILE,
    Puller,
    ReceiverApp,
    SecretError,
    Verifier,
    read_secret,
    write_secret,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


def municipality_at(home: Path) -> Municipality:
    """The municipality of ``home``, or a ``ClickException`` that says what to fix."""
    config = config_at(home)
    try:
        return Municipality(config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def out_option(command: Callable[..., T]) -> Callable[..., T]:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder for the case-system files (default: data/case-system in the Signaal directory).",
    )(command)


@click.group()
def reports() -> None:
    """Household reports (Wgs meldingen) for a municipality: pull, receive webhooks, list."""


def _print_run(run: PullRun) -> None:
    result = run.result
    if not result.stored and not result.acknowledged and not result.failures:
        click.echo("nothing new at the hub")
    else:
        click.echo(
            f"stored {len(result.stored)} report version(s) with {result.opened} identities opened; "
            f"acknowledged {result.acknowledged} at the hub"
        )
    for path in run.files:
        click.echo(f"wrote {path}")
    if result.missing_identities:
        click.echo(
            f"warning: {result.missing_identities} signal(s) have no identity here (their sealed copy was "
            "acknowledged before this store existed); ask their creditors to resend them",
            err=True,
        )


@reports.command("pull")
@home_option
@out_option
def pull_command(home: Path, out: Path | None) -> None:
    """Fetch new report versions, open their identities, store them, and acknowledge them.

    Each version is stored locally (data/reports.sqlite3, mode 0600) with the identities opened with
    your private key before it is acknowledged; the hub then deletes its sealed copy. The versions
    stored are also written as CSV and JSON for the case system (docs/adapters.md lists the columns).
    Running it again fetches only what changed; an interrupted pull loses nothing.
    """
    municipality = municipality_at(home)
    with failures(municipality.config):
        run = municipality.pull(out)
    _print_run(run)
    if run.result.failures:
        for failure in run.result.failures:
            click.echo(f"not stored: {failure}", err=True)
        raise click.ClickException(f"{len(run.result.failures)} report(s) could not be stored (see above)")


@reports.command()
@home_option
@click.option("--url", required=True, help="The public https URL at which `signaal reports serve` is reachable.")
def subscribe(home: Path, url: str) -> None:
    """Register URL at the hub for notifications and keep its secret in keys/webhook.secret (0600).

    Registering a URL that is registered already gives it a new secret (the old one stops working).
    """
    municipality = municipality_at(home)
    client, config = municipality.client, municipality.config
    with failures(config):
        existing = [e for e in client.get("/v1/webhooks").json() if e["url"] == url]
        if existing:
            endpoint = client.post(f"/v1/webhooks/{existing[0]['id']}/rotate-secret", None).json()
        else:
            endpoint = client.post("/v1/webhooks", {"url": url}).json()
    write_secret(config.home / SECRET_FILE, endpoint["secret"])
    click.echo(f"endpoint {endpoint['id']} notifies {url}; secret in {config.home / SECRET_FILE}")


def _stop_on_terminate() -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


@reports.command()
@home_option
@out_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8090, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The endpoint's secret (default: {SECRET_FILE}, written by `signaal reports subscribe`).",
)
@click.option(
    "--tolerance",
    default=DEFAULT_TOLERANCE,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds a notification's timestamp may differ from this machine's clock.",
)
@click.option(
    "--interval",
    default=300.0,
    show_default=True,
    type=click.FloatRange(1, 86400),
    help="Also pull every this many seconds, in case a notification was lost.",
)
def serve(
    home: Path, out: Path | None, host: str, port: int, secret_file: Path | None, tolerance: int, interval: float
) -> None:
    """Receive the hub's webhook notifications and pull when one arrives.

    Each notification must carry a valid Standard Webhooks signature (webhook-id, webhook-timestamp,
    webhook-signature) made with the endpoint's secret, and a timestamp within --tolerance seconds; others
    are refused (400/401). A webhook-id seen before is answered 204 and ignored. Pulls run in the
    background, one at a time, as `signaal reports pull` does; they also run at start and every --interval
    seconds. Put it behind your TLS reverse proxy; stop it with Ctrl-C or SIGTERM.
    """
    municipality = municipality_at(home)
    try:
        secret = read_secret(secret_file or municipality.config.home / SECRET_FILE)
    except SecretError as error:
        raise click.ClickException(str(error)) from None

    def pull_once() -> None:
        try:
            run = municipality.pull(out)
        except (HubClientError, HubUnreachableError) as error:
            click.echo(f"pull failed: {explain(error, municipality.config.hub_url)}", err=True)
            return
        if run.result.stored or run.result.failures:
            _print_run(run)
        for failure in run.result.failures:
            click.echo(f"not stored: {failure}", err=True)

    puller = Puller(pull_once, interval)
    app = ReceiverApp(Verifier(secret, tolerance), municipality.store, puller.request)
    server: Any = make_server(host, port, app, threaded=True)
    _stop_on_terminate()
    click.echo(f"listening on http://{host}:{server.server_port}/ (Ctrl-C stops)", nl=True)
    puller.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.server_close()
        puller.stop()


@reports.command("list")
@home_option
@click.option("--open", "open_only", is_flag=True, help="Only reports that are not closed.")
@click.option("--crisis", "crisis_only", is_flag=True, help="Only reports with an eviction or end of supply.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
def list_command(home: Path, open_only: bool, crisis_only: bool, limit: int) -> None:
    """The reports in the local store, crisis first: id, state, signals, sectors, amount, crisis date.

    No names or addresses are printed; the case-system files and the portal show those.
    """
    municipality = municipality_at(home)
    rows = municipality.store.list_reports(open_only=open_only, crisis_only=crisis_only, limit=limit)
    for row in rows:
        crisis = f" crisis {row.crisis_date}" if row.crisis_date else ""
        euros = f"{row.amount_cents / 100:.2f}"
        click.echo(
            f"{row.case_id}  v{row.version}  {row.state:<11} {row.signal_count} signal(s) "
            f"{','.join(row.sectors)}  EUR {euros}{crisis}{'  ' + row.result if row.result else ''}"
        )
    if not rows:
        click.echo("no reports in the local store; run `signaal reports pull`")

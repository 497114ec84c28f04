"""``signaal portal``: serve the staff portal; ``signaal portal user add|list|disable``: its accounts."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource
from werkzeug.serving import make_server

from adapters.cli_common import config_at, home_option
from adapters.config import ConfigError
from adapters.portal import create_app
from adapters.portal.accounts import ROLES, AccountError, AccountStore
from adapters.portal.context import accounts_path


@click.group(invoke_without_command=True)
@home_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8300, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--secure-cookies/--no-secure-cookies",
    default=False,
    show_default=True,
    help="Send the session cookie over HTTPS only (behind a TLS proxy, as in production).",
)
@click.pass_context
def portal(ctx: click.Context, home: Path, host: str, port: int, secure_cookies: bool) -> None:
    """The staff portal: a browser interface on what this organisation's adapter holds.

    Run without a command to serve it (docs/portal.md); first add an account with `signaal portal user add`.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = home if ctx.get_parameter_source("home") is ParameterSource.COMMANDLINE else None
        return
    config = config_at(home)
    try:
        app = create_app(config, {"SESSION_COOKIE_SECURE": secure_cookies})
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if not AccountStore(accounts_path(config)).all():
        click.echo("note: there are no accounts yet; add one with `signaal portal user add`", err=True)
    if host not in ("127.0.0.1", "localhost", "::1") and not secure_cookies:
        click.echo("warning: serving beyond this computer without --secure-cookies; put a TLS proxy in front", err=True)
    server = make_server(host, port, app, threaded=True)
    click.echo(f"portal of {config.organisation_id} on http://{host}:{server.server_port}/ (Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()


@portal.group()
@click.pass_context
def user(ctx: click.Context) -> None:
    """The portal's staff accounts (roles: worker, manager)."""
    ctx.obj = ctx.parent.obj if ctx.parent is not None else None


def _accounts(home: Path) -> AccountStore:
    """The accounts of the directory given to the command, else the one given to `signaal portal --dir`."""
    ctx = click.get_current_context()
    if ctx.get_parameter_source("home") is not ParameterSource.COMMANDLINE and isinstance(ctx.obj, Path):
        home = ctx.obj
    return AccountStore(accounts_path(config_at(home)))


@user.command("add")
@home_option
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The name shown in the portal.")
@click.option("--role", type=click.Choice(ROLES), default="worker", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def add_user(home: Path, username: str, display_name: str, role: str, password_stdin: bool) -> None:
    """Add an account USERNAME; asks for its password (at least 12 characters)."""
    store = _accounts(home)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        store.add(username, display_name, role, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"account {username} ({role}) added")


@user.command("list")
@home_option
def list_users(home: Path) -> None:
    """List the accounts (never passwords)."""
    for account in _accounts(home).all():
        state = "" if account.active else " (disabled)"
        click.echo(f"{account.username}\t{account.role}\t{account.display_name}{state}")


@user.command("disable")
@home_option
@click.argument("username")
def disable_user(home: Path, username: str) -> None:
    """Disable an account: it is logged out at its next click and cannot log in again."""
    try:
        _accounts(home).set_active(username, False)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"account {username} disabled")

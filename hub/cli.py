"""The ``hub`` command: run the service and operate it."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy.engine import Engine

from hub import backup, cli_consent, cli_directory, cli_keys, cli_routing, cli_subject, logs, metrics
from hub.db import migrate
from hub.db.engine import make_engine
from hub.settings import Settings, SettingsError


@contextmanager
def _engine() -> Iterator[Engine]:
    engine = make_engine(_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Signaalhub: the exchange hub of the Dutch debt early-warning chain.

    Configuration comes from HUB_* environment variables (see docs/configuration.md); by default the hub
    keeps its SQLite database and keys under ./var.
    """


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
@click.option("--dev", is_flag=True, help="Use Flask's development server (reloader, debugger off).")
def serve(host: str, port: int, workers: int, dev: bool) -> None:
    """Run the hub's HTTP service (gunicorn).

    On SQLite the database is created and migrated on first start; on PostgreSQL run `hub db upgrade`
    first (the hub refuses to start on an outdated schema).
    """
    settings = _settings()
    engine = make_engine(settings.database_url)
    if settings.is_sqlite:
        if migrate.is_empty(engine) or not migrate.is_at_head(engine):
            click.echo(f"Migrating the SQLite database at {engine.url.database} ...", err=True)
            migrate.upgrade(engine)
    elif not migrate.is_at_head(engine):
        raise click.ClickException("The database schema is not at the newest migration; run `hub db upgrade`.")
    engine.dispose()
    from hub.app import create_app, freeze_for_serving  # noqa: PLC0415 - built only when serving

    logs.configure(settings.log_level)
    _prepare_metrics_dir(settings, dev)
    app = create_app(settings)
    click.echo(f"Signaalhub listening on http://{host}:{port} (docs at /docs)", err=True)
    if dev:
        app.run(host=host, port=port, debug=False, use_reloader=False)
        return
    freeze_for_serving()
    _Gunicorn(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "loglevel": settings.log_level.lower(),
            "child_exit": _child_exit,
        },
    ).run()


def _prepare_metrics_dir(settings: Settings, dev: bool) -> None:
    """gunicorn workers share their counters through files in a fresh directory (prometheus-client)."""
    if dev or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    directory = settings.data_dir / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    metrics.use_multiprocess(str(directory.resolve()))


def _child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess  # noqa: PLC0415 - only under gunicorn

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


class _Gunicorn:
    """gunicorn's documented custom-application hook, serving an already-built app."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        from gunicorn.app.base import BaseApplication  # noqa: PLC0415 - gunicorn only when serving

        outer = self

        class Application(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in outer.options.items():
                    self.cfg.set(key, value)

            def load(self) -> Flask:
                return outer.app

        self.app, self.options, self._application = app, options, Application

    def run(self) -> None:
        self._application().run()


@cli.command()
def scheduler() -> None:
    """Run the scheduler process: webhook delivery, purges and other timed jobs.

    Only one scheduler runs at a time (a database lock); a second one waits and takes over when the first
    stops. Stop it with Ctrl-C or SIGTERM.
    """
    from hub.jobs.scheduler import run  # noqa: PLC0415 - APScheduler only in this process

    logs.configure(_settings().log_level)
    with cli_directory.services() as services:
        run(services)


@cli.command()
def deliver() -> None:
    """Deliver pending webhook notifications once and report (one run of what the scheduler does every second)."""
    with cli_directory.services() as services:
        stats = services.dispatcher.run_once()
    click.echo(
        f"dispatched {stats.dispatched} events; delivered {stats.delivered}, retrying {stats.retried}, "
        f"failed {stats.failed}, endpoints disabled {len(stats.disabled_endpoints)}"
    )


@cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Write a consistent copy of the SQLite store to TARGET while the hub runs (PostgreSQL: pg_dump)."""
    with _engine() as engine:
        try:
            size = backup.backup(engine, target)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {target} ({size} bytes)")


@cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing database (stop the hub first).")
def restore_command(source: Path, force: bool) -> None:
    """Restore the SQLite store from SOURCE, then bring its schema to the newest migration."""
    with _engine() as engine:
        try:
            backup.restore(engine, source, force=force)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        migrate.upgrade(engine)
        click.echo(f"restored {source} into {engine.url.database}; schema at {migrate.current_revision(engine)}")


@cli.group()
def db() -> None:
    """Database schema: migrations (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    with _engine() as engine:
        migrate.upgrade(engine, revision)
        click.echo(f"Database at {migrate.current_revision(engine)} ({engine.url.render_as_string()})")


@db.command("current")
def db_current() -> None:
    """Show the database's migration and whether it is the newest."""
    with _engine() as engine:
        current, head = migrate.current_revision(engine), migrate.head_revision()
    click.echo(f"current: {current or '(empty database)'}\nhead:    {head}")
    if current != head:
        sys.exit(1)


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def db_revision(message: str) -> None:
    """Write a new migration, autogenerated from hub/db/tables.py against the current database."""
    with _engine() as engine:
        migrate.revision(engine, message)


@cli.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def openapi(output: Path | None) -> None:
    """Print (or write) the OpenAPI 3.1 document generated from the code."""
    from hub.app import create_app  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as scratch:  # the app's development keys land here, not in ./var
        app = create_app(Settings(env="test", data_dir=Path(scratch), database_url="sqlite://"))
        document = (
            json.dumps(app.extensions["signaalhub_api"].spec.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
            + "\n"
        )
        app.extensions["signaalhub"].engine.dispose()
    if output is None:
        click.echo(document, nl=False)
    else:
        output.write_text(document, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


for _group in (
    cli_directory.org,
    cli_directory.key,
    cli_directory.evidence,
    cli_routing.routing,
    cli_consent.consent,
    cli_keys.keys,
    cli_subject.case,
):
    cli.add_command(_group)


def main() -> None:
    cli(prog_name="hub")

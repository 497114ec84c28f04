"""``hub routing``: import and inspect the routing table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from hub.cli_directory import services
from hub.domain.evidence import Actor
from hub.domain.routing_files import RoutingFileError

SAMPLE = Path(__file__).resolve().parent / "data" / "routing-sample.csv"


@click.group()
def routing() -> None:
    """The postcode -> municipality routing table (versioned, with validity dates)."""


@routing.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--sample", is_flag=True, help=f"Import the shipped sample ({SAMPLE.name}) instead of FILE.")
@click.option(
    "--valid-from",
    type=click.DateTime(["%Y-%m-%d"]),
    help="For the CBS layout: the date its rows take effect (default 1 January of its year).",
)
@click.option("--encoding", default="utf-8-sig", show_default=True, help="File encoding (e.g. cp1252).")
def routing_import(file: Path | None, sample: bool, valid_from: dt.datetime | None, encoding: str) -> None:
    """Import FILE as a new routing-table version.

    Layouts: the simple CSV `postcode,from,to,gemeentecode,valid_from,valid_to` and the CBS "postcode
    huisnummer gemeente" CSV (`PC6;Huisnummer;Buurt..;Wijk..;Gemeente<jaar>`). All or nothing: every bad line
    is reported. Importing the same content again changes nothing.
    """
    if (file is None) == (not sample):
        raise click.UsageError("give FILE or --sample (not both)")
    path = SAMPLE if sample else file
    assert path is not None
    try:
        text = path.read_text(encoding=encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise click.ClickException(f"cannot read {path} as {encoding}: {exc}") from exc
    with services() as s:
        try:
            result = s.routing.import_text(
                Actor.operator(), text, source=path.name, valid_from=valid_from.date() if valid_from else None
            )
        except RoutingFileError as exc:
            lines = "\n".join(f"  line {e.line}: {e.reason}" for e in exc.errors)
            raise click.ClickException(f"{path}: nothing imported; {len(exc.errors)} bad line(s):\n{lines}") from exc
    if result.unchanged:
        click.echo(f"unchanged: {path.name} equals the current version {result.version}")
    else:
        since = f"; routing differs from the previous version from {result.changed_from}" if result.changed_from else ""
        click.echo(f"imported {result.entries} entries as version {result.version}{since}")


@routing.command("versions")
def routing_versions() -> None:
    """List the imported versions, newest last."""
    with services() as s:
        for v in s.routing.versions():
            click.echo(f"{v.version}\t{v.entry_count} entries\tfrom {v.source}\tchanged from {v.changed_from or '-'}")


@routing.command("route")
@click.argument("postcode")
@click.argument("house_number", type=int)
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), help="Date (default today).")
def routing_route(postcode: str, house_number: int, on: dt.datetime | None) -> None:
    """Show which municipality POSTCODE HOUSE_NUMBER routes to (a check for operators)."""
    with services() as s:
        table = s.routing.current()
    day = on.date() if on else dt.date.today()
    code = table.route(postcode, house_number, day)
    click.echo(f"{code or 'not covered'} (version {table.version}, {day})")

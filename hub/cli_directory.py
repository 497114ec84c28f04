"""``hub org``, ``hub key`` and ``hub evidence``: the operator's side of the directory."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from hub.db.engine import make_engine
from hub.domain.directory import KEY_USES, ORGANISATION_KINDS, OrganisationKey
from hub.domain.evidence import Actor
from hub.errors import HubError
from hub.services import Services
from hub.settings import Settings, SettingsError


@contextmanager
def services() -> Iterator[Services]:
    """Services for one CLI command; HubErrors become a clear message and exit status 1."""
    try:
        settings = Settings.from_env()
        engine = make_engine(settings.database_url)
        built = Services.build(settings, engine)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        yield built
    except HubError as exc:
        details = "".join(f"\n  {p.name}: {p.reason}" for p in exc.invalid_params)
        raise click.ClickException(f"{exc.detail} [{exc.code}]{details}") from exc
    finally:
        engine.dispose()


def _read_public_key(path: Path) -> bytes:
    """A public key file: PEM, raw bytes, or base64 text of the raw bytes."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return data
    try:
        return base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        return data


def _show_key(key: OrganisationKey, now: dt.datetime) -> str:
    ends = key.not_after.isoformat(timespec="seconds") if key.not_after else "open"
    return f"{key.key_id}\t{key.use}\t{key.suite}\t{key.state_at(now)}\t{key.not_before:%Y-%m-%d} .. {ends}"


@click.group()
def org() -> None:
    """Organisations in the directory."""


@org.command("add")
@click.option("--id", "org_id", required=True, help="Short stable id, e.g. woonstad-rdam or gm0363.")
@click.option("--name", required=True, help="Display name.")
@click.option("--kind", required=True, type=click.Choice(ORGANISATION_KINDS), help="What the organisation is.")
@click.option("--municipality-code", help="4-digit CBS code (municipalities only).")
def org_add(org_id: str, name: str, kind: str, municipality_code: str | None) -> None:
    """Register an organisation. Add its keys next with `hub key add`."""
    with services() as s:
        created = s.directory.add_organisation(Actor.operator(), org_id, name, kind, municipality_code)
    click.echo(f"added {created.id} ({created.kind})")


@org.command("list")
@click.option("--kind", type=click.Choice(ORGANISATION_KINDS), help="Only this kind.")
def org_list(kind: str | None) -> None:
    """List organisations: id, kind, municipality code, state, name."""
    with services() as s:
        for o in s.directory.organisations(kind):
            state = "disabled" if o.disabled else "active"
            click.echo(f"{o.id}\t{o.kind}\t{o.municipality_code or '-'}\t{state}\t{o.name}")


@org.command("show")
@click.argument("org_id")
def org_show(org_id: str) -> None:
    """Show one organisation and all its keys."""
    with services() as s:
        o, keys = s.directory.organisation(org_id)
        now = s.clock()
    click.echo(f"id: {o.id}\nname: {o.name}\nkind: {o.kind}\nmunicipality code: {o.municipality_code or '-'}")
    click.echo(f"state: {'disabled' if o.disabled else 'active'}\nkeys:")
    for key in keys:
        click.echo("  " + _show_key(key, now))


@org.command("disable")
@click.argument("org_id")
@click.option("--enable", is_flag=True, help="Enable a disabled organisation again.")
def org_disable(org_id: str, enable: bool) -> None:
    """Disable an organisation: its requests are refused and it leaves the directory."""
    with services() as s:
        changed = s.directory.set_disabled(Actor.operator(), org_id, not enable)
    click.echo(f"{changed.id} is {'disabled' if changed.disabled else 'active'}")


@org.command("retention")
@click.argument("org_id")
@click.argument("days", type=click.IntRange(1, 3650), required=False)
def org_retention(org_id: str, days: int | None) -> None:
    """Set a municipality's retention term in DAYS for cases without help (leave out DAYS for the default)."""
    with services() as s:
        changed = s.directory.set_retention(Actor.operator(), org_id, days)
        default = s.settings.retention_days
    click.echo(
        f"{changed.id}: cases without help are kept {changed.retention_days or default} days after their "
        f"newest signal{'' if changed.retention_days else ' (the default, HUB_RETENTION_DAYS)'}"
    )


@org.command("succeed")
@click.argument("old_id")
@click.argument("new_id")
def org_succeed(old_id: str, new_id: str) -> None:
    """A municipality merged into another: move OLD_ID's open reports to NEW_ID and disable OLD_ID.

    Import the routing table that ends OLD_ID's postcodes first; hand OLD_ID's key files to NEW_ID's staff so
    identities already sealed for OLD_ID can still be opened.
    """
    with services() as s:
        moved = s.succession.succeed(Actor.operator(), old_id, new_id)
    click.echo(f"{moved} open report(s) moved from {old_id} to {new_id}; {old_id} is disabled")


@click.group()
def key() -> None:
    """Organisations' public keys: signing (Ed25519) and encryption (HPKE)."""


@key.command("add")
@click.argument("org_id")
@click.option("--use", required=True, type=click.Choice(KEY_USES), help="signing or encryption.")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File with the public key: PEM, raw bytes or base64 (docs/wire-formats.md).",
)
@click.option("--suite", help="ed25519; mlkem768-x25519 (default for encryption) or x25519.")
@click.option("--key-id", help="Key id; generated when left out.")
@click.option("--not-after", type=click.DateTime(), help="Last moment the key is valid (UTC).")
def key_add(
    org_id: str, use: str, public_key: Path, suite: str | None, key_id: str | None, not_after: dt.datetime | None
) -> None:
    """Register a public key for ORG_ID and print its key id."""
    ends = not_after.replace(tzinfo=dt.UTC) if not_after else None
    with services() as s:
        added = s.directory.add_key(
            Actor.operator(), org_id, use, _read_public_key(public_key), suite=suite, key_id=key_id, not_after=ends
        )
    click.echo(added.key_id)


@key.command("rotate")
@click.argument("key_id")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File with the successor's public key.",
)
@click.option("--new-key-id", help="Id of the successor; generated when left out.")
@click.option(
    "--grace-hours",
    default=168,
    show_default=True,
    type=click.IntRange(0, 24 * 90),
    help="How long the old key stays valid.",
)
def key_rotate(key_id: str, public_key: Path, new_key_id: str | None, grace_hours: int) -> None:
    """Add a successor to KEY_ID; the old key stays valid for the grace period. Prints the new key id."""
    with services() as s:
        new = s.directory.rotate_key(
            Actor.operator(),
            key_id,
            _read_public_key(public_key),
            grace=dt.timedelta(hours=grace_hours),
            new_key_id=new_key_id,
        )
    click.echo(new.key_id)


@key.command("revoke")
@click.argument("key_id")
def key_revoke(key_id: str) -> None:
    """Revoke KEY_ID at once."""
    with services() as s:
        revoked = s.directory.revoke_key(Actor.operator(), key_id)
    click.echo(f"{revoked.key_id} revoked at {revoked.revoked_at:%Y-%m-%dT%H:%M:%SZ}")


@click.group()
def evidence() -> None:
    """The append-only, hash-chained evidence log of accepted requests."""


@evidence.command("verify")
def evidence_verify() -> None:
    """Recompute the chain; name the first broken entry (exit status 1) or confirm it is intact."""
    with services() as s:
        report = s.evidence.verify()
    if report.first_break is None:
        click.echo(f"evidence chain intact: {report.entries} entries")
        return
    click.echo(f"evidence chain BROKEN at entry seq={report.first_break.seq}: {report.first_break.reason}", err=True)
    sys.exit(1)

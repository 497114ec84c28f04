"""``hub keys``: the hub's own keys (token re-keying, receipt signing, webhook secrets): list and rotate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from hub import keys as hub_keys
from hub.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("keys")
def keys() -> None:
    """The hub's own keys: token re-keying, receipt signing and webhook secrets (never shown)."""


@keys.command("list")
def list_keys() -> None:
    """Each keyring's keys: id, when made, when retired and until when still used. The current key first."""
    settings = _settings()
    for kind in hub_keys.KINDS:
        try:
            source = hub_keys.key_source(settings, kind)
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot read the {kind} keys: {exc}") from exc
        click.echo(f"{kind} keys ({source.description}):")
        for index, entry in enumerate(source.ring().entries):
            shown = entry.summary()
            state = "current" if index == 0 else f"retired {shown['retired_at']}"
            until = "" if index == 0 else f", used until {shown['expires_at'] or 'for good (verification only)'}"
            click.echo(f"  {entry.key_id}  {state}, made {shown['created_at'] or '(date not recorded)'}{until}")


@keys.command("rotate")
@click.argument("kind", type=click.Choice(hub_keys.KINDS))
@click.option(
    "--overlap-days",
    type=click.IntRange(0, 3650),
    help=f"webhook keys: days the old key still signs beside the new one (default {hub_keys.WEBHOOK_OVERLAP_DAYS}); "
    "token keys always overlap for the linking window or retention term, signing keys stay for verification.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the new keyring here instead of over the key file (needed when the keys come from HUB_*_KEY).",
)
def rotate(kind: str, overlap_days: int | None, output: Path | None) -> None:
    """Make a new current KIND key and keep the old one for what it is still needed for.

    The keyring file is replaced atomically; running hub processes pick the new key up on their next use,
    without a restart. token: new tokens are stored under both keys while the old one lives, so linking
    goes on across the rotation. signing: new receipts are signed with the new key; GET /v1/hub-key
    publishes both, with validity. webhook: notifications carry a signature under each live key until the
    old one expires; tell receivers to fetch their new secret (rotate their endpoint's secret) before then.
    """
    settings = _settings()
    if overlap_days is not None and kind != "webhook":
        raise click.UsageError("--overlap-days applies to webhook keys only")
    try:
        ring, target = hub_keys.rotate(
            settings, kind, dt.datetime.now(dt.UTC), overlap_days=overlap_days, output=output
        )
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    old = ring.entries[1]
    until = old.summary()["expires_at"] or "for good, for verification only"
    click.echo(f"{kind} key {ring.current.key_id} is current; {old.key_id} retired, kept until {until}")
    click.echo(f"wrote {target} ({len(ring.entries)} keys)")


@keys.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a new key of each kind into DIRECTORY (token.key, signing.pem, webhook.key; mode 0600) for a
    production hub: point HUB_TOKEN_KEY_FILE, HUB_SIGNING_KEY_FILE and HUB_WEBHOOK_KEY_FILE at them (or
    put each file's content into HUB_TOKEN_KEY, HUB_SIGNING_KEY, HUB_WEBHOOK_KEY). Refuses to overwrite."""
    now = dt.datetime.now(dt.UTC)
    for kind in hub_keys.KINDS:
        target = directory / hub_keys.FILE_NAMES[kind]
        try:
            hub_keys.write_new(target, hub_keys.new_keyring(kind, now))
        except FileExistsError:
            raise click.ClickException(f"{target} exists; not overwriting a key (rotate it instead)") from None
        click.echo(f"wrote {target}")

"""``signaal init`` and ``signaal whoami``: setting an organisation up and checking the set-up."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import click

from adapters.answers import explain
from adapters.cli_common import config_at, home_option
from adapters.client import HubClientError, HubUnreachableError
from adapters.config import KINDS, ConfigError, home_of
from adapters.setup import InitOptions, InitResult, SetupError, initialise
from schemas.v1 import vocab


@click.command()
@home_option
@click.option("--org", "organisation_id", required=True, help="Your organisation id at the hub, e.g. woonstad-rdam.")
@click.option("--kind", required=True, type=click.Choice(KINDS), help="What your organisation is.")
@click.option("--hub", "hub_url", required=True, help="The hub's base URL, e.g. https://hub.example.nl.")
@click.option("--name", help="Display name for the hub's directory (default: the organisation id).")
@click.option("--municipality-code", help="4-digit CBS code (municipalities only).")
@click.option(
    "--suite",
    type=click.Choice(vocab.ENCRYPTION_SUITES),
    default=vocab.DEFAULT_SUITE,
    show_default=True,
    help="Encryption key suite.",
)
@click.option(
    "--linkage-key",
    "linkage_key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Import the linkage key all data providers share (32 bytes: raw, base64 or hex).",
)
@click.option("--new-linkage-key", is_flag=True, help="Generate a new linkage key: only when you start a new chain.")
@click.option("--signing-key-id", help="Key id to register the signing key under (default ORG-sig-1).")
@click.option("--encryption-key-id", help="Key id to register the encryption key under (default ORG-enc-1).")
@click.option("--force", is_flag=True, help="Replace an existing configuration and keys.")
def init(
    home: Path,
    organisation_id: str,
    kind: str,
    hub_url: str,
    name: str | None,
    municipality_code: str | None,
    suite: str,
    linkage_key_file: Path | None,
    new_linkage_key: bool,
    signing_key_id: str | None,
    encryption_key_id: str | None,
    force: bool,
) -> None:
    """Create your organisation's configuration and keys, and print what the hub operator must register."""
    options = InitOptions(
        home=home_of(home),
        hub_url=hub_url.rstrip("/"),
        organisation_id=organisation_id,
        kind=kind,
        name=name or organisation_id,
        municipality_code=municipality_code,
        suite=suite,
        linkage_key_file=linkage_key_file,
        new_linkage_key=new_linkage_key,
        signing_key_id=signing_key_id,
        encryption_key_id=encryption_key_id,
        force=force,
    )
    try:
        result = initialise(options)
    except SetupError as error:
        raise click.ClickException(str(error)) from None
    _print_init(options, result)


def _print_init(options: InitOptions, result: InitResult) -> None:
    echo = click.echo
    echo(f"Created {options.home} for {options.organisation_id} ({options.kind}): config.toml, keys/, data/")
    if result.linkage_key != "none":
        echo(f"Linkage key: {result.linkage_key} (keys/linkage.key; keep it secret, never send it to the hub)")
    echo("\nPublic keys (not secret; hand these files to the hub operator):")
    echo(f"  signing     ed25519          {result.signing_public_file}\n              {result.signing_public_b64}")
    echo(f"  encryption  {options.suite:<16} {result.encryption_public_file} (base64 in the file)")
    echo("\nThe hub operator registers them with:")
    for command in result.commands:
        echo(f"  {command}")
    echo(f"\nKey ids in config.toml: signing {result.signing_key_id}, encryption {result.encryption_key_id}.")
    echo(f"Then check the set-up with: signaal whoami --dir {options.home}")


@click.command()
@home_option
def whoami(home: Path) -> None:
    """Check the set-up: who the hub says we are, and whether our encryption key is registered."""
    config = config_at(home)
    try:
        client = config.client()
        me = client.get("/v1/whoami").json()
        directory = client.get("/v1/directory").json()
        routing = client.get("/v1/routing", expect=(404,))
        own_public = config.encryption_key().public_bytes()
    except (HubClientError, HubUnreachableError) as error:
        raise click.ClickException(str(explain(error, config.hub_url))) from None
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"hub: {config.hub_url}")
    click.echo(f"organisation: {me['organisation_id']} ({me['kind']}), signing key {me['key_id']}")
    problems = []
    if me["organisation_id"] != config.organisation_id:
        problems.append(f"the hub knows this signing key as {me['organisation_id']}, not {config.organisation_id}")
    keys: list[dict[str, Any]] = next(
        (o["encryption_keys"] for o in directory["organisations"] if o["id"] == me["organisation_id"]), []
    )
    match = [k for k in keys if base64.b64decode(k["public_key"]) == own_public]
    if match:
        click.echo(f"encryption key: registered as {match[0]['key_id']} ({match[0]['suite']})")
    else:
        problems.append("your encryption key is not registered (or no longer valid) at the hub")
    version = routing.json().get("version") if routing.status_code == 200 else None
    click.echo(f"routing table: {version or 'none published yet (ask the hub operator)'}")
    if problems:
        raise click.ClickException("; ".join(problems))
    click.echo("set-up OK")

"""``hub consent``: verify a signed consent receipt offline, and show the purposes and their legal bases."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import click

from consent import receipts
from consent.purposes import PURPOSE_LIST
from hub import crypto
from hub.keys import load_hub_keys
from hub.settings import Settings, SettingsError


@click.group()
def consent() -> None:
    """Consent receipts and the purposes of disclosure."""


@consent.command("verify")
@click.argument("receipt", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--hub-key",
    "hub_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The hub's published key: the JSON of GET /v1/hub-key, a PEM public key, or base64 of the raw key. "
    "Without it, the key of the hub configured by HUB_* (this hub).",
)
def verify(receipt: Path, hub_key: Path | None) -> None:
    """Verify RECEIPT.json (from GET /v1/consents/{id}/receipt) against the hub's public key.

    Needs no hub and no network. Exit status 0 when the signature holds, 1 when it does not. A valid
    receipt proves what was agreed when it was issued; whether the consent still holds (it may have been
    withdrawn since) only the hub can say.
    """
    keys = _keys_from_file(hub_key) if hub_key else _own_keys()
    try:
        body = receipts.verify_receipt(receipt.read_bytes(), keys, crypto.verify_signature)
    except receipts.ReceiptError as exc:
        click.echo(f"INVALID: {exc}")
        sys.exit(1)
    recipients = ", ".join(f"{r['name']} ({r['id']})" for r in body["recipients"])
    click.echo(
        f"valid: receipt {body['receipt_id']} issued {body['issued_at']}\n"
        f"  consent {body['consent_id']} for case {body['case_id']}: {body['purpose']['id']}\n"
        f"  recorded by {body['recorded_by']['name']} ({body['recorded_by']['id']}), {body['method']}\n"
        f"  recipients: {recipients}\n"
        f"  given {body['given_at']}, until {body['expires_at']}; state when issued: {body['state']}"
    )


@consent.command("purposes")
def purposes() -> None:
    """List the purposes: id, legal basis per organisation kind, who records consent, maximum term."""
    for purpose in PURPOSE_LIST:
        click.echo(f"{purpose.id}\t{purpose.title}")
        for basis in purpose.bases:
            click.echo(f"  {basis.kind}\t{', '.join(sorted(basis.recipient_kinds))}\t{basis.citation}")
        if purpose.takes_consent:
            recorders = ", ".join(sorted(purpose.recorder_kinds))
            click.echo(f"  recorded by {recorders}; at most {purpose.max_term_days} days per term")


def _keys_from_file(path: Path) -> dict[str, bytes]:
    data = path.read_bytes()
    try:
        if data.lstrip().startswith(b"{"):
            return receipts.published_keys(receipts.parse_document(data))
        if not data.lstrip().startswith(b"-----BEGIN"):
            data = base64.b64decode(data.strip(), validate=True)
        raw = crypto.parse_public_key("ed25519", data)
    except ValueError as exc:  # ReceiptError, KeyFormatError and binascii.Error all are
        raise click.ClickException(f"{path} is not a hub key: {exc}") from exc
    return {receipts.key_id_for(raw): raw}


def _own_keys() -> dict[str, bytes]:
    """Every signing key of this hub's keyring, retired ones too: receipts signed before a rotation verify."""
    try:
        published = load_hub_keys(Settings.from_env()).published_signing_keys()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    return {key.key_id: key.public_key for key in published}

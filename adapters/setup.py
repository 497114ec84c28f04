"""``signaal init``: an organisation's Signaal directory with its configuration, keys and data folder.

Creates ``config.toml``; ``keys/signing.pem`` (Ed25519) and ``keys/encryption.key`` (hybrid ML-KEM-768 +
X25519 by default), both mode 0600, with their public halves as base64 in ``keys/*.pub``; the shared
linkage key ``keys/linkage.key`` (imported, or generated only when asked); and ``data/``. Existing keys
are never replaced without ``force``. The result lists the public keys and the exact ``hub org add`` /
``hub key add`` commands the hub operator runs to register them.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from adapters import crypto, keyfiles
from adapters.config import CONFIG_FILE, SECTOR_OF_KIND
from schemas.v1 import vocab
from schemas.v1.fields import KEY_ID, ORG_ID

_URL = re.compile(r"https?://[^\s/]+(?:/\S*)?")


class SetupError(Exception):
    """``signaal init`` cannot proceed; the message says why and what to pass instead."""


@dataclass(frozen=True)
class InitOptions:
    home: Path
    hub_url: str
    organisation_id: str
    kind: str
    name: str
    municipality_code: str | None = None
    suite: str = vocab.DEFAULT_SUITE
    linkage_key_file: Path | None = None
    new_linkage_key: bool = False
    signing_key_id: str | None = None
    encryption_key_id: str | None = None
    force: bool = False


@dataclass(frozen=True)
class InitResult:
    config_file: Path
    signing_public_file: Path
    encryption_public_file: Path
    signing_public_b64: str
    encryption_public_b64: str
    signing_key_id: str
    encryption_key_id: str
    linkage_key: str  # "imported", "generated", "kept" or "none"
    commands: list[str]


def _check(options: InitOptions) -> tuple[str, str]:
    if ORG_ID.fullmatch(options.organisation_id) is None:
        raise SetupError("--org must be 3 to 64 lower-case letters, digits and hyphens, e.g. woonstad-rdam")
    if _URL.fullmatch(options.hub_url) is None:
        raise SetupError("--hub must be the hub's base URL, e.g. https://hub.example.nl")
    if options.kind == "municipality" and not re.fullmatch(r"\d{4}", options.municipality_code or ""):
        raise SetupError("a municipality needs --municipality-code, its 4-digit CBS code (e.g. 0363)")
    signing_id = options.signing_key_id or f"{options.organisation_id}-sig-1"
    encryption_id = options.encryption_key_id or f"{options.organisation_id}-enc-1"
    for key_id in (signing_id, encryption_id):
        if KEY_ID.fullmatch(key_id) is None:
            raise SetupError("key ids are 3 to 100 letters, digits, dots, underscores and hyphens")
    if options.linkage_key_file is not None and options.new_linkage_key:
        raise SetupError("pass either --linkage-key FILE or --new-linkage-key, not both")
    return signing_id, encryption_id


def _refuse_overwrite(home: Path, force: bool) -> None:
    existing = (home / CONFIG_FILE, home / "keys" / "signing.pem", home / "keys" / "encryption.key")
    taken = [str(path) for path in existing if path.exists()]
    if taken and not force:
        raise SetupError(
            f"{home} is already set up ({', '.join(taken)}); pass --force to replace its configuration and keys "
            "(the keys registered at the hub then stop working until the new ones are registered)"
        )


def _linkage_key(options: InitOptions, path: Path) -> str:
    """Import, generate or keep the linkage key; returns which it did."""
    if options.linkage_key_file is not None:
        try:
            key = keyfiles.parse_linkage_key(options.linkage_key_file.read_bytes())
        except (OSError, ValueError) as error:
            raise SetupError(f"--linkage-key {options.linkage_key_file}: {error}") from None
        keyfiles.write_secret(path, keyfiles.linkage_key_text(key), overwrite=True)
        return "imported"
    if options.new_linkage_key:
        if path.exists() and not options.force:
            raise SetupError(f"{path} exists; pass --force to replace the linkage key (all providers must share it)")
        keyfiles.write_secret(path, keyfiles.linkage_key_text(crypto.generate_linkage_key()), overwrite=True)
        return "generated"
    if path.exists():
        return "kept"
    if options.kind in SECTOR_OF_KIND:
        raise SetupError(
            "a creditor needs the linkage key that all data providers share: pass --linkage-key FILE "
            "(from your chain's key custodian), or --new-linkage-key only when you start a new chain"
        )
    return "none"


def initialise(options: InitOptions) -> InitResult:
    """Create (or with ``force`` replace) the Signaal directory ``options.home``."""
    signing_id, encryption_id = _check(options)
    home = options.home
    _refuse_overwrite(home, options.force)
    keys, data = home / "keys", home / "data"
    for folder in (home, keys, data):
        folder.mkdir(parents=True, exist_ok=True)
    for folder in (keys, data):
        folder.chmod(0o700)
    linkage = _linkage_key(options, keys / "linkage.key")
    signing = crypto.generate_signing_key()
    encryption = crypto.generate_encryption_key(options.suite)
    keyfiles.write_secret(keys / "signing.pem", crypto.signing_key_to_pem(signing), overwrite=True)
    keyfiles.write_secret(keys / "encryption.key", crypto.encryption_key_to_file(encryption), overwrite=True)
    signing_b64 = base64.b64encode(crypto.signing_public_bytes(signing)).decode("ascii")
    encryption_b64 = base64.b64encode(encryption.public_bytes()).decode("ascii")
    (keys / "signing.pub").write_text(signing_b64 + "\n", encoding="ascii")
    (keys / "encryption.pub").write_text(encryption_b64 + "\n", encoding="ascii")
    config_file = home / CONFIG_FILE
    config_file.write_text(_config_text(options, signing_id, encryption_id), encoding="utf-8")
    return InitResult(
        config_file=config_file,
        signing_public_file=keys / "signing.pub",
        encryption_public_file=keys / "encryption.pub",
        signing_public_b64=signing_b64,
        encryption_public_b64=encryption_b64,
        signing_key_id=signing_id,
        encryption_key_id=encryption_id,
        linkage_key=linkage,
        commands=registration_commands(options, signing_id, encryption_id),
    )


def registration_commands(options: InitOptions, signing_id: str, encryption_id: str) -> list[str]:
    """What the hub operator runs to register this organisation and its two public keys."""
    org, keys = options.organisation_id, options.home / "keys"
    add_org = ["hub", "org", "add", "--id", org, "--name", options.name, "--kind", options.kind]
    if options.municipality_code:
        add_org += ["--municipality-code", options.municipality_code]
    signing = ["hub", "key", "add", org, "--use", "signing", "--public-key", str(keys / "signing.pub")]
    encryption = ["hub", "key", "add", org, "--use", "encryption", "--suite", options.suite]
    encryption += ["--public-key", str(keys / "encryption.pub")]
    return [
        shlex.join(add_org),
        shlex.join([*signing, "--key-id", signing_id]),
        shlex.join([*encryption, "--key-id", encryption_id]),
    ]


def _config_text(options: InitOptions, signing_id: str, encryption_id: str) -> str:
    def q(value: str) -> str:
        return json.dumps(value)  # a JSON string is a valid TOML basic string

    sector = f"sector = {q(SECTOR_OF_KIND[options.kind])}\n" if options.kind in SECTOR_OF_KIND else ""
    layout = f"layout = {q(options.kind)}\n" if options.kind in SECTOR_OF_KIND else ""
    return (
        f"# Signaal configuration of {options.organisation_id}; docs/adapters.md explains every setting.\n"
        f"hub_url = {q(options.hub_url)}\n"
        f"organisation_id = {q(options.organisation_id)}\n"
        f"kind = {q(options.kind)}\n{sector}"
        f"signing_key_id = {q(signing_id)}\n"
        f"encryption_key_id = {q(encryption_id)}\n\n"
        "[paths]  # relative to this directory\n"
        'signing_key = "keys/signing.pem"\nencryption_key = "keys/encryption.key"\n'
        'linkage_key = "keys/linkage.key"\ndata = "data"\n\n'
        "[push]\nbatch_size = 200\nretry_attempts = 5\ntimeout_seconds = 60\n\n"
        f"[export]  # the export layout and its overrides (delimiter, encoding, amount_format, date_format, ...)\n"
        f"{layout}\n"
        '[export.columns]  # field = "column in your export"; see docs/adapters.md for the field names\n'
    )

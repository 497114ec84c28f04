"""The organisation's local configuration: ``config.toml`` in its Signaal directory, and what it builds.

The directory (``--dir``, else ``$SIGNAAL_HOME``, else ``./signaal``) holds ``config.toml``, the key
files under ``keys/`` and the state, caches and reports under ``data/``; paths in the file are relative
to the directory. ``signaal init`` writes it; docs/adapters.md describes every setting. Loading checks
types and names and says what to change; keys are read only when a command needs them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from adapters import crypto, keyfiles
from adapters.client import HubClient, RetryPolicy
from adapters.exports import Layout, LayoutError, layout_for
from schemas.v1 import vocab

T = TypeVar("T")
CONFIG_FILE: Final = "config.toml"
DEFAULT_HOME: Final = "signaal"
HOME_ENV: Final = "SIGNAAL_HOME"
#: The sector each creditor kind signals in by default, and its export layout.
SECTOR_OF_KIND: Final[Mapping[str, str]] = {
    "housing": "huur",
    "energy": "energie",
    "water": "water",
    "health_insurer": "zorg",
    "municipal_taxes": "overige",
}
KINDS: Final = (*SECTOR_OF_KIND, "municipality", "debt_help")
MAX_ATTEMPTS: Final = 20


class ConfigError(Exception):
    """The configuration is missing or wrong; the message says what to change."""


@dataclass(frozen=True)
class Config:
    """A loaded ``config.toml``; paths are absolute."""

    home: Path
    hub_url: str
    organisation_id: str
    kind: str
    signing_key_id: str
    signing_key_path: Path
    encryption_key_path: Path
    linkage_key_path: Path
    data_dir: Path
    sector: str | None = None
    encryption_key_id: str | None = None
    batch_size: int = 200
    retry_attempts: int = 5
    timeout_seconds: float = 60.0
    export: Mapping[str, Any] = field(default_factory=dict)

    def layout(self) -> Layout:
        """The export layout of this organisation, with its configured overrides and sector."""
        if self.kind not in SECTOR_OF_KIND:
            raise ConfigError(f"an organisation of kind {self.kind} does not push signals")
        sector = self.sector or SECTOR_OF_KIND[self.kind]
        if sector not in vocab.SECTORS:
            raise ConfigError(f"{self.home / CONFIG_FILE}: `sector` must be one of {', '.join(vocab.SECTORS)}")
        overrides = {**self.export, "sector": sector}
        try:
            return layout_for(overrides, default=self.kind)
        except LayoutError as error:
            raise ConfigError(f"{self.home / CONFIG_FILE}: {error}") from None

    def signing_key(self) -> crypto.SigningPrivateKey:
        return _key(keyfiles.read_signing_key, self.signing_key_path)

    def encryption_key(self) -> crypto.EncryptionPrivateKey:
        return _key(keyfiles.read_encryption_key, self.encryption_key_path)

    def linkage_key(self) -> bytes:
        return _key(keyfiles.read_linkage_key, self.linkage_key_path)

    def client(self) -> HubClient:
        """A signing client for the hub, with this configuration's key, timeouts and retries."""
        key = self.signing_key()
        return HubClient(
            self.hub_url,
            self.signing_key_id,
            lambda data: crypto.sign(key, data),
            timeout=(10.0, self.timeout_seconds),
            retry=RetryPolicy(attempts=self.retry_attempts),
        )


def _key(read: Callable[[Path], T], path: Path) -> T:
    try:
        return read(path)
    except keyfiles.KeyFileError as error:
        raise ConfigError(str(error)) from None


def home_of(directory: str | os.PathLike[str] | None) -> Path:
    """The Signaal directory: the given one, else ``$SIGNAAL_HOME``, else ``./signaal``."""
    return Path(directory or os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser().resolve()


_KIND_WORDS: Final[Mapping[type, str]] = {str: "text", int: "a whole number", float: "a number", dict: "a table"}


def _get(table: Mapping[str, Any], name: str, kind: type, where: str, default: Any = None) -> Any:
    value = table.get(name, default)
    if value is None and default is None:
        raise ConfigError(f"{where}: `{name}` is missing")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(f"{where}: `{name}` must be {_KIND_WORDS.get(kind, kind.__name__)}")
    return value


def load_config(home: Path) -> Config:
    """Read ``home/config.toml``; ``ConfigError`` when it is missing or wrong."""
    path = home / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no configuration at {path}; run `signaal init --dir {home}` first") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    where = str(path)
    paths, push = _get(document, "paths", dict, where, {}), _get(document, "push", dict, where, {})
    kind = _get(document, "kind", str, where)
    if kind not in KINDS:
        raise ConfigError(f"{where}: `kind` must be one of {', '.join(KINDS)}")
    config = Config(
        home=home,
        hub_url=_get(document, "hub_url", str, where),
        organisation_id=_get(document, "organisation_id", str, where),
        kind=kind,
        sector=_get(document, "sector", str, where, "") or None,
        signing_key_id=_get(document, "signing_key_id", str, where),
        encryption_key_id=_get(document, "encryption_key_id", str, where, "") or None,
        signing_key_path=home / _get(paths, "signing_key", str, where, "keys/signing.pem"),
        encryption_key_path=home / _get(paths, "encryption_key", str, where, "keys/encryption.key"),
        linkage_key_path=home / _get(paths, "linkage_key", str, where, "keys/linkage.key"),
        data_dir=home / _get(paths, "data", str, where, "data"),
        batch_size=_get(push, "batch_size", int, where, 200),
        retry_attempts=_get(push, "retry_attempts", int, where, 5),
        timeout_seconds=_get(push, "timeout_seconds", float, where, 60.0),
        export=_get(document, "export", dict, where, {}),
    )
    if not 1 <= config.batch_size <= vocab.MAX_SIGNALS_PER_BATCH:
        raise ConfigError(f"{where}: push.batch_size must be 1 to {vocab.MAX_SIGNALS_PER_BATCH}")
    if not 1 <= config.retry_attempts <= MAX_ATTEMPTS:
        raise ConfigError(f"{where}: push.retry_attempts must be 1 to {MAX_ATTEMPTS}")
    return config

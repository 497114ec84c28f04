"""The hub's own keys: where they come from in each environment, and how they rotate without downtime.

Three keyrings, each from a file (``HUB_TOKEN_KEY_FILE``, ``HUB_SIGNING_KEY_FILE``, ``HUB_WEBHOOK_KEY_FILE``)
or from the environment (``HUB_TOKEN_KEY``, ``HUB_SIGNING_KEY``, ``HUB_WEBHOOK_KEY``, the same content):

- ``token``: re-keys linkage tokens before they are stored.
- ``signing``: Ed25519, signs consent receipts; every key that ever signed stays published.
- ``webhook``: each endpoint's Standard Webhooks secret is derived from it.

A keyring holds one current key and the keys it replaced, each with when it was made, when it stopped being
current (``retired_at``) and when the hub stops using it at all (``expires_at``). A file with one bare key
(base64, raw bytes or PEM, as the hub always wrote them) is a keyring of that one key. ``hub keys rotate``
writes the next keyring atomically over the file; every process re-reads a file when it changes, so gunicorn
workers and the scheduler switch without a restart. Keys from the environment change with a rolling restart.

What a retired key is still used for:

- token: the hub never holds a token, only its keyed hash, so stored hashes cannot be re-keyed. While a retired
  token key lives (``expires_at``: the linking window or the retention term, whichever is longer) each new
  token is stored under every live key, so a new signal still meets the stored ones hashed under the old key.
- signing: published with its validity, so receipts it signed still verify; it never signs again.
- webhook: every notification carries one signature per live key (Standard Webhooks allows several), so a
  receiver still holding the secret derived from the old key verifies it until it fetches its new secret
  (rotating the endpoint's secret) within the overlap (``--overlap-days``, default 7).

Nothing here logs a key.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from consent import receipts
from hub import crypto
from hub.settings import Settings, SettingsError

log = logging.getLogger(__name__)

KINDS = ("token", "signing", "webhook")
KEYRING_FORMAT = "signaalhub-keyring/1"
WEBHOOK_OVERLAP_DAYS = 7

FILE_NAMES = {"token": "token.key", "signing": "signing.pem", "webhook": "webhook.key"}
_SETTINGS = {
    "token": ("token_key_file", "token_key", "HUB_TOKEN_KEY"),
    "signing": ("signing_key_file", "signing_key", "HUB_SIGNING_KEY"),
    "webhook": ("webhook_key_file", "webhook_key", "HUB_WEBHOOK_KEY"),
}


class KeyringError(ValueError):
    """A keyring (or a bare key) is malformed; the message never quotes key material."""


@dataclass(frozen=True)
class KeyEntry:
    """One key of a keyring. ``material`` is the key as stored (base64, or PEM for signing): never shown."""

    kind: str
    key_id: str
    created_at: dt.datetime | None
    retired_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    material: bytes = field(default=b"", repr=False)

    def live_at(self, now: dt.datetime) -> bool:
        return self.expires_at is None or now < self.expires_at

    @functools.cached_property
    def secret(self) -> bytes:
        """The symmetric key (token and webhook keyrings)."""
        return crypto.parse_secret_key(self.material, f"{self.kind} key {self.key_id}")

    @functools.cached_property
    def signer(self) -> crypto.HubSigner:
        """The Ed25519 signer (signing keyring)."""
        return crypto.signer_from_pem(self.material, f"signing key {self.key_id}")

    def summary(self) -> dict[str, Any]:
        """What may be shown of the key: its id and dates (and the public key of a signing key)."""
        shown: dict[str, Any] = {
            "key_id": self.key_id,
            "created_at": _text(self.created_at),
            "retired_at": _text(self.retired_at),
            "expires_at": _text(self.expires_at),
        }
        if self.kind == "signing":
            shown["public_key"] = self.signer.public_key_b64()
        return shown


@dataclass(frozen=True)
class Keyring:
    """The keys of one kind: the current one first, then those it replaced, newest first."""

    kind: str
    entries: tuple[KeyEntry, ...]

    @property
    def current(self) -> KeyEntry:
        return self.entries[0]

    def live(self, now: dt.datetime) -> list[KeyEntry]:
        """The keys in use at ``now``: the current one, then retired ones that have not expired."""
        return [self.current, *(e for e in self.entries[1:] if e.live_at(now))]

    def rotated(self, now: dt.datetime, overlap: dt.timedelta | None) -> Keyring:
        """A new current key; the old one retires now and expires after ``overlap`` (None: never). Keys
        already expired are dropped."""
        fresh = new_keyring(self.kind, now).current
        old = replace(self.current, retired_at=now, expires_at=None if overlap is None else now + overlap)
        kept = tuple(e for e in self.entries[1:] if e.live_at(now))
        return Keyring(self.kind, (fresh, old, *kept))

    def dump(self) -> bytes:
        document = {
            "format": KEYRING_FORMAT,
            "kind": self.kind,
            "keys": [
                {
                    "key_id": e.key_id,
                    "created_at": _text(e.created_at),
                    "retired_at": _text(e.retired_at),
                    "expires_at": _text(e.expires_at),
                    "key": e.material.decode("ascii"),
                }
                for e in self.entries
            ],
        }
        return json.dumps(document, indent=2).encode("ascii") + b"\n"


def new_keyring(kind: str, now: dt.datetime) -> Keyring:
    """A keyring of one new key."""
    material = crypto.new_signing_key_pem() if kind == "signing" else crypto.new_secret_key_text()
    return Keyring(kind, (KeyEntry(kind, key_id_of(kind, material), now, material=material),))


def write_new(path: Path, ring: Keyring) -> None:
    """Write ``ring`` to a new file (mode 0600); ``FileExistsError`` when there is one."""
    crypto.write_new_secret_file(path, ring.dump())


def key_id_of(kind: str, material: bytes) -> str:
    """Signing keys are named as receipts name them (from the public key); symmetric keys by a keyed hash."""
    if kind == "signing":
        return receipts.key_id_for(crypto.signer_from_pem(material).public_key())
    return crypto.secret_key_id(kind, crypto.parse_secret_key(material))


def parse_keyring(kind: str, data: bytes, where: str) -> Keyring:
    """Read a keyring document, or a bare key (a keyring of one)."""
    text = data.strip()
    try:
        if not text.startswith(b"{"):
            # a bare key: PEM as it is; a symmetric key (raw or base64) as base64, as keyrings store it
            material = text + b"\n" if kind == "signing" else base64.b64encode(crypto.parse_secret_key(data, where))
            entry = KeyEntry(kind, key_id_of(kind, material), None, material=material)
            return Keyring(kind, (entry,))
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != KEYRING_FORMAT:
            raise KeyringError(f"{where} is not a {KEYRING_FORMAT} document")
        if document.get("kind") != kind:
            raise KeyringError(f"{where} holds {document.get('kind')!r} keys, not {kind} keys")
        entries = tuple(_entry(kind, item, where) for item in document.get("keys") or [])
    except (ValueError, TypeError, KeyError) as exc:
        if isinstance(exc, KeyringError):
            raise
        # a key format error names the file, never the key; other errors only by their kind
        reason = str(exc) if isinstance(exc, crypto.KeyFormatError) else type(exc).__name__
        raise KeyringError(f"{where} is not a valid {kind} keyring: {reason}") from None
    if not entries:
        raise KeyringError(f"{where} holds no key")
    if entries[0].retired_at is not None or any(e.retired_at is None for e in entries[1:]):
        raise KeyringError(f"{where}: the first key must be the one current key; the others retired")
    if len({e.key_id for e in entries}) != len(entries):
        raise KeyringError(f"{where} holds a key twice")
    return Keyring(kind, entries)


def _entry(kind: str, item: Any, where: str) -> KeyEntry:
    material = str(item["key"]).encode("ascii")
    key_id = key_id_of(kind, material)  # also checks the material
    if item.get("key_id") not in (None, key_id):
        raise KeyringError(f"{where}: key {item['key_id']} does not match its key id")
    return KeyEntry(
        kind,
        key_id,
        _time(item.get("created_at")),
        _time(item.get("retired_at")),
        _time(item.get("expires_at")),
        material,
    )


def _time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("times in a keyring carry a zone")
    return parsed.astimezone(dt.UTC)


def _text(at: dt.datetime | None) -> str | None:
    return None if at is None else at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class KeySource:
    """Where one keyring comes from. A file is re-read when it changes (checked on every use: one stat);
    when the new content is malformed the last good keyring stays in use and the problem is logged."""

    def __init__(self, kind: str, path: Path | None = None, text: str | None = None, variable: str = "") -> None:
        self.kind, self.path, self.variable = kind, path, variable
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        if text is not None:
            self._ring = parse_keyring(kind, text.encode("ascii", "replace"), variable)
        else:
            assert path is not None
            self._seen = _stamp(path)
            self._ring = parse_keyring(kind, path.read_bytes(), str(path))

    @property
    def description(self) -> str:
        return str(self.path) if self.path is not None else f"${self.variable}"

    def ring(self) -> Keyring:
        if self.path is None:
            return self._ring
        try:
            stamp = _stamp(self.path)
        except OSError:
            return self._ring  # a mounted secret being swapped; the next use sees the new one
        if stamp != self._seen:
            with self._lock:
                if stamp != self._seen:
                    self._reload(stamp)
        return self._ring

    def _reload(self, stamp: tuple[int, int, int]) -> None:
        try:
            ring = parse_keyring(self.kind, self.path.read_bytes(), str(self.path)) if self.path else self._ring
        except (OSError, KeyringError) as exc:
            log.error("keeping the %s keys in use: cannot read the new %s: %s", self.kind, self.path, exc)
        else:
            if ring.current.key_id != self._ring.current.key_id:
                log.info("%s key %s is now current", self.kind, ring.current.key_id)
            self._ring = ring
        self._seen = stamp


def _stamp(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size, status.st_ino


@dataclass(frozen=True)
class PublishedKey:
    """A signing key as ``GET /v1/hub-key`` publishes it: it signed receipts from ``valid_from`` until
    ``valid_until`` (None: it signs now)."""

    key_id: str
    public_key: bytes
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None


class HubKeys:
    """The hub's keys as the services use them, always from the keyrings' current content."""

    def __init__(self, token: KeySource, signing: KeySource, webhook: KeySource) -> None:
        self.sources = {"token": token, "signing": signing, "webhook": webhook}

    def ring(self, kind: str) -> Keyring:
        return self.sources[kind].ring()

    def token_keys(self, now: dt.datetime) -> list[bytes]:
        """Every live token key, the current one first: each token is stored under each of them."""
        return [e.secret for e in self.ring("token").live(now)]

    def webhook_keys(self, now: dt.datetime) -> list[bytes]:
        """Every live webhook key, the current one first: one signature per key."""
        return [e.secret for e in self.ring("webhook").live(now)]

    @property
    def token_key(self) -> bytes:
        return self.ring("token").current.secret

    @property
    def webhook_key(self) -> bytes:
        return self.ring("webhook").current.secret

    @property
    def signer(self) -> crypto.HubSigner:
        return self.ring("signing").current.signer

    @property
    def signing_key_id(self) -> str:
        return self.ring("signing").current.key_id

    def published_signing_keys(self) -> list[PublishedKey]:
        return [
            PublishedKey(e.key_id, e.signer.public_key(), e.created_at, e.retired_at)
            for e in self.ring("signing").entries
        ]


def load_hub_keys(settings: Settings) -> HubKeys:
    """Load the three keyrings named in the settings.

    Outside production a missing setting means "use (or create) the key under HUB_DATA_DIR/keys", so a
    newcomer's hub runs with no set-up; production has already refused to start without them.
    """
    try:
        return HubKeys(*(key_source(settings, kind) for kind in KINDS))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot load the hub's keys: {exc}") from exc


def key_source(settings: Settings, kind: str) -> KeySource:
    file_setting, text_setting, variable = _SETTINGS[kind]
    path: Path | None = getattr(settings, file_setting)
    text: str | None = getattr(settings, text_setting)
    if text is not None:
        return KeySource(kind, text=text, variable=variable)
    generate = crypto.generate_signing_key_file if kind == "signing" else crypto.generate_token_key_file
    return KeySource(kind, path=path or _development_key(settings, FILE_NAMES[kind], generate))


def rotate(
    settings: Settings, kind: str, now: dt.datetime, *, overlap_days: int | None = None, output: Path | None = None
) -> tuple[Keyring, Path]:
    """Make a new current key of ``kind`` and write the keyring to its file (or to ``output``, needed when
    the keys come from the environment). Returns the new keyring and where it was written."""
    source = key_source(settings, kind)
    target = output or source.path
    if target is None:
        raise SettingsError(
            f"the {kind} keys come from ${source.variable}; pass --output FILE and put that file's content "
            "into the variable (then restart the hub's processes one by one)"
        )
    ring = source.ring().rotated(now, overlap(settings, kind, overlap_days))
    crypto.replace_secret_file(target, ring.dump())
    return ring, target


def overlap(settings: Settings, kind: str, days: int | None) -> dt.timedelta | None:
    """How long a retired key stays in use: token keys as long as a token hashed under them may still be
    linked or kept; webhook keys ``days`` (default 7); signing keys for good (they only verify)."""
    if kind == "token":
        return dt.timedelta(days=max(settings.match_window_days, settings.retention_days))
    if kind == "webhook":
        return dt.timedelta(days=WEBHOOK_OVERLAP_DAYS if days is None else days)
    return None


def _development_key(settings: Settings, name: str, generate: Callable[[Path], None]) -> Path:
    if settings.is_production:
        raise SettingsError(f"HUB_ENV=production needs the key file for {name}")
    path = settings.keys_dir / name
    if not path.exists():
        log.warning("generating a development key at %s (never do this in production)", path)
        with contextlib.suppress(FileExistsError):  # another worker created it first
            generate(path)
    return path

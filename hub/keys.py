"""The hub's own keys: where they come from in each environment."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hub import crypto
from hub.settings import Settings, SettingsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubKeys:
    token_key: bytes
    signer: crypto.HubSigner
    webhook_key: bytes


def load_hub_keys(settings: Settings) -> HubKeys:
    """Load the token re-keying key and the signing key named in the settings.

    Outside production a missing setting means "use (or create) the key under HUB_DATA_DIR/keys", so a
    newcomer's hub runs with no set-up; production has already refused to start without them.
    """
    token_path = settings.token_key_file or _development_key(settings, "token.key", crypto.generate_token_key_file)
    signing_path = settings.signing_key_file or _development_key(
        settings, "signing.pem", crypto.generate_signing_key_file
    )
    webhook_path = settings.webhook_key_file or _development_key(
        settings, "webhook.key", crypto.generate_token_key_file
    )
    try:
        return HubKeys(
            token_key=crypto.load_token_key(token_path),
            signer=crypto.load_signer(signing_path),
            webhook_key=crypto.load_token_key(webhook_path),
        )
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot load the hub's keys: {exc}") from exc


def _development_key(settings: Settings, name: str, generate: Callable[[Path], None]) -> Path:
    if settings.is_production:
        raise SettingsError(f"HUB_ENV=production needs the key file for {name}")
    path = settings.keys_dir / name
    if not path.exists():
        log.warning("generating a development key at %s (never do this in production)", path)
        with contextlib.suppress(FileExistsError):  # another worker created it first
            generate(path)
    return path

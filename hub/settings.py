"""Typed, frozen settings read from ``HUB_*`` environment variables.

Every variable is listed in ``docs/configuration.md``. Converters are explicit; a value that does not
convert is a :class:`SettingsError` naming the variable. Secrets have no default: in development the
hub generates its own keys under the data directory on first start; in production it refuses to start
without them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from hub.domain import match_model

T = TypeVar("T")

ENVIRONMENTS = ("development", "test", "production")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if not math.isfinite(value):
        raise SettingsError(f"{name} must be a finite number, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the hub can be configured with. Build it with :meth:`from_env` or directly in tests."""

    env: str = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    max_body_bytes: int = 8 * 1024 * 1024
    signature_window_seconds: int = 300
    rate_limit_per_minute: int = 600
    batch_max_signals: int = 1000
    token_key_file: Path | None = None
    signing_key_file: Path | None = None
    webhook_key_file: Path | None = None
    # the same keys given as the content itself (a keyring or one bare key); never shown in a repr
    token_key: str | None = field(default=None, repr=False)
    signing_key: str | None = field(default=None, repr=False)
    webhook_key: str | None = field(default=None, repr=False)
    retention_days: int = 183
    sealed_max_days: int = 30
    sealed_warn_days: int = 7
    consent_warn_days: int = 14
    webhook_retry_hours: int = 24
    webhook_timeout_seconds: int = 10
    webhook_concurrency: int = 8
    match_window_days: int = match_model.DEFAULT_WINDOW_DAYS
    match_person_threshold: float = match_model.DEFAULT_PERSON_THRESHOLD
    match_household_threshold: float = match_model.DEFAULT_HOUSEHOLD_THRESHOLD
    match_model_file: Path | None = None
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"HUB_ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.env!r}")
        if not self.database_url:
            object.__setattr__(self, "database_url", default_sqlite_url(self.data_dir))
        for name in ("token", "signing", "webhook"):
            if getattr(self, f"{name}_key_file") is not None and getattr(self, f"{name}_key") is not None:
                var = f"HUB_{name.upper()}_KEY"
                raise SettingsError(f"{var}_FILE and {var} are both set; give the {name} keys one way")
        for name in (
            "max_body_bytes",
            "signature_window_seconds",
            "rate_limit_per_minute",
            "batch_max_signals",
            "webhook_retry_hours",
            "retention_days",
            "sealed_max_days",
            "consent_warn_days",
            "webhook_timeout_seconds",
            "webhook_concurrency",
            "match_window_days",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"HUB_{name.upper()} must be greater than 0")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ

        def get(name: str, convert: Callable[[str, str], T], default: T) -> T:
            raw = env.get(name)
            return default if raw is None or raw == "" else convert(name, raw)

        def text(_name: str, raw: str) -> str:
            return raw

        def path(_name: str, raw: str) -> Path:
            return Path(raw)

        settings = cls(
            env=get("HUB_ENV", text, "development"),
            data_dir=get("HUB_DATA_DIR", path, Path("var")),
            database_url=get("HUB_DATABASE_URL", text, ""),
            max_body_bytes=get("HUB_MAX_BODY_BYTES", _int, cls.max_body_bytes),
            signature_window_seconds=get("HUB_SIGNATURE_WINDOW_SECONDS", _int, cls.signature_window_seconds),
            rate_limit_per_minute=get("HUB_RATE_LIMIT_PER_MINUTE", _int, cls.rate_limit_per_minute),
            batch_max_signals=get("HUB_BATCH_MAX_SIGNALS", _int, cls.batch_max_signals),
            token_key_file=get("HUB_TOKEN_KEY_FILE", path, None),
            signing_key_file=get("HUB_SIGNING_KEY_FILE", path, None),
            webhook_key_file=get("HUB_WEBHOOK_KEY_FILE", path, None),
            token_key=get("HUB_TOKEN_KEY", text, None),
            signing_key=get("HUB_SIGNING_KEY", text, None),
            webhook_key=get("HUB_WEBHOOK_KEY", text, None),
            retention_days=get("HUB_RETENTION_DAYS", _int, cls.retention_days),
            sealed_max_days=get("HUB_SEALED_MAX_DAYS", _int, cls.sealed_max_days),
            sealed_warn_days=get("HUB_SEALED_WARN_DAYS", _int, cls.sealed_warn_days),
            consent_warn_days=get("HUB_CONSENT_WARN_DAYS", _int, cls.consent_warn_days),
            webhook_retry_hours=get("HUB_WEBHOOK_RETRY_HOURS", _int, cls.webhook_retry_hours),
            webhook_timeout_seconds=get("HUB_WEBHOOK_TIMEOUT_SECONDS", _int, cls.webhook_timeout_seconds),
            webhook_concurrency=get("HUB_WEBHOOK_CONCURRENCY", _int, cls.webhook_concurrency),
            match_window_days=get("HUB_MATCH_WINDOW_DAYS", _int, cls.match_window_days),
            match_person_threshold=get("HUB_MATCH_PERSON_THRESHOLD", _float, cls.match_person_threshold),
            match_household_threshold=get("HUB_MATCH_HOUSEHOLD_THRESHOLD", _float, cls.match_household_threshold),
            match_model_file=get("HUB_MATCH_MODEL_FILE", path, None),
            log_level=get("HUB_LOG_LEVEL", text, "INFO").upper(),
        )
        if settings.is_production:
            settings.check_production(explicit_database_url="HUB_DATABASE_URL" in env)
        return settings

    def check_production(self, *, explicit_database_url: bool = True) -> None:
        """Refuse to run in production without the settings that have no safe default."""
        missing = []
        if not explicit_database_url or not self.database_url:
            missing.append("HUB_DATABASE_URL (the production store; SQLite is not assumed)")
        for file, text, what in (
            (
                self.token_key_file,
                self.token_key,
                "HUB_TOKEN_KEY_FILE or HUB_TOKEN_KEY (the hub's token re-keying key)",
            ),
            (
                self.signing_key_file,
                self.signing_key,
                "HUB_SIGNING_KEY_FILE or HUB_SIGNING_KEY (its Ed25519 signing key)",
            ),
            (self.webhook_key_file, self.webhook_key, "HUB_WEBHOOK_KEY_FILE or HUB_WEBHOOK_KEY (webhook secrets' key)"),
        ):
            if file is None and text is None:
                missing.append(what)
        if missing:
            raise SettingsError("HUB_ENV=production refuses to start; missing: " + "; ".join(missing))
        for var, file in (
            ("HUB_TOKEN_KEY_FILE", self.token_key_file),
            ("HUB_SIGNING_KEY_FILE", self.signing_key_file),
            ("HUB_WEBHOOK_KEY_FILE", self.webhook_key_file),
        ):
            if file is not None and not file.is_file():
                raise SettingsError(f"HUB_ENV=production refuses to start; {var} names {file}, which does not exist")


def default_sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'hub.sqlite3').resolve()}"

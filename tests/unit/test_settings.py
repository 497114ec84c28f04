from pathlib import Path

import pytest

from hub.settings import Settings, SettingsError


def test_defaults_put_sqlite_under_the_data_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.is_sqlite
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'hub.sqlite3'}"
    assert settings.signature_window_seconds == 300


def test_database_url_selects_postgresql() -> None:
    settings = Settings.from_env({"HUB_DATABASE_URL": "postgresql+psycopg://u@db/hub"})
    assert not settings.is_sqlite


def test_malformed_number_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="HUB_MAX_BODY_BYTES must be a whole number"):
        Settings.from_env({"HUB_MAX_BODY_BYTES": "ten"})


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(SettingsError, match="HUB_ENV must be one of"):
        Settings.from_env({"HUB_ENV": "staging"})


def test_production_without_anything_names_every_missing_setting() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"HUB_ENV": "production"})
    message = str(raised.value)
    assert "HUB_DATABASE_URL" in message
    assert "HUB_TOKEN_KEY_FILE" in message
    assert "HUB_SIGNING_KEY_FILE" in message
    assert "HUB_WEBHOOK_KEY_FILE" in message


def test_production_with_a_missing_key_file_says_which(tmp_path: Path) -> None:
    token = tmp_path / "token.key"
    token.write_bytes(b"k" * 32)
    with pytest.raises(SettingsError, match=r"HUB_SIGNING_KEY_FILE names .*absent\.pem"):
        Settings.from_env(
            {
                "HUB_ENV": "production",
                "HUB_DATABASE_URL": "postgresql+psycopg://u@db/hub",
                "HUB_TOKEN_KEY_FILE": str(token),
                "HUB_SIGNING_KEY_FILE": str(tmp_path / "absent.pem"),
                "HUB_WEBHOOK_KEY_FILE": str(token),
            }
        )


def test_production_with_everything_starts(tmp_path: Path) -> None:
    for name in ("token.key", "signing.pem", "webhook.key"):
        (tmp_path / name).write_bytes(b"x")
    settings = Settings.from_env(
        {
            "HUB_ENV": "production",
            "HUB_DATABASE_URL": "postgresql+psycopg://u@db/hub",
            "HUB_TOKEN_KEY_FILE": str(tmp_path / "token.key"),
            "HUB_SIGNING_KEY_FILE": str(tmp_path / "signing.pem"),
            "HUB_WEBHOOK_KEY_FILE": str(tmp_path / "webhook.key"),
        }
    )
    assert settings.is_production

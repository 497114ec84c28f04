"""The organisation's ``config.toml``: what is read, and errors that say which setting to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config import ConfigError, load_config

MINIMAL = """
hub_url = "https://hub.example.nl"
organisation_id = "woonstad-rdam"
kind = "housing"
signing_key_id = "woonstad-rdam-sig-1"
"""


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_and_paths_relative_to_the_directory(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, MINIMAL))
    assert config.signing_key_path == tmp_path / "keys" / "signing.pem"
    assert config.data_dir == tmp_path / "data"
    assert (config.batch_size, config.retry_attempts, config.timeout_seconds) == (200, 5, 60.0)
    layout = config.layout()
    assert (layout.name, layout.sector, layout.delimiter) == ("housing", "huur", ";")


def test_a_health_insurer_may_signal_as_the_cak(tmp_path: Path) -> None:
    text = MINIMAL.replace('"housing"', '"health_insurer"') + 'sector = "cak_zorgverzekeringen"\n'
    assert load_config(_config(tmp_path, text)).layout().sector == "cak_zorgverzekeringen"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[push]\nbatch_size = 5000\n", "push.batch_size must be 1 to 1000"),
        ('[push]\nbatch_size = "200"\n', "`batch_size` must be a whole number"),
        ('paths = "keys"\n', "`paths` must be a table"),
        ('sector = "bakery"\n', "`sector` must be one of"),
        ('[export.columns]\ncolour = "Kleur"\n', "unknown fields: colour"),
    ],
)
def test_wrong_settings_name_the_setting(tmp_path: Path, extra: str, message: str) -> None:
    config = _config(tmp_path, MINIMAL + extra)
    with pytest.raises(ConfigError, match=message):
        load_config(config).layout()


def test_missing_or_unreadable_configuration(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `signaal init --dir"):
        load_config(tmp_path)
    with pytest.raises(ConfigError, match="`hub_url` is missing"):
        load_config(_config(tmp_path, MINIMAL.replace('hub_url = "https://hub.example.nl"\n', "")))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(_config(tmp_path, "hub_url = "))
    with pytest.raises(ConfigError, match="`kind` must be one of"):
        load_config(_config(tmp_path, MINIMAL.replace('"housing"', '"bakery"')))

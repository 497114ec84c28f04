"""A backup of a live SQLite store restores into a fresh database from which the hub serves the same data."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub import Settings, create_app
from hub.cli import cli
from tests.support.chain import Chain, identity


def test_backup_and_restore_serve_the_same_signals(tmp_path: Path) -> None:
    live = tmp_path / "live" / "hub.sqlite3"
    env = {"HUB_DATABASE_URL": f"sqlite:///{live}", "HUB_DATA_DIR": str(tmp_path / "live")}
    assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    app = create_app(Settings(env="test", data_dir=tmp_path / "live", database_url=f"sqlite:///{live}"))
    chain = Chain(app)
    gm, woonstad = chain.add("gm0363", "municipality", "0363"), chain.add("woonstad", "housing")
    for i in range(5):
        assert (
            woonstad.client.post("/v1/signals", chain.signal(woonstad, gm, identity(reference=f"R{i}"))).status_code
            == 201
        )
    before = gm.client.get("/v1/municipality/signals").json

    result = CliRunner().invoke(cli, ["backup", str(tmp_path / "backup.sqlite3")], env=env)
    assert result.exit_code == 0, result.output
    app.extensions["signaalhub"].engine.dispose()

    fresh = tmp_path / "fresh" / "hub.sqlite3"
    fresh_env = {"HUB_DATABASE_URL": f"sqlite:///{fresh}", "HUB_DATA_DIR": str(tmp_path / "live")}
    result = CliRunner().invoke(cli, ["restore", str(tmp_path / "backup.sqlite3")], env=fresh_env)
    assert result.exit_code == 0, result.output
    restored = create_app(Settings(env="test", data_dir=tmp_path / "live", database_url=f"sqlite:///{fresh}"))
    gm.client.client = restored.test_client()
    assert gm.client.get("/v1/municipality/signals").json == before
    restored.extensions["signaalhub"].engine.dispose()


def test_restore_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.sqlite3", "HUB_DATA_DIR": str(tmp_path)}
    CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert CliRunner().invoke(cli, ["backup", str(tmp_path / "b.sqlite3")], env=env).exit_code == 0
    result = CliRunner().invoke(cli, ["restore", str(tmp_path / "b.sqlite3")], env=env)
    assert result.exit_code == 1 and "--force" in result.output
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(cli, ["restore", "--force", str(garbage)], env=env)
    assert result.exit_code == 1 and "not a readable SQLite database" in result.output


@pytest.mark.parametrize("command", ["backup"])
def test_postgresql_points_to_pg_dump(command: str, tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:1/x", "HUB_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, [command, str(tmp_path / "x")], env=env)
    assert result.exit_code == 1 and "pg_dump" in result.output

"""The operator's CLI: register an organisation and its key, then prove the evidence chain and catch
tampering."""

import base64
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from hub.cli import cli
from hub.db.tables import evidence
from tests.support.signing import new_signing_key


def _hub(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_operator_registers_organisations_and_keys(database_url: str, tmp_path: Path) -> None:
    status, out = _hub(
        database_url,
        tmp_path,
        "org",
        "add",
        "--id",
        "gm0363",
        "--name",
        "Gemeente Amsterdam",
        "--kind",
        "municipality",
        "--municipality-code",
        "0363",
    )
    assert status == 0, out
    _, public = new_signing_key()
    key_file = tmp_path / "pub.b64"
    key_file.write_text(base64.b64encode(public).decode())
    status, key_id = _hub(
        database_url,
        tmp_path,
        "key",
        "add",
        "gm0363",
        "--use",
        "signing",
        "--public-key",
        str(key_file),
        "--key-id",
        "gm0363-sig-1",
    )
    assert status == 0 and key_id.strip() == "gm0363-sig-1"
    status, out = _hub(database_url, tmp_path, "org", "list")
    assert "gm0363\tmunicipality\t0363\tactive" in out
    status, out = _hub(database_url, tmp_path, "org", "show", "gm0363")
    assert "gm0363-sig-1\tsigning\ted25519\tvalid" in out
    status, out = _hub(database_url, tmp_path, "key", "revoke", "gm0363-sig-1")
    assert status == 0 and "revoked" in out
    status, out = _hub(database_url, tmp_path, "org", "disable", "gm0363")
    assert status == 0 and "disabled" in out


def test_cli_errors_are_clear(database_url: str, tmp_path: Path) -> None:
    status, out = _hub(database_url, tmp_path, "org", "add", "--id", "X!", "--name", "x", "--kind", "water")
    assert status == 1 and "id:" in out and "lowercase" in out
    status, out = _hub(database_url, tmp_path, "org", "show", "nobody")
    assert status == 1 and "organisation_unknown" in out


def test_evidence_verify_names_the_tampered_row(database_url: str, engine: Engine, tmp_path: Path) -> None:
    for org in ("vitens", "evides", "brabant-water"):
        assert _hub(database_url, tmp_path, "org", "add", "--id", org, "--name", org, "--kind", "water")[0] == 0
    status, out = _hub(database_url, tmp_path, "evidence", "verify")
    assert status == 0 and "intact: 3 entries" in out
    with engine.begin() as conn:
        conn.execute(evidence.update().where(evidence.c.seq == 2).values(object_id="someone-else"))
    status, out = _hub(database_url, tmp_path, "evidence", "verify")
    assert status == 1
    assert "seq=2" in out and "changed" in out


def test_evidence_verify_notices_a_removed_row(database_url: str, engine: Engine, tmp_path: Path) -> None:
    for org in ("vitens", "evides", "brabant-water"):
        _hub(database_url, tmp_path, "org", "add", "--id", org, "--name", org, "--kind", "water")
    with engine.begin() as conn:
        conn.execute(evidence.delete().where(evidence.c.seq == 2))
        remaining = conn.execute(sa.select(sa.func.count()).select_from(evidence)).scalar_one()
    assert remaining == 2
    status, out = _hub(database_url, tmp_path, "evidence", "verify")
    assert status == 1 and "seq=3" in out

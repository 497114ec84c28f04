"""``signaal init`` creates an organisation's directory and keys, prints commands the operator can run as
they are, and never replaces keys by accident; ``signaal whoami`` checks the result against the hub."""

from __future__ import annotations

import base64
import stat
import tomllib
from pathlib import Path

from click.testing import CliRunner
from flask import Flask

from adapters import crypto, keyfiles
from adapters.cli import cli
from tests.support.chain import LINKAGE_KEY
from tests.support.servers import serve
from tests.support.signaal import hub, operator_commands, run


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_writes_keys_privately_and_prints_working_registration_commands(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    linkage = tmp_path / "linkage.hex"
    linkage.write_text(LINKAGE_KEY.hex())
    home = tmp_path / "signaal"
    with serve(app) as url:
        result = run(
            "init", "--dir", str(home), "--org", "woonstad-rdam", "--kind", "housing", "--hub", url,
            "--name", "Woonstad Rotterdam", "--linkage-key", str(linkage),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        keys = home / "keys"
        assert {_mode(keys / name) for name in ("signing.pem", "encryption.key", "linkage.key")} == {0o600}
        assert _mode(keys) == _mode(home / "data") == 0o700
        assert keyfiles.read_linkage_key(keys / "linkage.key") == LINKAGE_KEY
        hybrid = crypto.encryption_key_from_file((keys / "encryption.key").read_bytes())
        assert hybrid.suite == "mlkem768-x25519"
        assert base64.b64decode((keys / "encryption.pub").read_text()) == hybrid.public_bytes()
        config = tomllib.loads((home / "config.toml").read_text())
        assert (config["organisation_id"], config["kind"], config["sector"]) == ("woonstad-rdam", "housing", "huur")
        assert config["signing_key_id"] == "woonstad-rdam-sig-1"

        commands = operator_commands(result.output)
        assert [c[:2] for c in commands] == [["org", "add"], ["key", "add"], ["key", "add"]]
        assert "Woonstad Rotterdam" in commands[0]
        before = run("whoami", "--dir", str(home))
        assert before.exit_code == 1 and "the hub refused our signature (key_unknown)" in before.output
        for command in commands:
            done = hub(database_url, tmp_path, *command)
            assert done.exit_code == 0, done.output
        after = run("whoami", "--dir", str(home))
    assert after.exit_code == 0, after.output
    assert "woonstad-rdam (housing), signing key woonstad-rdam-sig-1" in after.output
    assert "encryption key: registered as woonstad-rdam-enc-1 (mlkem768-x25519)" in after.output
    assert "set-up OK" in after.output


def test_init_refuses_to_replace_keys_without_force(tmp_path: Path) -> None:
    home = tmp_path / "signaal"
    args = ["init", "--dir", str(home), "--org", "vitens", "--kind", "water", "--hub", "https://hub.example.nl"]
    assert run(*args, "--new-linkage-key").exit_code == 0
    signing = (home / "keys" / "signing.pem").read_bytes()
    linkage = (home / "keys" / "linkage.key").read_bytes()
    again = run(*args)
    assert again.exit_code == 1 and "already set up" in again.output and "--force" in again.output
    assert (home / "keys" / "signing.pem").read_bytes() == signing
    forced = run(*args, "--force")
    assert forced.exit_code == 0, forced.output
    assert "Linkage key: kept" in forced.output
    assert (home / "keys" / "signing.pem").read_bytes() != signing
    assert (home / "keys" / "linkage.key").read_bytes() == linkage


def test_a_creditor_must_import_or_explicitly_generate_the_linkage_key(tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    args = ["init", "--org", "eneco", "--kind", "energy", "--hub", "https://hub.example.nl"]
    refused = run("--verbose", *args, "--dir", str(home))
    assert refused.exit_code == 1 and "--linkage-key FILE" in refused.output
    assert not (home / "keys" / "signing.pem").exists()
    base64_key = tmp_path / "linkage.b64"
    base64_key.write_bytes(base64.b64encode(LINKAGE_KEY) + b"\n")
    imported = run(*args, "--dir", str(home), "--linkage-key", str(base64_key), "--suite", "x25519")
    assert imported.exit_code == 0, imported.output
    assert keyfiles.read_linkage_key(home / "keys" / "linkage.key") == LINKAGE_KEY
    assert crypto.encryption_key_from_file((home / "keys" / "encryption.key").read_bytes()).suite == "x25519"


def test_init_uses_signaal_home_and_checks_its_input(tmp_path: Path) -> None:
    env = {"SIGNAAL_HOME": str(tmp_path / "from-env")}
    args = ["init", "--org", "gm0363", "--kind", "municipality", "--hub", "https://hub.example.nl"]
    missing_code = CliRunner().invoke(cli, args, env=env)
    assert missing_code.exit_code == 1 and "--municipality-code" in missing_code.output
    done = CliRunner().invoke(cli, [*args, "--municipality-code", "0363"], env=env)
    assert done.exit_code == 0, done.output
    assert (tmp_path / "from-env" / "config.toml").exists()
    assert "--municipality-code 0363" in done.output
    bad_org = run("init", "--dir", str(tmp_path / "x"), "--org", "Bad Org", "--kind", "water", "--hub", "https://h")
    assert bad_org.exit_code == 1 and "--org must be" in bad_org.output

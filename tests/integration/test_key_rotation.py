"""The hub's own keys rotate while it serves (`hub keys rotate`), and what was made with the old key still
works: receipts signed before verify against the published keys, signals stored before still link to new
ones, webhook receivers holding the old secret still verify notifications during the overlap. A real
gunicorn hub with two workers takes a rotated key up without a restart."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask import Flask

from consent import receipts
from hub import keys as hub_keys
from hub.cli import cli
from hub.crypto import verify_signature
from hub.db.tables import signal_tokens
from hub.delivery.dispatcher import Dispatcher
from hub.settings import Settings, SettingsError
from tests.support.chain import Chain, identity
from tests.support.consent import consent_body
from tests.support.receiver import Receiver
from tests.support.servers import serve


def _hub(settings: Settings, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = {"HUB_DATA_DIR": str(settings.data_dir), "HUB_DATABASE_URL": settings.database_url, **(env or {})}
    return CliRunner().invoke(cli, list(args), env=environment)


def _rotate(settings: Settings, kind: str, *options: str) -> Result:
    result = _hub(settings, "keys", "rotate", kind, *options)
    assert result.exit_code == 0, result.output
    return result


def _materials(settings: Settings, kind: str) -> list[str]:
    ring = hub_keys.key_source(settings, kind).ring()
    return [entry.material.decode().strip() for entry in ring.entries]


@pytest.fixture
def chain(app: Flask) -> Chain:
    chain = Chain(app)
    chain.add("gm0363", "municipality", "0363")
    chain.add("kredietbank", "debt_help")
    chain.add("woonstad", "housing", suite="x25519")
    chain.add("vattenfall", "energy", suite="x25519")
    chain.add("vitens", "water", suite="x25519")
    return chain


# --- signing: receipts ------------------------------------------------------------------------------


def _receipt(chain: Chain) -> bytes:
    body = consent_body("case-4711", days=90, method="in_writing")
    consent_id = chain.parties["gm0363"].client.post("/v1/consents", body).json["id"]
    response = chain.parties["kredietbank"].client.get(f"/v1/consents/{consent_id}/receipt")
    assert response.status_code == 200, response.data
    return bytes(response.data)


def _signed_by(receipt: bytes) -> str:
    return str(json.loads(receipt)["signature"]["key_id"])


def test_receipts_signed_before_a_rotation_still_verify(
    app: Flask, chain: Chain, settings: Settings, tmp_path: Path
) -> None:
    client = app.test_client()
    before = _receipt(chain)
    [only] = client.get("/v1/hub-key").json["keys"]
    assert only["key_id"] == _signed_by(before) and only["valid_until"] is None

    out = _rotate(settings, "signing").output
    assert "retired, kept until for good, for verification only" in out
    after = _receipt(chain)  # the same running app, no restart

    document = client.get("/v1/hub-key").json
    current, old = document["keys"]
    assert current["key_id"] == _signed_by(after) != _signed_by(before) == old["key_id"]
    assert current["valid_until"] is None and current["valid_from"] is not None
    assert old["valid_until"] == current["valid_from"]  # it signed until the rotation, the new one from then
    published = receipts.published_keys(document)
    for receipt in (before, after):
        receipts.verify_receipt(receipt, published, verify_signature)
    with pytest.raises(receipts.ReceiptError, match="not a published hub key"):
        receipts.verify_receipt(before, {current["key_id"]: published[current["key_id"]]}, verify_signature)

    _rotate(settings, "signing")  # a second rotation keeps both earlier keys published
    assert len(client.get("/v1/hub-key").json["keys"]) == 3
    (tmp_path / "before.json").write_bytes(before)
    verified = _hub(settings, "consent", "verify", str(tmp_path / "before.json"))  # this hub's own keyring
    assert verified.exit_code == 0 and verified.output.startswith("valid:"), verified.output


# --- token: linking across the rotation -------------------------------------------------------------


def _submit(chain: Chain, creditor: str, who: dict[str, Any]) -> str:
    party = chain.parties[creditor]
    envelope = chain.signal(party, chain.parties["gm0363"], who)
    response = party.client.post("/v1/signals", envelope)
    assert response.status_code == 201, response.data
    return str(envelope["signal_id"])


def _case(chain: Chain, signal_id: str) -> str:
    [case] = chain.parties["gm0363"].client.get(f"/v1/municipality/cases?signal_id={signal_id}").json["cases"]
    return str(case["id"])


def _token_rows(app: Flask, signal_id: str) -> int:
    with app.extensions["signaalhub"].engine.connect() as conn:
        query = sa.select(sa.func.count()).where(signal_tokens.c.signal_id == signal_id)
        return int(conn.execute(query).scalar_one())


def test_signals_link_across_a_token_key_rotation(app: Flask, chain: Chain, settings: Settings) -> None:
    family = identity(reference="W-1")
    first = _submit(chain, "woonstad", family)
    per_key = _token_rows(app, first)

    out = _rotate(settings, "token").output
    window = max(settings.match_window_days, settings.retention_days)
    assert "retired, kept until" in out
    second = _submit(chain, "vattenfall", identity(reference="V-9"))  # the same family, after the rotation
    assert _case(chain, second) == _case(chain, first)
    assert _token_rows(app, second) == 2 * per_key  # stored under the new and the retired key

    ring = hub_keys.key_source(settings, "token").ring()
    expires = ring.entries[1].expires_at
    assert expires is not None and expires - ring.entries[1].retired_at == dt.timedelta(days=window)  # type: ignore[operator]

    # once the retired key has expired (here: written so) new tokens are stored under the current key only;
    # the family still links, through the signal stored under both keys during the overlap
    expired = hub_keys.Keyring("token", (ring.entries[0], _expired(ring.entries[1])))
    (settings.keys_dir / "token.key").write_bytes(expired.dump())
    third = _submit(chain, "vitens", identity(reference="VT-3"))
    assert _token_rows(app, third) == per_key
    assert _case(chain, third) == _case(chain, first)


def _expired(entry: hub_keys.KeyEntry) -> hub_keys.KeyEntry:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    return hub_keys.KeyEntry(entry.kind, entry.key_id, entry.created_at, past, past, entry.material)


def test_without_the_overlap_a_rotation_would_break_linking(app: Flask, chain: Chain, settings: Settings) -> None:
    """Why the retired token key lives on: the hub holds only keyed hashes, which no new key can match."""
    first = _submit(chain, "woonstad", identity(reference="W-1"))
    _rotate(settings, "token")
    ring = hub_keys.key_source(settings, "token").ring()
    (settings.keys_dir / "token.key").write_bytes(hub_keys.Keyring("token", (ring.entries[0],)).dump())
    second = _submit(chain, "vattenfall", identity(reference="V-9"))
    assert _case(chain, second) != _case(chain, first)


# --- webhook: signatures during the overlap -------------------------------------------------------------


class Clock:
    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def _deliver(app: Flask) -> None:
    services = app.extensions["signaalhub"]
    Dispatcher(services.engine, services.settings, services.keys, Clock()).run_once()


def test_webhook_receivers_verify_through_a_rotation(app: Flask, chain: Chain, settings: Settings) -> None:
    gm = chain.parties["gm0363"].client
    late, prompt = Receiver(), Receiver()
    with serve(late) as late_url, serve(prompt) as prompt_url:
        late.secret = gm.post("/v1/webhooks", {"url": late_url}).json["secret"]
        prompt_endpoint = gm.post("/v1/webhooks", {"url": prompt_url}).json
        prompt.secret = prompt_endpoint["secret"]

        _rotate(settings, "webhook")  # default overlap: a week
        _submit(chain, "woonstad", identity(reference="W-1"))
        _deliver(app)
        assert len(late.received) == len(prompt.received) == 2  # signal.received and report.updated
        assert late.bad_signatures == prompt.bad_signatures == 0  # both still hold the old key's secret

        # one receiver fetches its new secret (derived from the new key); the other does not, yet
        prompt.secret = gm.post(f"/v1/webhooks/{prompt_endpoint['id']}/rotate-secret").json["secret"]
        _submit(chain, "vattenfall", identity(reference="V-1", surname="Jansen", house_number=3))
        _deliver(app)
        assert len(late.received) == len(prompt.received) == 4
        assert late.bad_signatures == prompt.bad_signatures == 0

        # the overlap over (here: the keyring written so): only the receiver with its new secret verifies
        ring = hub_keys.key_source(settings, "webhook").ring()
        over = hub_keys.Keyring("webhook", (ring.entries[0], _expired(ring.entries[1])))
        (settings.keys_dir / "webhook.key").write_bytes(over.dump())
        _submit(chain, "vitens", identity(reference="VT-1", surname="Bakker", house_number=5))
        _deliver(app)
    assert prompt.bad_signatures == 0 and len(prompt.received) == 6
    assert late.bad_signatures == 2 and len(late.received) == 4


def test_a_webhook_key_can_rotate_without_overlap(settings: Settings, app: Flask) -> None:
    _rotate(settings, "webhook", "--overlap-days", "0")
    ring = hub_keys.key_source(settings, "webhook").ring()
    assert ring.entries[1].expires_at == ring.entries[1].retired_at
    assert hub_keys.load_hub_keys(settings).webhook_keys(dt.datetime.now(dt.UTC)) == [ring.current.secret]
    refused = _hub(settings, "keys", "rotate", "signing", "--overlap-days", "3")
    assert refused.exit_code != 0 and "webhook keys only" in refused.output


# --- sources, listing, robustness -----------------------------------------------------------------------


def test_keys_are_listed_and_rotated_without_showing_them(settings: Settings, app: Flask) -> None:
    for kind in hub_keys.KINDS:
        _rotate(settings, kind)
    listed = _hub(settings, "keys", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("current") == 3 and listed.output.count("retired") == 3
    for kind in hub_keys.KINDS:
        for material in _materials(settings, kind):
            for line in material.splitlines():
                if "-----" not in line:
                    assert line not in listed.output
        assert (settings.keys_dir / hub_keys.FILE_NAMES[kind]).stat().st_mode & 0o077 == 0


def test_keys_init_makes_the_key_files_a_production_hub_starts_with(settings: Settings, tmp_path: Path) -> None:
    made = _hub(settings, "keys", "init", str(tmp_path / "keys"))
    assert made.exit_code == 0, made.output
    env = {
        "HUB_ENV": "production",
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_TOKEN_KEY_FILE": str(tmp_path / "keys" / "token.key"),
        "HUB_SIGNING_KEY_FILE": str(tmp_path / "keys" / "signing.pem"),
        "HUB_WEBHOOK_KEY_FILE": str(tmp_path / "keys" / "webhook.key"),
    }
    keys = hub_keys.load_hub_keys(Settings.from_env(env))
    assert len({keys.token_key, keys.webhook_key}) == 2 and keys.signing_key_id.startswith("hub-ed25519-")
    assert all((tmp_path / "keys" / name).stat().st_mode & 0o077 == 0 for name in hub_keys.FILE_NAMES.values())
    again = _hub(settings, "keys", "init", str(tmp_path / "keys"))
    assert again.exit_code != 0 and "not overwriting" in again.output
    rotated = CliRunner().invoke(cli, ["keys", "rotate", "token"], env=env)
    assert rotated.exit_code == 0, rotated.output
    assert len(hub_keys.load_hub_keys(Settings.from_env(env)).token_keys(dt.datetime.now(dt.UTC))) == 2


def test_keys_from_the_environment(settings: Settings, tmp_path: Path) -> None:
    token = base64.b64encode(os.urandom(32)).decode()
    env = {"HUB_TOKEN_KEY": token}
    with_env = Settings.from_env({"HUB_DATA_DIR": str(settings.data_dir), **env})
    keys = hub_keys.load_hub_keys(with_env)
    assert keys.token_key == base64.b64decode(token)

    refused = _hub(settings, "keys", "rotate", "token", env=env)
    assert refused.exit_code != 0 and "--output" in refused.output and token not in refused.output
    written = _hub(settings, "keys", "rotate", "token", "--output", str(tmp_path / "token.json"), env=env)
    assert written.exit_code == 0, written.output
    ring = hub_keys.parse_keyring("token", (tmp_path / "token.json").read_bytes(), "token.json")
    assert ring.entries[1].secret == base64.b64decode(token) and ring.current.secret != ring.entries[1].secret
    # the rotated keyring goes back into the variable as it is
    rotated = Settings.from_env({"HUB_DATA_DIR": str(settings.data_dir), "HUB_TOKEN_KEY": ring.dump().decode()})
    assert hub_keys.load_hub_keys(rotated).token_keys(dt.datetime.now(dt.UTC)) == [
        ring.current.secret,
        base64.b64decode(token),
    ]
    with pytest.raises(SettingsError, match="both set"):
        Settings.from_env({"HUB_TOKEN_KEY": token, "HUB_TOKEN_KEY_FILE": str(tmp_path / "token.json")})
    with pytest.raises(SettingsError, match="HUB_SIGNING_KEY_FILE or HUB_SIGNING_KEY"):
        Settings.from_env({"HUB_ENV": "production", "HUB_DATABASE_URL": "sqlite://", **env})
    assert token not in repr(with_env)


def test_a_malformed_keyring_keeps_the_last_good_keys(app: Flask, settings: Settings) -> None:
    services = app.extensions["signaalhub"]
    before = services.keys.signing_key_id
    (settings.keys_dir / "signing.pem").write_text('{"format": "signaalhub-keyring/1", "kind": "signing"}')
    assert services.keys.signing_key_id == before
    assert app.test_client().get("/v1/hub-key").json["keys"][0]["key_id"] == before
    with pytest.raises(hub_keys.KeyringError, match="holds no key"):
        hub_keys.parse_keyring("signing", (settings.keys_dir / "signing.pem").read_bytes(), "signing.pem")


def test_a_keyring_must_start_with_its_one_current_key(settings: Settings, app: Flask) -> None:
    _rotate(settings, "token")
    document = json.loads((settings.keys_dir / "token.key").read_text())
    document["keys"].reverse()
    with pytest.raises(hub_keys.KeyringError, match="one current key"):
        hub_keys.parse_keyring("token", json.dumps(document).encode(), "token.key")
    document["keys"].reverse()
    document["keys"][0]["key_id"] = "hub-token-0000000000000000"
    with pytest.raises(hub_keys.KeyringError, match="does not match"):
        hub_keys.parse_keyring("token", json.dumps(document).encode(), "token.key")


# --- a real gunicorn hub ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served_hub(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "var")}
    env.pop("HUB_DATABASE_URL", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("hub")), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.stderr.read().decode() if process.stderr else "")
            time.sleep(0.2)
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def test_every_gunicorn_worker_takes_up_a_rotated_key_without_a_restart(
    served_hub: tuple[str, dict[str, str]],
) -> None:
    url, env = served_hub
    first = {tuple(k["key_id"] for k in requests.get(f"{url}/v1/hub-key", timeout=5).json()["keys"]) for _ in range(8)}
    assert len(first) == 1 and len(next(iter(first))) == 1
    rotated = subprocess.run(
        [str(Path(sys.executable).with_name("hub")), "keys", "rotate", "signing"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rotated.returncode == 0, rotated.stderr
    # every answer, whichever worker gives it, now lists both keys, the new one first
    after = {tuple(k["key_id"] for k in requests.get(f"{url}/v1/hub-key", timeout=5).json()["keys"]) for _ in range(8)}
    assert len(after) == 1
    [(new, old)] = after
    assert old == next(iter(first))[0] and new != old


def test_a_rotated_key_file_keeps_its_owner_and_mode(settings: Settings, app: Flask) -> None:
    path = settings.keys_dir / "token.key"
    path.chmod(0o640)
    if os.getuid() == 0:  # only root can hand a file to another owner, as a service user's key files are
        os.chown(path, 4321, 4321)
    _rotate(settings, "token")
    status = path.stat()
    assert status.st_mode & 0o777 == 0o640
    if os.getuid() == 0:
        assert (status.st_uid, status.st_gid) == (4321, 4321)
    assert not [p.name for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left

"""The directory each hub process keeps in memory (hub/services/directory_cache.py) is checked against the
database's directory generation in every transaction that depends on it: a change made by another process,
the CLI or plain SQL counts from the very next request."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from hub import Settings
from hub.db import directory as repo
from hub.domain.evidence import Actor
from hub.services.directory_cache import DirectoryCache
from tests.support.signing import SignedClient, new_signing_key


def _code(response) -> str:  # type: ignore[no-untyped-def]
    assert response.content_type == "application/problem+json", response.data
    return str(response.get_json()["code"])


def test_key_revoked_by_another_process_is_refused_at_once(
    register: Callable[..., SignedClient], settings: Settings, make_app: Callable[[Settings], Flask]
) -> None:
    client = register("woonstad", "housing")
    assert client.get("/v1/whoami").status_code == 200  # this process now holds the directory in memory
    other = make_app(settings).extensions["signaalhub"]  # a second hub process, or `hub key revoke`
    other.directory.revoke_key(Actor.operator(), client.key_id)
    response = client.get("/v1/whoami")
    assert response.status_code == 401
    assert _code(response) == "key_revoked"


def test_organisation_disabled_in_plain_sql_is_refused_at_once(
    app: Flask, register: Callable[..., SignedClient], database_url: str
) -> None:
    client = register("woonstad", "housing")
    assert client.get("/v1/whoami").status_code == 200
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE organisations SET disabled = :yes WHERE id = 'woonstad'"), {"yes": True})
    engine.dispose()
    assert _code(client.get("/v1/whoami")) == "organisation_disabled"


def test_key_added_by_another_process_is_accepted(
    app: Flask, register: Callable[..., SignedClient], settings: Settings, make_app: Callable[[Settings], Flask]
) -> None:
    register("woonstad", "housing")
    assert register("hub-ops", "hub_admin").get("/v1/whoami").status_code == 200
    other = make_app(settings).extensions["signaalhub"]
    private, public = new_signing_key()
    other.directory.add_key(Actor.operator(), "woonstad", "signing", public, key_id="woonstad-sig-2")
    response = SignedClient(app.test_client(), "woonstad-sig-2", private).get("/v1/whoami")
    assert response.status_code == 200, response.data
    assert response.json["key_id"] == "woonstad-sig-2"


def test_every_directory_write_moves_the_generation(engine: Engine) -> None:
    now = dt.datetime.now(dt.UTC)
    statements = [
        "INSERT INTO organisations (id, name, kind, disabled, created_at, updated_at) "
        "VALUES ('w', 'W', 'housing', false, :now, :now)",
        "UPDATE organisations SET name = 'W2' WHERE id = 'w'",
        "INSERT INTO organisation_keys (key_id, organisation_id, use, suite, public_key, not_before, created_at) "
        "VALUES ('w-sig', 'w', 'signing', 'ed25519', :key, :now, :now)",
        "UPDATE organisation_keys SET revoked_at = :now WHERE key_id = 'w-sig'",
        "DELETE FROM organisation_keys WHERE key_id = 'w-sig'",
        "INSERT INTO routing_versions (version, published_at, source, entry_count, digest) "
        "VALUES ('2026-11', :now, 'test', 0, :key)",
        "DELETE FROM routing_versions WHERE version = '2026-11'",
        "DELETE FROM organisations WHERE id = 'w'",
    ]
    with engine.connect() as conn:
        seen = [repo.generation(conn)]
    for statement in statements:
        with engine.begin() as conn:
            conn.execute(sa.text(statement), {"now": now, "key": b"\x00" * 32})
        with engine.connect() as conn:
            seen.append(repo.generation(conn))
    assert all(after > before for before, after in itertools.pairwise(seen)), seen


def test_snapshot_is_reused_until_the_directory_changes(engine: Engine) -> None:
    cache = DirectoryCache()
    with engine.connect() as conn:
        first = cache.current(conn)
        assert cache.current(conn) is first
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organisations (id, name, kind, municipality_code, disabled, created_at, updated_at) "
                "VALUES ('gemeente-x', 'X', 'municipality', '0999', false, :now, :now)"
            ),
            {"now": dt.datetime.now(dt.UTC)},
        )
    with engine.connect() as conn:
        fresh = cache.current(conn)
    assert fresh is not first
    assert fresh.municipalities["0999"].id == "gemeente-x"

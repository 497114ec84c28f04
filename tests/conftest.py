"""Fixtures shared by every test layer.

Database tests take the ``engine`` fixture and run twice: on SQLite and on PostgreSQL. PostgreSQL comes
from ``HUB_TEST_DATABASE_URL`` (a server where the tests may create a database of their own); without
it the PostgreSQL variants skip with that reason, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import Engine

from hub import Settings, create_app
from hub.db import migrate
from hub.db.engine import make_engine
from hub.domain.evidence import Actor
from tests.support.signing import SignedClient, new_signing_key

PG_ENV = "HUB_TEST_DATABASE_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _pg_unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"CI=true but PostgreSQL is unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL variant skipped: {reason}")


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head; dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        _pg_unavailable(f"{PG_ENV} is not set")
    admin_url = sa.make_url(base).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"signaalhub_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _pg_unavailable(f"cannot reach {admin_url.render_as_string()}: {type(exc).__name__}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "hub.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the main file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: an SQLite file of its own, or the session's PostgreSQL database
    with every table emptied."""
    if request.param == "sqlite":
        path = tmp_path / "hub.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("_pg_database")
    engine = make_engine(url)
    names = [t for t in sa.inspect(engine).get_table_names() if t != "alembic_version"]
    if names:
        with engine.begin() as connection:
            connection.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path / "var", database_url=database_url)


@pytest.fixture
def make_app() -> Iterator[Callable[[Settings], Flask]]:
    """Build apps with create_app and dispose of their engines afterwards."""
    built: list[Flask] = []

    def build(settings: Settings) -> Flask:
        built.append(create_app(settings))
        return built[-1]

    yield build
    for app in built:
        app.extensions["signaalhub"].engine.dispose()


@pytest.fixture
def app(settings: Settings, make_app: Callable[[Settings], Flask]) -> Flask:
    return make_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def register(app: Flask) -> Callable[..., SignedClient]:
    """Register an organisation with a fresh signing key, the way an operator does on the CLI, and
    return a client that signs as it."""
    services = app.extensions["signaalhub"]

    def register_org(org_id: str, kind: str, municipality_code: str | None = None) -> SignedClient:
        services.directory.add_organisation(Actor.operator(), org_id, f"Test {org_id}", kind, municipality_code)
        private, public = new_signing_key()
        key = services.directory.add_key(Actor.operator(), org_id, "signing", public, key_id=f"{org_id}-sig-1")
        return SignedClient(app.test_client(), key.key_id, private)

    return register_org


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say plainly how many PostgreSQL variants ran, so a report shows they were not all skipped."""
    counts = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        counts[outcome] = sum(
            1
            for r in terminalreporter.stats.get(outcome, [])
            if getattr(r, "nodeid", "").endswith("[postgresql]") or "[postgresql-" in getattr(r, "nodeid", "")
        )
    terminalreporter.write_line(
        "PostgreSQL variants: {passed} passed, {failed} failed, {skipped} skipped, {error} errors".format(**counts)
    )


# CI runs the property tests derandomized, so a run is repeatable; locally they explore new examples.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if _in_ci() else "dev")

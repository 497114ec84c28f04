from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from hub import Settings


def test_healthz_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_a_migrated_database(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["status"] == "ready"
    assert response.json["migration"]


def test_readyz_is_503_problem_on_an_unmigrated_database(tmp_path: Path, make_app: Callable[[Settings], Flask]) -> None:
    app = make_app(Settings(env="test", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/empty.db"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.json is not None
    assert response.json["code"] == "migrations_pending"
    assert "hub db upgrade" in response.json["detail"]


def test_readyz_is_503_problem_when_the_database_is_unreachable(
    tmp_path: Path, make_app: Callable[[Settings], Flask]
) -> None:
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
    )
    response = make_app(settings).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["code"] == "database_unreachable"

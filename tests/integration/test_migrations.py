"""The same migrations give the same schema on SQLite and PostgreSQL, matching hub/db/tables.py."""

import pytest
import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from hub.db import migrate
from hub.db.tables import metadata
from tests.support.schema import column_facts


def test_migrated_schema_matches_the_table_definitions(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_migrated_tables_and_columns_are_those_declared(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names()) - {"alembic_version"}
    assert tables == set(metadata.tables)
    for name, table in metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == set(table.columns.keys())


def test_database_is_at_head(engine: Engine) -> None:
    assert migrate.is_at_head(engine)


def test_downgrade_to_base_and_upgrade_again(engine: Engine) -> None:
    migrate.upgrade(engine, "head")
    alembic_command.downgrade(migrate.alembic_config(engine), "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.is_at_head(engine)


def test_migrated_collations_are_those_declared(engine: Engine) -> None:
    """compare_metadata does not look at collations: on PostgreSQL every id column is COLLATE "C"
    (hub/db/tables.py identifier()) and every other text column has the database's default."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite compares text byte by byte: it has no column collations to migrate")
    declared = {
        (name, column.name): impl.collation
        for name, table in metadata.tables.items()
        for column in table.columns
        if isinstance(impl := column.type.dialect_impl(engine.dialect), sa.String) and impl.collation is not None
    }
    migrated = {key: value for key, value in column_facts(engine, "collation_name").items() if value is not None}
    assert declared[("signals", "id")] == "C"
    assert migrated == declared

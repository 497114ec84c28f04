"""The same migrations give the same schema on SQLite and PostgreSQL, matching hub/db/tables.py."""

import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from hub.db import migrate
from hub.db.tables import metadata


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
    """compare_metadata does not look at collations; on PostgreSQL every id column must be COLLATE "C"
    (hub/db/tables.py identifier()) and every other text column the database's default."""
    inspector = sa.inspect(engine)
    for name, table in metadata.tables.items():
        migrated = {c["name"]: c["type"] for c in inspector.get_columns(name)}
        for column in table.columns:
            declared = column.type.dialect_impl(engine.dialect)
            if not isinstance(declared, sa.String):
                continue
            assert getattr(migrated[column.name], "collation", None) == declared.collation, f"{name}.{column.name}"
    if engine.dialect.name == "postgresql":  # not a vacuous check: the ids are declared "C"
        signal_id = next(c for c in inspector.get_columns("signals") if c["name"] == "id")
        assert signal_id["type"].collation == "C"

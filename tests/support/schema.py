"""What PostgreSQL's own catalogue says about the migrated tables, for tests that compare it with
hub/db/tables.py where alembic's comparison does not look."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_COLUMNS = sa.text(
    "SELECT table_name, column_name, udt_name, collation_name FROM information_schema.columns "
    "WHERE table_schema = current_schema()"
)


def column_facts(engine: Engine, field: Literal["udt_name", "collation_name"]) -> dict[tuple[str, str], Any]:
    """(table, column) -> ``field`` of ``information_schema.columns``, for every column in the current schema."""
    with engine.connect() as conn:
        return {(row.table_name, row.column_name): row._mapping[field] for row in conn.execute(_COLUMNS)}

"""directory generation: one counter, bumped by triggers on every write to the directory (organisations,
their keys, routing-table versions), so that each hub process can keep the directory in memory and check
with one small read per request that it is still current (hub/services/directory_cache.py)

Revision ID: 0013_directory_generation
Revises: 0012_drop_token_hash_index
Create Date: 2026-11-24 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_directory_generation"
down_revision: str | None = "0012_drop_token_hash_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("organisations", "organisation_keys", "routing_versions")
BUMP = (
    "INSERT INTO directory_generation (id, generation) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET generation = directory_generation.generation + 1"
)


def upgrade() -> None:
    op.create_table(
        "directory_generation",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "generation",
            sa.BigInteger(),
            nullable=False,
            comment="bumped by triggers on every write to organisations, organisation_keys and routing_versions",
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_directory_generation_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_generation")),
    )
    op.execute("INSERT INTO directory_generation (id, generation) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_directory_generation() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER {table}_bump_directory_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_generation()"
            )
    else:  # SQLite: row triggers, one per table and event
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {table}_{event}_bump_directory_generation AFTER {event.upper()} ON {table} "
                    f"BEGIN {BUMP}; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_bump_directory_generation ON {table}")
        op.execute("DROP FUNCTION bump_directory_generation()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{event}_bump_directory_generation")
    op.drop_table("directory_generation")

"""routing

Revision ID: 0004_routing
Revises: 0003_signals
Create Date: 2026-11-23 18:57:52.570398
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0004_routing"
down_revision: str | None = "0003_signals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_versions",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("published_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "changed_from", sa.Date(), nullable=True, comment="earliest date routed differently than the version before"
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_routing_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_routing_versions_version")),
    )
    op.create_table(
        "routing_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("version_seq", sa.Integer(), nullable=False),
        sa.Column("postcode_from", sa.String(length=6), nullable=False),
        sa.Column("postcode_to", sa.String(length=6), nullable=False),
        sa.Column("house_number_from", sa.Integer(), nullable=True),
        sa.Column("house_number_to", sa.Integer(), nullable=True),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_seq"], ["routing_versions.seq"], name=op.f("fk_routing_entries_version_seq_routing_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_entries")),
    )
    with op.batch_alter_table("routing_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_entries_version_seq"), ["version_seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("routing_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_entries_version_seq"))

    op.drop_table("routing_entries")
    op.drop_table("routing_versions")

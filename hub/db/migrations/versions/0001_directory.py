"""directory: organisations and keys

Revision ID: 0001_directory
Revises: (none)
Create Date: 2026-11-23 18:31:31.440456
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0001_directory"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "retention_days",
            sa.Integer(),
            nullable=True,
            comment="municipalities: overrides HUB_RETENTION_DAYS",
        ),
        sa.Column("created_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'municipality') = (municipality_code IS NOT NULL)",
            name=op.f("ck_organisations_municipality_code"),
        ),
        sa.CheckConstraint(
            "kind IN ('housing', 'energy', 'water', 'health_insurer', 'municipal_taxes', 'municipality', 'debt_help', 'hub_admin')",
            name=op.f("ck_organisations_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "organisation_keys",
        sa.Column("key_id", sa.String(length=100), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("use", sa.String(length=16), nullable=False),
        sa.Column("suite", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_after", hub.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", hub.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(use = 'signing' AND suite = 'ed25519') OR (use = 'encryption' AND suite IN ('mlkem768-x25519', 'x25519'))",
            name=op.f("ck_organisation_keys_suite"),
        ),
        sa.CheckConstraint("use IN ('signing', 'encryption')", name=op.f("ck_organisation_keys_use")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_keys_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_organisation_keys")),
    )
    with op.batch_alter_table("organisation_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_keys_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("organisation_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_keys_organisation_id"))

    op.drop_table("organisation_keys")
    op.drop_table("organisations")

"""reports

Revision ID: 0009_reports
Revises: 0008_settlements
Create Date: 2026-11-23 19:57:16.647740
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0009_reports"
down_revision: str | None = "0008_settlements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_report_changes")),
    )
    with op.batch_alter_table("report_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_changes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "retention_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("ran_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("identities", sa.Integer(), nullable=False, comment="sealed identities deleted unacknowledged"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.create_table(
        "report_contacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False, comment="DDAS Contactsoort"),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("part_of_day", sa.String(length=16), nullable=True, comment="DDAS Dagdeel"),
        sa.Column("recorded_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_report_contacts_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_contacts")),
    )
    with op.batch_alter_table("report_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_contacts_case_id"), ["case_id"], unique=False)

    op.create_table(
        "reports",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("municipality_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False, comment="seq of its latest change"),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("acknowledged_version", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=80), nullable=True, comment="DDAS Eindresultaat"),
        sa.Column("result_on", sa.Date(), nullable=True),
        sa.Column(
            "identities_warned_at",
            hub.db.tables.UTCDateTime(timezone=True),
            nullable=True,
            comment="told its sealed identities will expire",
        ),
        sa.Column("created_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('new', 'in_progress', 'closed', 'merged')", name=op.f("ck_reports_state")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reports_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["organisations.id"], name=op.f("fk_reports_municipality_id_organisations")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_reports")),
        sa.UniqueConstraint("change_seq", name=op.f("uq_reports_change_seq")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_municipality_id_change_seq", ["municipality_id", "change_seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_municipality_id_change_seq")

    op.drop_table("reports")
    with op.batch_alter_table("report_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_contacts_case_id"))

    op.drop_table("report_contacts")
    op.drop_table("retention_runs")
    with op.batch_alter_table("report_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_changes_case_id"))

    op.drop_table("report_changes")

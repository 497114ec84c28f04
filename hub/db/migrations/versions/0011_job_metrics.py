"""job metrics: scheduler job runs by outcome and rows purged by kind

Revision ID: 0011_job_metrics
Revises: 0010_subject_requests
Create Date: 2026-11-23 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0011_job_metrics"
down_revision: str | None = "0010_subject_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False, comment="ok or error"),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.Column("last_run_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "outcome", name=op.f("pk_job_runs")),
    )
    op.create_table(
        "purged_rows",
        sa.Column(
            "kind", sa.String(length=32), nullable=False, comment="what was deleted: cases, signals, tokens, ..."
        ),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("last_purge_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_purged_rows")),
    )


def downgrade() -> None:
    op.drop_table("purged_rows")
    op.drop_table("job_runs")

"""subject requests

Revision ID: 0010_subject_requests
Revises: 0009_reports
Create Date: 2026-11-23 22:16:13.606401
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0010_subject_requests"
down_revision: str | None = "0009_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_erasures",
        sa.Column(
            "case_id", sa.String(length=64), nullable=False, comment="an erased case id (also those merged into it)"
        ),
        sa.Column("erased_case_id", sa.String(length=64), nullable=False, comment="the live case that was erased"),
        sa.Column("municipality_id", sa.String(length=64), nullable=False),
        sa.Column(
            "ground", sa.String(length=32), nullable=False, comment="AVG art. 17(1) ground the municipality named"
        ),
        sa.Column("erased_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "erased_by", sa.String(length=64), nullable=False, comment="the organisation, or the operator, that erased"
        ),
        sa.Column("counts", sa.JSON(), nullable=False, comment="what was deleted, counted per kind; nothing is listed"),
        sa.Column("evidence_seq", sa.BigInteger(), nullable=False, comment="the evidence entry of the erasure"),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["organisations.id"], name=op.f("fk_case_erasures_municipality_id_organisations")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_erasures")),
    )
    with op.batch_alter_table("case_erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_erasures_erased_case_id"), ["erased_case_id"], unique=False)

    op.create_table(
        "consent_expiry_warnings",
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column(
            "expires_at",
            hub.db.tables.UTCDateTime(timezone=True),
            nullable=False,
            comment="the expiry warned about; a renewal warns again",
        ),
        sa.Column("warned_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent_records.id"], name=op.f("fk_consent_expiry_warnings_consent_id_consent_records")
        ),
        sa.PrimaryKeyConstraint("consent_id", "expires_at", name=op.f("pk_consent_expiry_warnings")),
    )


def downgrade() -> None:
    op.drop_table("consent_expiry_warnings")
    with op.batch_alter_table("case_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_erasures_erased_case_id"))

    op.drop_table("case_erasures")

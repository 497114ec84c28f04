"""auth and evidence

Revision ID: 0002_auth_evidence
Revises: 0001_directory
Create Date: 2026-11-23 18:35:37.623944
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0002_auth_evidence"
down_revision: str | None = "0001_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("recorded_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("target_uri", sa.Text(), nullable=True),
        sa.Column("signature_input", sa.Text(), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("content_digest", sa.Text(), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_evidence")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_evidence_entry_hash")),
    )
    op.create_table(
        "rate_windows",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "window_start", name=op.f("pk_rate_windows")),
    )
    op.create_table(
        "request_nonces",
        sa.Column("key_id", sa.String(length=100), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("expires_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name=op.f("pk_request_nonces")),
    )
    with op.batch_alter_table("request_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_nonces_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_nonces_expires_at"))

    op.drop_table("request_nonces")
    op.drop_table("rate_windows")
    op.drop_table("evidence")

"""drop ix_signal_tokens_token_hash: ix_signal_tokens_token_hash_id (token_hash, id) serves every lookup by
token hash, so the single-column index was only upkeep on the largest table

Revision ID: 0012_drop_token_hash_index
Revises: 0011_job_metrics
Create Date: 2026-11-24 00:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_drop_token_hash_index"
down_revision: str | None = "0011_job_metrics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signal_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_signal_tokens_token_hash")


def downgrade() -> None:
    with op.batch_alter_table("signal_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_signal_tokens_token_hash", ["token_hash"], unique=False)

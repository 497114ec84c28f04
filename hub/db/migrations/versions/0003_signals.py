"""signals

Revision ID: 0003_signals
Revises: 0002_auth_evidence
Create Date: 2026-11-23 18:41:31.754951
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0003_signals"
down_revision: str | None = "0002_auth_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=False),
        sa.Column("object_version", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "delivered_at",
            hub.db.tables.UTCDateTime(timezone=True),
            nullable=True,
            comment="fanned out to the recipient's webhook endpoints",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["organisations.id"], name=op.f("fk_outbox_recipient_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["delivered_at", "id"], unique=False)
        batch_op.create_index("ix_outbox_recipient_id_id", ["recipient_id", "id"], unique=False)

    op.create_table(
        "signals",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="hub-assigned order of arrival, the cursor of listings",
        ),
        sa.Column("id", sa.String(length=36), nullable=False, comment="client-chosen signal_id (idempotency key)"),
        sa.Column("creditor_id", sa.String(length=64), nullable=False),
        sa.Column("municipality_id", sa.String(length=64), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("arrears_since", sa.Date(), nullable=False),
        sa.Column("signal_date", sa.Date(), nullable=False),
        sa.Column("periods_in_arrears", sa.Integer(), nullable=False),
        sa.Column("periodic_charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("crisis_kind", sa.String(length=16), nullable=True),
        sa.Column("crisis_date", sa.Date(), nullable=True),
        sa.Column("warm_handover", sa.Boolean(), nullable=False),
        sa.Column("personal_contact_attempted", sa.Date(), nullable=False),
        sa.Column("debt_help_pointed_out", sa.Date(), nullable=False),
        sa.Column("written_reminder_sent", sa.Date(), nullable=False),
        sa.Column("transfer_offered", sa.Date(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("routing_version", sa.String(length=64), nullable=False),
        sa.Column("supersedes", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.String(length=64), nullable=True),
        sa.Column("body_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("received_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('received', 'delivered', 'picked_up', 'not_picked_up')", name=op.f("ck_signals_state")
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_signals_amount_positive")),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["organisations.id"], name=op.f("fk_signals_creditor_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["organisations.id"], name=op.f("fk_signals_municipality_id_organisations")
        ),
        sa.ForeignKeyConstraint(["supersedes"], ["signals.id"], name=op.f("fk_signals_supersedes_signals")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_signals")),
        sa.UniqueConstraint("id", name=op.f("uq_signals_id")),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index("ix_signals_creditor_id_seq", ["creditor_id", "seq"], unique=False)
        batch_op.create_index("ix_signals_municipality_id_seq", ["municipality_id", "seq"], unique=False)

    op.create_table(
        "signal_blobs",
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False, comment="identity (for the municipality) or reference"),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=100), nullable=False),
        sa.Column("suite", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("part IN ('identity', 'reference')", name=op.f("ck_signal_blobs_part")),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], name=op.f("fk_signal_blobs_signal_id_signals")),
        sa.PrimaryKeyConstraint("signal_id", "part", name=op.f("pk_signal_blobs")),
    )
    op.create_table(
        "signal_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("debtor", sa.SmallInteger(), nullable=True),
        sa.Column(
            "token_hash", sa.LargeBinary(length=32), nullable=False, comment="HMAC of the token under the hub's key"
        ),
        sa.Column("created_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], name=op.f("fk_signal_tokens_signal_id_signals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_tokens")),
    )
    with op.batch_alter_table("signal_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_tokens_signal_id"), ["signal_id"], unique=False)
        batch_op.create_index("ix_signal_tokens_token_hash", ["token_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signal_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_signal_tokens_token_hash")
        batch_op.drop_index(batch_op.f("ix_signal_tokens_signal_id"))

    op.drop_table("signal_tokens")
    op.drop_table("signal_blobs")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index("ix_signals_municipality_id_seq")
        batch_op.drop_index("ix_signals_creditor_id_seq")

    op.drop_table("signals")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient_id_id")
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")

"""cases

Revision ID: 0006_cases
Revises: 0005_webhooks
Create Date: 2026-11-23 19:14:43.003099
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.tables

revision: str = "0006_cases"
down_revision: str | None = "0005_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="order of opening, the cursor of listings",
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("municipality_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "origin",
            sa.String(length=16),
            nullable=False,
            comment="signal: opened by a signal; split: by a municipality",
        ),
        sa.Column("split_from", sa.String(length=36), nullable=True),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column(
            "merged_by", sa.String(length=16), nullable=True, comment="signal (one bridged both) or municipality"
        ),
        sa.Column("opened_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(state = 'merged') = (merged_into IS NOT NULL)", name=op.f("ck_cases_merged_into")),
        sa.CheckConstraint(
            "merged_by IS NULL OR merged_by IN ('signal', 'municipality')", name=op.f("ck_cases_merged_by")
        ),
        sa.CheckConstraint("origin IN ('signal', 'split')", name=op.f("ck_cases_origin")),
        sa.CheckConstraint("state IN ('open', 'merged')", name=op.f("ck_cases_state")),
        sa.ForeignKeyConstraint(["merged_into"], ["cases.id"], name=op.f("fk_cases_merged_into_cases")),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["organisations.id"], name=op.f("fk_cases_municipality_id_organisations")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_cases")),
        sa.UniqueConstraint("id", name=op.f("uq_cases_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_merged_into", ["merged_into"], unique=False)
        batch_op.create_index("ix_cases_municipality_id_seq", ["municipality_id", "seq"], unique=False)

    op.create_table(
        "case_signals",
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("municipality_id", sa.String(length=64), nullable=False),
        sa.Column("creditor_id", sa.String(length=64), nullable=False),
        sa.Column("signal_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("kinds", sa.Integer(), nullable=False, comment="bit mask of the household token kinds it carries"),
        sa.Column("repeat_of", sa.String(length=36), nullable=True, comment="herhaalde melding"),
        sa.Column("joined_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_signals_case_id_cases")),
        sa.ForeignKeyConstraint(["repeat_of"], ["signals.id"], name=op.f("fk_case_signals_repeat_of_signals")),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], name=op.f("fk_case_signals_signal_id_signals")),
        sa.PrimaryKeyConstraint("signal_id", name=op.f("pk_case_signals")),
    )
    with op.batch_alter_table("case_signals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_signals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "link_blocks",
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("other_signal_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("signal_id < other_signal_id", name=op.f("ck_link_blocks_ordered")),
        sa.ForeignKeyConstraint(
            ["other_signal_id"], ["signals.id"], name=op.f("fk_link_blocks_other_signal_id_signals")
        ),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], name=op.f("fk_link_blocks_signal_id_signals")),
        sa.PrimaryKeyConstraint("signal_id", "other_signal_id", name=op.f("pk_link_blocks")),
    )
    with op.batch_alter_table("link_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_blocks_other_signal_id"), ["other_signal_id"], unique=False)

    op.create_table(
        "signal_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("debtor", sa.SmallInteger(), nullable=True),
        sa.Column("target_signal_id", sa.String(length=36), nullable=False),
        sa.Column("target_debtor", sa.SmallInteger(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False, comment="Fellegi-Sunter weight in bits"),
        sa.Column("agreed", sa.Integer(), nullable=False, comment="bit mask of the token kinds that agreed"),
        sa.Column(
            "disagreed", sa.Integer(), nullable=False, comment="bit mask of kinds both carried but did not share"
        ),
        sa.Column("created_at", hub.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('person', 'household')", name=op.f("ck_signal_links_level")),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], name=op.f("fk_signal_links_signal_id_signals")),
        sa.ForeignKeyConstraint(
            ["target_signal_id"], ["signals.id"], name=op.f("fk_signal_links_target_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_links")),
    )
    with op.batch_alter_table("signal_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_links_signal_id"), ["signal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signal_links_target_signal_id"), ["target_signal_id"], unique=False)

    op.create_table(
        "signal_persons",
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("debtor", sa.SmallInteger(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kinds", sa.Integer(), nullable=False, comment="bit mask of the person token kinds it carries"),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], name=op.f("fk_signal_persons_signal_id_signals")),
        sa.PrimaryKeyConstraint("signal_id", "debtor", name=op.f("pk_signal_persons")),
    )
    with op.batch_alter_table("signal_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_persons_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("signal_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_signal_tokens_token_hash_id", ["token_hash", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signal_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_signal_tokens_token_hash_id")

    with op.batch_alter_table("signal_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_persons_person_id"))

    op.drop_table("signal_persons")
    with op.batch_alter_table("signal_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_links_target_signal_id"))
        batch_op.drop_index(batch_op.f("ix_signal_links_signal_id"))

    op.drop_table("signal_links")
    with op.batch_alter_table("link_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_blocks_other_signal_id"))

    op.drop_table("link_blocks")
    with op.batch_alter_table("case_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_signals_case_id"))

    op.drop_table("case_signals")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_municipality_id_seq")
        batch_op.drop_index("ix_cases_merged_into")

    op.drop_table("cases")

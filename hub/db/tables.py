"""The hub's tables, as SQLAlchemy Core. Alembic owns the schema; these definitions must match it
(``tests/integration/test_migrations.py`` compares them on SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# --- Directory: organisations and their keys (issue 3) ---------------------------------------------

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("municipality_code", sa.String(4), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(
        "kind IN ('housing', 'energy', 'water', 'health_insurer', 'municipal_taxes', 'municipality', "
        "'debt_help', 'hub_admin')",
        name="kind",
    ),
    sa.CheckConstraint("(kind = 'municipality') = (municipality_code IS NOT NULL)", name="municipality_code"),
)

organisation_keys = sa.Table(
    "organisation_keys",
    metadata,
    sa.Column("key_id", sa.String(100), primary_key=True),
    sa.Column("organisation_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("use", sa.String(16), nullable=False),
    sa.Column("suite", sa.String(32), nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("not_before", UTCDateTime, nullable=False),
    sa.Column("not_after", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("use IN ('signing', 'encryption')", name="use"),
    sa.CheckConstraint(
        "(use = 'signing' AND suite = 'ed25519') OR (use = 'encryption' AND suite IN ('mlkem768-x25519', 'x25519'))",
        name="suite",
    ),
)


# --- Request authentication and evidence (issue 3) ------------------------------------------------

request_nonces = sa.Table(
    "request_nonces",
    metadata,
    sa.Column("key_id", sa.String(100), primary_key=True),
    sa.Column("nonce", sa.String(128), primary_key=True),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

rate_windows = sa.Table(
    "rate_windows",
    metadata,
    sa.Column("organisation_id", sa.String(64), primary_key=True),
    sa.Column("window_start", sa.BigInteger, primary_key=True),
    sa.Column("requests", sa.Integer, nullable=False),
)

evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("organisation_id", sa.String(64), nullable=False),
    sa.Column("key_id", sa.String(100), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("method", sa.String(10), nullable=True),
    sa.Column("target_uri", sa.Text, nullable=True),
    sa.Column("signature_input", sa.Text, nullable=True),
    sa.Column("signature", sa.Text, nullable=True),
    sa.Column("content_digest", sa.Text, nullable=True),
    sa.Column("object_type", sa.String(32), nullable=False),
    sa.Column("object_id", sa.String(100), nullable=False),
    sa.Column("prev_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("entry_hash", sa.LargeBinary(32), nullable=False, unique=True),
)


# --- Signals (issue 4): facts, sealed blobs and tokens in separate tables --------------------------

signals = sa.Table(
    "signals",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
        comment="hub-assigned order of arrival, the cursor of listings",
    ),
    sa.Column("id", sa.String(36), nullable=False, unique=True, comment="client-chosen signal_id (idempotency key)"),
    sa.Column("creditor_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("municipality_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("sector", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("arrears_since", sa.Date, nullable=False),
    sa.Column("signal_date", sa.Date, nullable=False),
    sa.Column("periods_in_arrears", sa.Integer, nullable=False),
    sa.Column("periodic_charge_cents", sa.BigInteger, nullable=False),
    sa.Column("crisis_kind", sa.String(16), nullable=True),
    sa.Column("crisis_date", sa.Date, nullable=True),
    sa.Column("warm_handover", sa.Boolean, nullable=False),
    sa.Column("personal_contact_attempted", sa.Date, nullable=False),
    sa.Column("debt_help_pointed_out", sa.Date, nullable=False),
    sa.Column("written_reminder_sent", sa.Date, nullable=False),
    sa.Column("transfer_offered", sa.Date, nullable=False),
    sa.Column("municipality_code", sa.String(4), nullable=False),
    sa.Column("routing_version", sa.String(64), nullable=False),
    sa.Column("supersedes", sa.String(36), sa.ForeignKey("signals.id"), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("state_reason", sa.String(64), nullable=True),
    sa.Column("body_digest", sa.LargeBinary(32), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_signals_creditor_id_seq", "creditor_id", "seq"),
    sa.Index("ix_signals_municipality_id_seq", "municipality_id", "seq"),
    sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
    sa.CheckConstraint("state IN ('received', 'delivered', 'picked_up', 'not_picked_up')", name="state"),
)

signal_blobs = sa.Table(
    "signal_blobs",
    metadata,
    sa.Column("signal_id", sa.String(36), sa.ForeignKey("signals.id"), primary_key=True),
    sa.Column("part", sa.String(16), primary_key=True, comment="identity (for the municipality) or reference"),
    sa.Column("recipient_id", sa.String(64), nullable=False),
    sa.Column("key_id", sa.String(100), nullable=False),
    sa.Column("suite", sa.String(32), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("part IN ('identity', 'reference')", name="part"),
)

signal_tokens = sa.Table(
    "signal_tokens",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("signal_id", sa.String(36), sa.ForeignKey("signals.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("debtor", sa.SmallInteger, nullable=True),
    sa.Column("token_hash", sa.LargeBinary(32), nullable=False, comment="HMAC of the token under the hub's key"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_signal_tokens_token_hash", "token_hash"),
)

# --- Outbox: events other organisations must hear about, written in the same transaction ---------

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("recipient_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("object_type", sa.String(32), nullable=False),
    sa.Column("object_id", sa.String(100), nullable=False),
    sa.Column("object_version", sa.Integer, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime, nullable=True, comment="fanned out to the recipient's webhook endpoints"),
    sa.Index("ix_outbox_pending", "delivered_at", "id"),
    sa.Index("ix_outbox_recipient_id_id", "recipient_id", "id"),
)


# --- Routing table (issue 6): immutable versions of postcode -> municipality entries --------------

routing_versions = sa.Table(
    "routing_versions",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(64), nullable=False, unique=True),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    sa.Column("digest", sa.LargeBinary(32), nullable=False),
    sa.Column(
        "changed_from", sa.Date, nullable=True, comment="earliest date routed differently than the version before"
    ),
)

routing_entries = sa.Table(
    "routing_entries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("version_seq", sa.Integer, sa.ForeignKey("routing_versions.seq"), nullable=False, index=True),
    sa.Column("postcode_from", sa.String(6), nullable=False),
    sa.Column("postcode_to", sa.String(6), nullable=False),
    sa.Column("house_number_from", sa.Integer, nullable=True),
    sa.Column("house_number_to", sa.Integer, nullable=True),
    sa.Column("municipality_code", sa.String(4), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
)


# --- Webhooks (issue 6): endpoints and the deliveries of outbox events to them -------------------

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organisation_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret_version", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("disabled_reason", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_success_at", UTCDateTime, nullable=True),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("outbox_id", sa.BigInteger, sa.ForeignKey("outbox.id"), nullable=False, index=True),
    sa.Column("endpoint_id", sa.String(36), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime, nullable=True),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'dropped')", name="status"),
)

scheduler_lock = sa.Table(
    "scheduler_lock",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("heartbeat_at", UTCDateTime, nullable=False),
)

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


def identifier(length: int) -> sa.types.TypeEngine[str]:
    """A column that holds an id (its own row's, or another's): on PostgreSQL compared byte by byte
    (``COLLATE "C"``), as SQLite always does. Ids are opaque; a language's collation (the cluster's default,
    ``C.UTF-8``, ``nl_NL`` or an ICU locale) only makes every index and foreign-key lookup on them slower,
    and their order depend on how the cluster was set up. Every id column has it, so that two id columns
    compared in a join always agree (docs/deploy.md)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


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
    sa.Column("id", identifier(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("municipality_code", sa.String(4), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("retention_days", sa.Integer, nullable=True, comment="municipalities: overrides HUB_RETENTION_DAYS"),
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
    sa.Column("key_id", identifier(100), primary_key=True),
    sa.Column("organisation_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False, index=True),
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


directory_generation = sa.Table(
    "directory_generation",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column(
        "generation",
        sa.BigInteger,
        nullable=False,
        comment="bumped by triggers on every write to organisations, organisation_keys and routing_versions",
    ),
    sa.CheckConstraint("id = 1", name="single_row"),
)


# --- Request authentication and evidence (issue 3) ------------------------------------------------

request_nonces = sa.Table(
    "request_nonces",
    metadata,
    sa.Column("key_id", identifier(100), primary_key=True),
    sa.Column("nonce", sa.String(128), primary_key=True),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

rate_windows = sa.Table(
    "rate_windows",
    metadata,
    sa.Column("organisation_id", identifier(64), primary_key=True),
    sa.Column("window_start", sa.BigInteger, primary_key=True),
    sa.Column("requests", sa.Integer, nullable=False),
)

evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("organisation_id", identifier(64), nullable=False),
    sa.Column("key_id", identifier(100), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("method", sa.String(10), nullable=True),
    sa.Column("target_uri", sa.Text, nullable=True),
    sa.Column("signature_input", sa.Text, nullable=True),
    sa.Column("signature", sa.Text, nullable=True),
    sa.Column("content_digest", sa.Text, nullable=True),
    sa.Column("object_type", sa.String(32), nullable=False),
    sa.Column("object_id", identifier(100), nullable=False),
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
    sa.Column("id", identifier(36), nullable=False, unique=True, comment="client-chosen signal_id (idempotency key)"),
    sa.Column("creditor_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("municipality_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
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
    sa.Column("supersedes", identifier(36), sa.ForeignKey("signals.id"), nullable=True),
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
    sa.Column("signal_id", identifier(36), sa.ForeignKey("signals.id"), primary_key=True),
    sa.Column("part", sa.String(16), primary_key=True, comment="identity (for the municipality) or reference"),
    sa.Column("recipient_id", identifier(64), nullable=False),
    sa.Column("key_id", identifier(100), nullable=False),
    sa.Column("suite", sa.String(32), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("part IN ('identity', 'reference')", name="part"),
)

signal_tokens = sa.Table(
    "signal_tokens",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("signal_id", identifier(36), sa.ForeignKey("signals.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("debtor", sa.SmallInteger, nullable=True),
    sa.Column("token_hash", sa.LargeBinary(32), nullable=False, comment="HMAC of the token under the hub's key"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# --- Outbox: events other organisations must hear about, written in the same transaction ---------

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("recipient_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("object_type", sa.String(32), nullable=False),
    sa.Column("object_id", identifier(100), nullable=False),
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
    sa.Column("id", identifier(36), primary_key=True),
    sa.Column("organisation_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret_version", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("disabled_reason", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_success_at", UTCDateTime, nullable=True),
    sa.Column("failing_since", UTCDateTime, nullable=True, comment="a delivery gave up; cleared by a success"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("outbox_id", sa.BigInteger, sa.ForeignKey("outbox.id"), nullable=False, index=True),
    sa.Column("endpoint_id", identifier(36), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
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


# --- Household matching (issue 5): cases, the signals and persons in them, why they were linked -----

#: Blocking reads the most recent rows of each token: the composite lets both databases stop early.
ix_signal_tokens_token_hash_id = sa.Index(
    "ix_signal_tokens_token_hash_id", signal_tokens.c.token_hash, signal_tokens.c.id
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
        comment="order of opening, the cursor of listings",
    ),
    sa.Column("id", identifier(36), nullable=False, unique=True),
    sa.Column("municipality_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("origin", sa.String(16), nullable=False, comment="signal: opened by a signal; split: by a municipality"),
    sa.Column("split_from", identifier(36), nullable=True),
    sa.Column("merged_into", identifier(36), sa.ForeignKey("cases.id"), nullable=True),
    sa.Column("merged_by", sa.String(16), nullable=True, comment="signal (one bridged both) or municipality"),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_cases_municipality_id_seq", "municipality_id", "seq"),
    sa.Index("ix_cases_merged_into", "merged_into"),
    sa.CheckConstraint("state IN ('open', 'merged')", name="state"),
    sa.CheckConstraint("origin IN ('signal', 'split')", name="origin"),
    sa.CheckConstraint("(state = 'merged') = (merged_into IS NOT NULL)", name="merged_into"),
    sa.CheckConstraint("merged_by IS NULL OR merged_by IN ('signal', 'municipality')", name="merged_by"),
)

case_signals = sa.Table(
    "case_signals",
    metadata,
    sa.Column("signal_id", identifier(36), sa.ForeignKey("signals.id"), primary_key=True),
    sa.Column("case_id", identifier(36), sa.ForeignKey("cases.id"), nullable=False, index=True),
    # copies of the signal's facts that blocking filters and repeat detection read on every candidate
    sa.Column("municipality_id", identifier(64), nullable=False),
    sa.Column("creditor_id", identifier(64), nullable=False),
    sa.Column("signal_date", sa.Date, nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("kinds", sa.Integer, nullable=False, comment="bit mask of the household token kinds it carries"),
    sa.Column("repeat_of", identifier(36), sa.ForeignKey("signals.id"), nullable=True, comment="herhaalde melding"),
    sa.Column("joined_at", UTCDateTime, nullable=False),
)

signal_persons = sa.Table(
    "signal_persons",
    metadata,
    sa.Column("signal_id", identifier(36), sa.ForeignKey("signals.id"), primary_key=True),
    sa.Column("debtor", sa.SmallInteger, primary_key=True),
    sa.Column("person_id", identifier(36), nullable=False, index=True),
    sa.Column("kinds", sa.Integer, nullable=False, comment="bit mask of the person token kinds it carries"),
)

signal_links = sa.Table(
    "signal_links",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("signal_id", identifier(36), sa.ForeignKey("signals.id"), nullable=False, index=True),
    sa.Column("debtor", sa.SmallInteger, nullable=True),
    sa.Column("target_signal_id", identifier(36), sa.ForeignKey("signals.id"), nullable=False, index=True),
    sa.Column("target_debtor", sa.SmallInteger, nullable=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("score", sa.Float, nullable=False, comment="Fellegi-Sunter weight in bits"),
    sa.Column("agreed", sa.Integer, nullable=False, comment="bit mask of the token kinds that agreed"),
    sa.Column("disagreed", sa.Integer, nullable=False, comment="bit mask of kinds both carried but did not share"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("level IN ('person', 'household')", name="level"),
)

link_blocks = sa.Table(
    "link_blocks",
    metadata,
    sa.Column("signal_id", identifier(36), sa.ForeignKey("signals.id"), primary_key=True),
    sa.Column("other_signal_id", identifier(36), sa.ForeignKey("signals.id"), primary_key=True, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("signal_id < other_signal_id", name="ordered"),
)


# --- Consent (issue 7): records, their recipients, append-only lifecycle events, every decision ---

_CONSENT_METHODS = "method IN ('in_person', 'in_writing', 'digital')"

consent_records = sa.Table(
    "consent_records",
    metadata,
    sa.Column("id", identifier(36), primary_key=True),
    sa.Column("case_id", identifier(64), nullable=False, comment="the household case, opaque: no foreign key"),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("recorder_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("given_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, comment="as first given; renewals are events"),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Index("ix_consent_records_case_id_purpose", "case_id", "purpose"),
    sa.CheckConstraint(_CONSENT_METHODS, name="method"),
    sa.CheckConstraint("expires_at > given_at", name="term"),
)

consent_recipients = sa.Table(
    "consent_recipients",
    metadata,
    sa.Column("consent_id", identifier(36), sa.ForeignKey("consent_records.id"), primary_key=True),
    sa.Column("organisation_id", identifier(64), sa.ForeignKey("organisations.id"), primary_key=True, index=True),
    sa.Column("position", sa.SmallInteger, nullable=False, comment="the order in which they were named"),
)

consent_events = sa.Table(
    "consent_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("consent_id", identifier(36), sa.ForeignKey("consent_records.id"), nullable=False, index=True),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False, comment="when the person gave, renewed or withdrew it"),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("event IN ('given', 'renewed', 'withdrawn')", name="event"),
    sa.CheckConstraint(_CONSENT_METHODS, name="method"),
    sa.CheckConstraint("(event = 'withdrawn') = (expires_at IS NULL)", name="expiry"),
)

consent_decisions = sa.Table(
    "consent_decisions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.Column("organisation_id", identifier(64), nullable=False, comment="the organisation that would receive"),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("case_id", identifier(64), nullable=False),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("basis", sa.String(200), nullable=True, comment="the statute cited, or the consent citation"),
    sa.Column("consent_id", identifier(36), sa.ForeignKey("consent_records.id"), nullable=True),
    sa.Column("evidence_seq", sa.BigInteger, nullable=False, comment="the evidence entry of this decision"),
    sa.Index("ix_consent_decisions_case_id_id", "case_id", "id"),
)


# --- Settlements (issue 8): convenants, referrals, dossiers, their creditors, messages, deadlines ---

_SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")
_DOSSIER_STATES = (
    "state IN ('opened', 'inventory', 'proposal', 'negotiation', 'agreed', 'running', 'completed', 'failed', "
    "'withdrawn')"
)

convenants = sa.Table(
    "convenants",
    metadata,
    sa.Column("id", identifier(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("response_days", sa.Integer, nullable=False),
    sa.Column("reminder_days", sa.Integer, nullable=False, comment="the reminder goes this many days before"),
    sa.Column("pause_on_notice", sa.Boolean, nullable=False, comment="pauzeknop"),
    sa.Column("accepts_compliant_in_advance", sa.Boolean, nullable=False),
    sa.Column("term_months", sa.Integer, nullable=False),
    sa.Column("preferential_min_share_bp", sa.Integer, nullable=False, comment="basis points of the claim"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("reminder_days > 0 AND reminder_days < response_days", name="deadline"),
)

convenant_parties = sa.Table(
    "convenant_parties",
    metadata,
    sa.Column("convenant_id", identifier(64), sa.ForeignKey("convenants.id"), primary_key=True),
    sa.Column("organisation_id", identifier(64), sa.ForeignKey("organisations.id"), primary_key=True, index=True),
    sa.Column("joined_at", UTCDateTime, nullable=False),
)

referrals = sa.Table(
    "referrals",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("id", identifier(36), nullable=False, unique=True, comment="client-chosen referral_id"),
    sa.Column("case_id", identifier(64), nullable=False, comment="the household case, opaque: no foreign key"),
    sa.Column("municipality_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("debt_help_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("decline_reason", sa.String(32), nullable=True),
    sa.Column("body_digest", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Index("ix_referrals_debt_help_id_seq", "debt_help_id", "seq"),
    sa.Index("ix_referrals_municipality_id_seq", "municipality_id", "seq"),
    sa.Index("ix_referrals_case_id", "case_id"),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'declined')", name="state"),
)

dossiers = sa.Table(
    "dossiers",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("id", identifier(36), nullable=False, unique=True),
    sa.Column("case_id", identifier(64), nullable=False, comment="the household case, opaque: no foreign key"),
    sa.Column(
        "active_case_id", identifier(64), nullable=True, unique=True, comment="case_id until it ends: one at a time"
    ),
    sa.Column("referral_id", identifier(36), sa.ForeignKey("referrals.id"), nullable=False, unique=True),
    sa.Column("municipality_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("debt_help_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("first_payment_on", sa.Date, nullable=True),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_dossiers_debt_help_id_seq", "debt_help_id", "seq"),
    sa.CheckConstraint(_DOSSIER_STATES, name="state"),
)

dossier_creditors = sa.Table(
    "dossier_creditors",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True, comment="order in the dossier (rounding ties)"),
    sa.Column("id", identifier(36), nullable=False, unique=True, comment="participant id, chosen by debt-help"),
    sa.Column("dossier_id", identifier(36), sa.ForeignKey("dossiers.id"), nullable=False, index=True),
    sa.Column("creditor_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=True, comment="null: outside"),
    sa.Column("sector", sa.String(32), nullable=True),
    sa.Column("convenant_id", identifier(64), sa.ForeignKey("convenants.id"), nullable=True),
    sa.Column("contacted", sa.Boolean, nullable=False),
    sa.Column("collection_paused", sa.Boolean, nullable=False),
    sa.Column("claim_state", sa.String(16), nullable=False),
    sa.Column("principal_cents", sa.BigInteger, nullable=True),
    sa.Column("interest_cents", sa.BigInteger, nullable=True),
    sa.Column("costs_cents", sa.BigInteger, nullable=True),
    sa.Column("preferential", sa.Boolean, nullable=True),
    sa.Column("agreed_in_advance", identifier(64), nullable=True, comment="convenant id the creditor named"),
    sa.Column("claim_recorded_by", sa.String(16), nullable=True),
    sa.Column("refusal_reason", sa.String(32), nullable=True),
    sa.Column("answer", sa.String(16), nullable=True),
    sa.Column("answer_reason", sa.String(32), nullable=True),
    sa.Column("answered_under", identifier(64), nullable=True, comment="convenant that answered in advance"),
    sa.Column("answer_recorded_by", sa.String(16), nullable=True),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_dossier_creditors_creditor_id_seq", "creditor_id", "seq"),
    sa.UniqueConstraint("dossier_id", "creditor_id"),
    sa.CheckConstraint("claim_state IN ('none', 'stated', 'refused')", name="claim_state"),
    sa.CheckConstraint("answer IS NULL OR answer IN ('accept', 'reject')", name="answer"),
)

proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("id", identifier(36), primary_key=True),
    sa.Column("dossier_id", identifier(36), sa.ForeignKey("dossiers.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("monthly_capacity_cents", sa.BigInteger, nullable=False),
    sa.Column("term_months", sa.Integer, nullable=False),
    sa.Column("lump_sum_cents", sa.BigInteger, nullable=False),
    sa.Column("preferential_share_bp", sa.Integer, nullable=False),
    sa.Column("amount_offered_cents", sa.BigInteger, nullable=False),
    sa.Column("total_admitted_cents", sa.BigInteger, nullable=False),
    sa.Column("body_digest", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("superseded_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("kind IN ('regular', 'saneringskrediet', 'sa')", name="kind"),
)

proposal_shares = sa.Table(
    "proposal_shares",
    metadata,
    sa.Column("proposal_id", identifier(36), sa.ForeignKey("proposals.id"), primary_key=True),
    sa.Column("participant_id", identifier(36), sa.ForeignKey("dossier_creditors.id"), primary_key=True),
    sa.Column("admitted_cents", sa.BigInteger, nullable=False),
    sa.Column("preferential", sa.Boolean, nullable=False),
    sa.Column("share_cents", sa.BigInteger, nullable=False),
)

settlement_messages = sa.Table(
    "settlement_messages",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True, comment="the cursor of the inbox listings"),
    sa.Column("id", identifier(36), nullable=False, unique=True, comment="sender-chosen message_id, or the hub's"),
    sa.Column("dossier_id", identifier(36), sa.ForeignKey("dossiers.id"), nullable=False),
    sa.Column("participant_id", identifier(36), sa.ForeignKey("dossier_creditors.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("sender_id", identifier(64), nullable=False, comment="organisation id, or hub"),
    sa.Column("recipient_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False, comment="what the hub may read: amounts, codes, dates"),
    sa.Column("body_digest", sa.LargeBinary(32), nullable=True, comment="null for the hub's own messages"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("acknowledged_at", UTCDateTime, nullable=True),
    sa.Index("ix_settlement_messages_recipient_id_seq", "recipient_id", "seq"),
    sa.Index("ix_settlement_messages_dossier_id_seq", "dossier_id", "seq"),
)

settlement_blobs = sa.Table(
    "settlement_blobs",
    metadata,
    sa.Column("object_type", sa.String(16), primary_key=True, comment="referral, message or creditor_note"),
    sa.Column("object_id", identifier(36), primary_key=True),
    sa.Column("recipient_id", identifier(64), nullable=False),
    sa.Column("key_id", identifier(100), nullable=False),
    sa.Column("suite", sa.String(32), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("object_type IN ('referral', 'message', 'creditor_note')", name="object_type"),
)

settlement_deadlines = sa.Table(
    "settlement_deadlines",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("participant_id", identifier(36), sa.ForeignKey("dossier_creditors.id"), nullable=False, index=True),
    sa.Column("dossier_id", identifier(36), nullable=False),
    sa.Column("request", sa.String(32), nullable=False, comment="claim_request, proposal or reconsideration"),
    sa.Column("request_message_id", identifier(36), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("remind_at", UTCDateTime, nullable=False),
    sa.Column("reminder_sent_at", UTCDateTime, nullable=True),
    sa.Column("escalated_at", UTCDateTime, nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True, comment="answered, superseded or the dossier ended"),
    sa.Index("ix_settlement_deadlines_open", "closed_at", "remind_at"),
)


# --- Reports (issue 6): one living, versioned report per household case ---------------------------

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("case_id", identifier(36), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("municipality_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("change_seq", sa.BigInteger, nullable=False, unique=True, comment="seq of its latest change"),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("acknowledged_version", sa.Integer, nullable=False),
    sa.Column("result", sa.String(80), nullable=True, comment="DDAS Eindresultaat"),
    sa.Column("result_on", sa.Date, nullable=True),
    sa.Column("identities_warned_at", UTCDateTime, nullable=True, comment="told its sealed identities will expire"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_reports_municipality_id_change_seq", "municipality_id", "change_seq"),
    sa.CheckConstraint("state IN ('new', 'in_progress', 'closed', 'merged')", name="state"),
)

report_changes = sa.Table(
    "report_changes",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", identifier(36), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
)

report_contacts = sa.Table(
    "report_contacts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", identifier(36), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False, comment="DDAS Contactsoort"),
    sa.Column("reached", sa.Boolean, nullable=False),
    sa.Column("contacted_on", sa.Date, nullable=False),
    sa.Column("part_of_day", sa.String(16), nullable=True, comment="DDAS Dagdeel"),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)


retention_runs = sa.Table(
    "retention_runs",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("ran_at", UTCDateTime, nullable=False),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Column("signals", sa.Integer, nullable=False),
    sa.Column("tokens", sa.Integer, nullable=False),
    sa.Column("identities", sa.Integer, nullable=False, comment="sealed identities deleted unacknowledged"),
)

# --- Operations (issue 10): what the scheduler did, counted where every web process's /metrics reads it --

job_runs = sa.Table(
    "job_runs",
    metadata,
    sa.Column("job_id", identifier(64), primary_key=True),
    sa.Column("outcome", sa.String(16), primary_key=True, comment="ok or error"),
    sa.Column("runs", sa.BigInteger, nullable=False),
    sa.Column("last_run_at", UTCDateTime, nullable=False),
)

purged_rows = sa.Table(
    "purged_rows",
    metadata,
    sa.Column("kind", sa.String(32), primary_key=True, comment="what was deleted: cases, signals, tokens, ..."),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("last_purge_at", UTCDateTime, nullable=False),
)


# --- Data-subject requests (issue 7): erased cases leave a tombstone; consent expiry is warned once ---

case_erasures = sa.Table(
    "case_erasures",
    metadata,
    sa.Column("case_id", identifier(64), primary_key=True, comment="an erased case id (also those merged into it)"),
    sa.Column("erased_case_id", identifier(64), nullable=False, index=True, comment="the live case that was erased"),
    sa.Column("municipality_id", identifier(64), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("ground", sa.String(32), nullable=False, comment="AVG art. 17(1) ground the municipality named"),
    sa.Column("erased_at", UTCDateTime, nullable=False),
    sa.Column("erased_by", identifier(64), nullable=False, comment="the organisation, or the operator, that erased"),
    sa.Column("counts", sa.JSON, nullable=False, comment="what was deleted, counted per kind; nothing is listed"),
    sa.Column("evidence_seq", sa.BigInteger, nullable=False, comment="the evidence entry of the erasure"),
)

consent_expiry_warnings = sa.Table(
    "consent_expiry_warnings",
    metadata,
    sa.Column("consent_id", identifier(36), sa.ForeignKey("consent_records.id"), primary_key=True),
    sa.Column("expires_at", UTCDateTime, primary_key=True, comment="the expiry warned about; a renewal warns again"),
    sa.Column("warned_at", UTCDateTime, nullable=False),
)

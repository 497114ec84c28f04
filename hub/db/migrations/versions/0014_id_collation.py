"""id columns compared byte by byte: on PostgreSQL every column that holds an id gets COLLATE "C"
(hub/db/tables.py identifier()); SQLite already compares text byte by byte, so there it changes nothing

A collation only changes how the values compare, so PostgreSQL rebuilds each column's indexes but does not
rewrite the table. All tables change in the one transaction of this migration: no id column is ever compared
with another of a different collation.

Revision ID: 0014_id_collation
Revises: 0013_directory_generation
Create Date: 2026-11-24 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_id_collation"
down_revision: str | None = "0013_directory_generation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: (column, length), as declared with identifier() in hub/db/tables.py at this revision
ID_COLUMNS: dict[str, tuple[tuple[str, int], ...]] = {
    "convenants": (("id", 64),),
    "evidence": (("organisation_id", 64), ("key_id", 100), ("object_id", 100)),
    "job_runs": (("job_id", 64),),
    "organisations": (("id", 64),),
    "rate_windows": (("organisation_id", 64),),
    "report_changes": (("case_id", 36),),
    "request_nonces": (("key_id", 100),),
    "settlement_blobs": (("object_id", 36), ("recipient_id", 64), ("key_id", 100)),
    "case_erasures": (("case_id", 64), ("erased_case_id", 64), ("municipality_id", 64), ("erased_by", 64)),
    "cases": (("id", 36), ("municipality_id", 64), ("split_from", 36), ("merged_into", 36)),
    "consent_records": (("id", 36), ("case_id", 64), ("recorder_id", 64)),
    "convenant_parties": (("convenant_id", 64), ("organisation_id", 64)),
    "organisation_keys": (("key_id", 100), ("organisation_id", 64)),
    "outbox": (("recipient_id", 64), ("object_id", 100)),
    "referrals": (("id", 36), ("case_id", 64), ("municipality_id", 64), ("debt_help_id", 64)),
    "signals": (("id", 36), ("creditor_id", 64), ("municipality_id", 64), ("supersedes", 36)),
    "webhook_endpoints": (("id", 36), ("organisation_id", 64)),
    "case_signals": (
        ("signal_id", 36),
        ("case_id", 36),
        ("municipality_id", 64),
        ("creditor_id", 64),
        ("repeat_of", 36),
    ),
    "consent_decisions": (("organisation_id", 64), ("case_id", 64), ("consent_id", 36)),
    "consent_events": (("consent_id", 36), ("recorded_by", 64)),
    "consent_expiry_warnings": (("consent_id", 36),),
    "consent_recipients": (("consent_id", 36), ("organisation_id", 64)),
    "dossiers": (
        ("id", 36),
        ("case_id", 64),
        ("active_case_id", 64),
        ("referral_id", 36),
        ("municipality_id", 64),
        ("debt_help_id", 64),
    ),
    "link_blocks": (("signal_id", 36), ("other_signal_id", 36)),
    "report_contacts": (("case_id", 36),),
    "reports": (("case_id", 36), ("municipality_id", 64)),
    "signal_blobs": (("signal_id", 36), ("recipient_id", 64), ("key_id", 100)),
    "signal_links": (("signal_id", 36), ("target_signal_id", 36)),
    "signal_persons": (("signal_id", 36), ("person_id", 36)),
    "signal_tokens": (("signal_id", 36),),
    "webhook_deliveries": (("endpoint_id", 36),),
    "dossier_creditors": (
        ("id", 36),
        ("dossier_id", 36),
        ("creditor_id", 64),
        ("convenant_id", 64),
        ("agreed_in_advance", 64),
        ("answered_under", 64),
    ),
    "proposals": (("id", 36), ("dossier_id", 36)),
    "proposal_shares": (("proposal_id", 36), ("participant_id", 36)),
    "settlement_deadlines": (("participant_id", 36), ("dossier_id", 36), ("request_message_id", 36)),
    "settlement_messages": (
        ("id", 36),
        ("dossier_id", 36),
        ("participant_id", 36),
        ("sender_id", 64),
        ("recipient_id", 64),
    ),
}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(
            f'ALTER COLUMN {column} TYPE varchar({length}) COLLATE "{collation}"' for column, length in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")

"""The debt-help organisation's local store of the dossiers it opened (``data/dossiers.sqlite3``, mode 0600).

The hub holds a dossier's states, amounts and deadlines but no one's name; the identity of the household
(opened from the referral with our private key), the names of the creditors outside the hub, every message
the creditors sent us (opened) and every message we sent live here, at the edge. ``signaal referrals
accept`` creates the dossier; ``signaal dossiers ...`` and ``signaal settlements ...`` fill it.

Reading it (the staff portal does, read-only)::

    store = DossierStore.of(data_dir, readonly=True)   # FileNotFoundError when nothing was opened yet
    for dossier in store.dossiers():                    # LocalDossier, oldest first
        dossier.household["debtors"], dossier.household["address"], dossier.state
        store.creditors(dossier.id)                     # LocalCreditor: participant id, creditor id or name
        store.received(dossier_id=dossier.id)           # ReceivedMessage: kind, facts, opened payload
        store.sent(dossier.id)                          # Outgoing: what we sent (sealed bodies), and when

``household`` is the referral identity in wire form (``schemas.v1.settlement_payloads.ReferralIdentitySchema``:
``debtors`` [{``initials``/``first_names``, ``name_prefix``, ``surname``, ``date_of_birth``, ``phone``,
``email``}], ``address`` {``street``, ``house_number``, ``house_number_addition``, ``postcode``, ``town``},
``municipality_reference``). ``state`` is the dossier's state at the hub when we last looked
(docs/settlements.md); the hub is the authority on it. Never log what this file holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from adapters.settlement_store import SettlementStore, now

FILE_NAME: Final = "dossiers.sqlite3"

_DOSSIER_SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    id TEXT PRIMARY KEY, referral_id TEXT NOT NULL UNIQUE, case_id TEXT NOT NULL, municipality_id TEXT NOT NULL,
    household TEXT NOT NULL, state TEXT NOT NULL, opened_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS creditors (
    participant_id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL REFERENCES dossiers(id), creditor_id TEXT,
    name TEXT, reference TEXT, added_at TEXT NOT NULL,
    CHECK ((creditor_id IS NULL) <> (name IS NULL)));
CREATE INDEX IF NOT EXISTS creditors_by_dossier ON creditors (dossier_id, added_at);
CREATE TABLE IF NOT EXISTS accepting (referral_id TEXT PRIMARY KEY, household TEXT NOT NULL, opened_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class LocalDossier:
    """A dossier as we hold it: the hub's ids, the household's identity (opened), the last known state."""

    id: str
    referral_id: str
    case_id: str
    municipality_id: str
    household: dict[str, Any]
    state: str
    opened_at: str
    updated_at: str


@dataclass(frozen=True)
class LocalCreditor:
    """A creditor of a dossier: in the hub (``creditor_id``) or outside it (``name``, known only here)."""

    participant_id: str
    dossier_id: str
    creditor_id: str | None
    name: str | None
    reference: str | None
    added_at: str

    @property
    def label(self) -> str:
        """How to show it: the organisation id, or the name of a creditor outside the hub."""
        return self.creditor_id or f"{self.name} (outside the hub)"


class DossierStore(SettlementStore):
    """The debt-help organisation's store: dossiers and creditors besides the messages and the outbox."""

    schema = SettlementStore.schema + _DOSSIER_SCHEMA

    @classmethod
    def of(cls, data_dir: Path, *, readonly: bool = False) -> DossierStore:
        """The store in an organisation's data directory (``Config.data_dir``)."""
        return cls(data_dir / FILE_NAME, readonly=readonly)

    def save_dossier(self, view: Mapping[str, Any], household: Mapping[str, Any]) -> LocalDossier:
        """Record a dossier the hub opened (``DossierOut``/``DossierSummaryOut``) with the opened identity."""
        stamp = now()
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO dossiers (id, referral_id, case_id, municipality_id, household, state, opened_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "state = excluded.state, updated_at = excluded.updated_at",
                (
                    view["id"],
                    view["referral_id"],
                    view["case_id"],
                    view["municipality_id"],
                    json.dumps(dict(household)),
                    view["state"],
                    stamp,
                    stamp,
                ),
            )
        found = self.dossier(str(view["id"]))
        assert found is not None  # just written
        return found

    def stash_identity(self, referral_id: str, household: Mapping[str, Any]) -> None:
        """Keep a referral's opened identity while it is being accepted (the hub then deletes its copy)."""
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO accepting (referral_id, household, opened_at) VALUES (?, ?, ?) "
                "ON CONFLICT (referral_id) DO UPDATE SET household = excluded.household",
                (referral_id, json.dumps(dict(household)), now()),
            )

    def stashed_identity(self, referral_id: str) -> dict[str, Any] | None:
        rows = self.select("SELECT household FROM accepting WHERE referral_id = ?", (referral_id,))
        return dict(json.loads(rows[0][0])) if rows else None

    def drop_stash(self, referral_id: str) -> None:
        with self.connect() as conn:
            conn.execute("DELETE FROM accepting WHERE referral_id = ?", (referral_id,))

    def set_state(self, dossier_id: str, state: str) -> None:
        """The state the hub reported for the dossier."""
        with self.connect() as conn:
            conn.execute("UPDATE dossiers SET state = ?, updated_at = ? WHERE id = ?", (state, now(), dossier_id))

    def dossier(self, dossier_id: str) -> LocalDossier | None:
        found = self._dossiers("WHERE id = ?", (dossier_id,))
        return found[0] if found else None

    def dossiers(self) -> list[LocalDossier]:
        """Every dossier we opened, oldest first."""
        return self._dossiers("", ())

    def add_creditor(
        self,
        dossier_id: str,
        participant_id: str,
        *,
        creditor_id: str | None = None,
        name: str | None = None,
        reference: str | None = None,
    ) -> None:
        """Record a creditor added to the dossier: ``creditor_id`` in the hub, or the ``name`` of one outside."""
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO creditors (participant_id, dossier_id, creditor_id, name, reference, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (participant_id) DO NOTHING",
                (participant_id, dossier_id, creditor_id, name, reference, now()),
            )

    def remove_creditor(self, participant_id: str) -> None:
        """Forget a creditor the hub refused to add."""
        with self.connect() as conn:
            conn.execute("DELETE FROM creditors WHERE participant_id = ?", (participant_id,))

    def creditors(self, dossier_id: str) -> list[LocalCreditor]:
        """The dossier's creditors in the order they were added."""
        rows = self.select(
            "SELECT participant_id, dossier_id, creditor_id, name, reference, added_at FROM creditors "
            "WHERE dossier_id = ? ORDER BY added_at, rowid",
            (dossier_id,),
        )
        return [LocalCreditor(*row) for row in rows]

    def _dossiers(self, clause: str, args: tuple[Any, ...]) -> list[LocalDossier]:
        rows = self.select(
            "SELECT id, referral_id, case_id, municipality_id, household, state, opened_at, updated_at "  # noqa: S608 - fixed clauses
            f"FROM dossiers {clause} ORDER BY opened_at, rowid",
            args,
        )
        return [LocalDossier(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7]) for r in rows]

"""The municipality's local store: pulled report versions, the identities opened from them, outcomes.

One SQLite file, ``data/reports.sqlite3`` in the Signaal directory (``LocalStore.for_config(config)``),
created with mode 0600 (its WAL and journal files get the same mode from SQLite). It is the only place the
opened identities live: the hub deletes its sealed copy once the report version is acknowledged, which
``signaal reports pull`` does only after the version is committed here. Nothing here logs.

Read side, for the case system and the staff portal (``adapters.localviews`` has the returned types)::

    store = LocalStore.for_config(config)             # or LocalStore(path) for read-only use elsewhere
    store.list_reports(state="new", crisis_only=True)  # ReportSummary rows, crisis first
    store.household(case_id)                           # Household: every signal with its identity, links
    store.record_contact(case_id, "Telefoon", True, date, "Ochtend", recorded_by="portal:jdevries")
    store.record_result(case_id, "(Budget)advies en/of quick fix", date, recorded_by="portal:jdevries")

Recorded outcomes are ``pending`` until ``signaal outcomes push`` sends them to the hub. Every method is
one transaction; readers never block the writer (WAL). The file and its bookkeeping (cursor, webhook ids,
settings) are in ``adapters.localdb``; outcomes and referrals in ``adapters.localrecords``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from adapters import localviews as views
from adapters.localdb import StoreError, now
from adapters.localrecords import Records
from schemas.v1 import vocab

if TYPE_CHECKING:
    from adapters.config import Config

__all__ = ["STORE_FILE", "LocalStore", "StoreError"]

STORE_FILE: Final = "reports.sqlite3"
_REPORT_COLUMNS: Final = (
    "version",
    "change_seq",
    "state",
    "signal_count",
    "amount_cents",
    "sectors",
    "crisis_date",
    "warm_handover",
    "result",
    "result_on",
    "updated_at",
    "pulled_at",
)


def _date(text: Any) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(str(text))


def _without_sealed(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report without its ciphertexts: opened identities are kept apart, sealed copies are not kept."""
    copy = json.loads(json.dumps(report))
    for signal in copy["case"]["signals"]:
        signal.pop("sealed_identity", None)
    return dict(copy)


class LocalStore(Records):
    """The municipality's local store at ``path`` (created, mode 0600, when missing)."""

    @classmethod
    def for_config(cls, config: Config) -> LocalStore:
        """The store of the organisation configured in ``config`` (``<data dir>/reports.sqlite3``)."""
        return cls(config.data_dir / STORE_FILE)

    def has_version(self, case_id: str, version: int) -> bool:
        """Whether report ``case_id`` is stored at ``version`` or later."""
        with self._connect() as conn:
            row = conn.execute("SELECT version FROM reports WHERE case_id = ?", (case_id,)).fetchone()
        return row is not None and int(row["version"]) >= version

    def save_report(self, report: Mapping[str, Any], identities: Mapping[str, Mapping[str, Any]]) -> bool:
        """Store one report version (hub form, ``schemas.v1.report_api.ReportOut``) with the identities opened
        from it (wire form, by signal id). ``False`` when that version or a later one was stored already.

        Identities opened from earlier versions are kept: the hub sends each sealed identity only until the
        version holding it is acknowledged. A signal that moved to another case (a merge) moves with it.
        """
        case_id, version = str(report["id"]), int(report["version"])
        row = _report_row(report)
        with self._connect() as conn:
            if conn.execute("SELECT 1 FROM reports WHERE case_id = ? AND version >= ?", (case_id, version)).fetchone():
                return False
            _write_report(conn, report, row)
            for signal in report["case"]["signals"]:
                signal_id = str(signal["id"])
                opened = identities.get(signal_id)
                if opened is not None:
                    conn.execute(
                        "INSERT OR REPLACE INTO identities (signal_id, case_id, sector, creditor_id, identity, "
                        "opened_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (signal_id, case_id, signal["sector"], signal["creditor_id"], json.dumps(opened), row[-1]),
                    )
                elif report["state"] != "merged":
                    conn.execute("UPDATE identities SET case_id = ? WHERE signal_id = ?", (case_id, signal_id))
        return True

    def refresh(self, report: Mapping[str, Any]) -> bool:
        """Take the hub's answer to an outcome (the report with its contacts, state and result) when it is of
        the version stored; ``False`` (nothing changed) when it is of another version: the next pull
        fetches that one, with any new identities."""
        case_id, version = str(report["id"]), int(report["version"])
        with self._connect() as conn:
            if not conn.execute(
                "SELECT 1 FROM reports WHERE case_id = ? AND version = ?", (case_id, version)
            ).fetchone():
                return False
            _write_report(conn, report, _report_row(report))
        return True

    def missing_identities(self, case_id: str) -> list[str]:
        """Signal ids of the stored report ``case_id`` whose identity was never opened here."""
        report = self._report(case_id)
        with self._connect() as conn:
            known = {
                r["signal_id"] for r in conn.execute("SELECT signal_id FROM identities WHERE case_id = ?", (case_id,))
            }
        return [str(s["id"]) for s in report["case"]["signals"] if str(s["id"]) not in known]

    # -- reading -----------------------------------------------------------------------------------------

    def list_reports(
        self,
        *,
        state: str | None = None,
        crisis_only: bool = False,
        sector: str | None = None,
        open_only: bool = False,
        include_merged: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[views.ReportSummary]:
        """Household reports, crisis first (nearest crisis date first), then warm handovers, then the most
        recently changed. Filters: ``state`` (new, in_progress, closed, merged), ``crisis_only``,
        ``sector`` (a signal of that sector code, e.g. ``huur``), ``open_only`` (not closed). Merged-away
        reports are left out unless ``include_merged`` or ``state="merged"``."""
        where, params = ["1 = 1"], []
        if state is not None:
            where.append("state = ?")
            params.append(state)
        elif not include_merged:
            where.append("state != 'merged'")
        if crisis_only:
            where.append("crisis_date IS NOT NULL")
        if sector is not None:
            where.append("(',' || sectors || ',') LIKE ?")
            params.append(f"%,{sector},%")
        if open_only:
            where.append("state NOT IN ('closed', 'merged')")
        query = (
            f"SELECT * FROM reports WHERE {' AND '.join(where)} "  # noqa: S608 - fixed clauses, values bound
            "ORDER BY crisis_date IS NULL, crisis_date, warm_handover DESC, updated_at DESC, case_id "
            "LIMIT ? OFFSET ?"
        )
        with self._connect() as conn:
            rows = conn.execute(query, (*params, limit, offset)).fetchall()
            return [self._summary(conn, row) for row in rows]

    def case_ids(self, *, include_merged: bool = False) -> list[str]:
        """Every report id in the store, in the order they were first stored."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT case_id FROM reports WHERE ? OR state != 'merged' ORDER BY rowid", (include_merged,)
            ).fetchall()
        return [str(r["case_id"]) for r in rows]

    def household(self, case_id: str) -> views.Household:
        """Everything held about report ``case_id``; ``StoreError`` when it was never pulled."""
        report = self._report(case_id)
        with self._connect() as conn:
            summary = self._summary(
                conn, conn.execute("SELECT * FROM reports WHERE case_id = ?", (case_id,)).fetchone()
            )
            opened = {
                r["signal_id"]: json.loads(r["identity"])
                for r in conn.execute("SELECT signal_id, identity FROM identities WHERE case_id = ?", (case_id,))
            }
            versions = [
                r["version"]
                for r in conn.execute(
                    "SELECT version FROM report_versions WHERE case_id = ? ORDER BY version", (case_id,)
                )
            ]
        signals = [_signal_view(s, opened.get(str(s["id"]))) for s in report["case"]["signals"]]
        return views.Household(
            summary=summary,
            signals=views.crisis_first(signals),
            links=tuple(views.explain_link(link) for link in report["case"].get("links", ())),
            contacts=tuple(report.get("contacts", ())),
            outcomes=tuple(self.outcomes(case_id)),
            versions=tuple(int(v) for v in versions),
            merged_from=tuple(str(m["case_id"]) for m in report["case"].get("merged_from", ())),
        )

    def report(self, case_id: str, version: int | None = None) -> dict[str, Any]:
        """A stored report version in hub form without ciphertexts (default: the newest)."""
        return self._report(case_id, version)

    def _report(self, case_id: str, version: int | None = None) -> dict[str, Any]:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT report FROM report_versions WHERE case_id = ? AND (? IS NULL OR version = ?) "
                "ORDER BY version DESC LIMIT 1",
                (case_id, version, version),
            ).fetchone()
        if row is None:
            raise StoreError(f"report {case_id} is not in the local store; run `signaal reports pull`")
        loaded: dict[str, Any] = json.loads(row["report"])
        return loaded

    def _summary(self, conn: sqlite3.Connection, row: sqlite3.Row) -> views.ReportSummary:
        identities = [
            json.loads(r["identity"])
            for r in conn.execute(
                "SELECT identity FROM identities WHERE case_id = ? ORDER BY signal_id", (row["case_id"],)
            )
        ]
        name = postcode = None
        if identities:
            fullest = max(identities, key=lambda i: sum(len(d) for d in i["debtors"]))
            debtor = fullest["debtors"][0]
            name = " ".join(p for p in (debtor.get("initials"), debtor.get("name_prefix"), debtor["surname"]) if p)
            postcode = fullest["address"]["postcode"]
        return views.ReportSummary(
            case_id=row["case_id"],
            version=row["version"],
            state=row["state"],
            signal_count=row["signal_count"],
            amount_cents=row["amount_cents"],
            sectors=tuple(s for s in row["sectors"].split(",") if s),
            crisis_date=_date(row["crisis_date"]),
            warm_handover=bool(row["warm_handover"]),
            result=row["result"],
            result_on=_date(row["result_on"]),
            updated_at=row["updated_at"],
            pulled_at=row["pulled_at"],
            name=name,
            postcode=postcode,
        )

    def identities(self, case_id: str) -> dict[str, dict[str, Any]]:
        """The opened identities of report ``case_id``, by signal id (wire form)."""
        with self._connect() as conn:
            rows = conn.execute("SELECT signal_id, identity FROM identities WHERE case_id = ?", (case_id,))
            return {r["signal_id"]: json.loads(r["identity"]) for r in rows}


def _report_row(report: Mapping[str, Any]) -> tuple[Any, ...]:
    signals = [s for s in report["case"]["signals"] if s.get("status", "active") == "active"]
    crises = [s["crisis"]["date"] for s in signals if s.get("crisis")]
    return (
        str(report["id"]),
        int(report["version"]),
        int(report["change_seq"]),
        str(report["state"]),
        len(signals),
        sum(int(s["amount_cents"]) for s in signals),
        ",".join(sorted({str(s["sector"]) for s in signals})),
        min(crises) if crises else None,
        int(any(s.get("warm_handover") for s in signals)),
        report.get("result"),
        report.get("result_on"),
        str(report["updated_at"]),
        now(),
    )


def _write_report(conn: sqlite3.Connection, report: Mapping[str, Any], row: tuple[Any, ...]) -> None:
    """Upsert the report's summary row and the JSON of its version."""
    conn.execute(
        "INSERT INTO reports (case_id, version, change_seq, state, signal_count, amount_cents, sectors, "
        "crisis_date, warm_handover, result, result_on, updated_at, pulled_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in _REPORT_COLUMNS),
        row,
    )
    conn.execute(
        "INSERT OR REPLACE INTO report_versions (case_id, version, report, pulled_at) VALUES (?, ?, ?, ?)",
        (row[0], row[1], json.dumps(_without_sealed(report), sort_keys=True), row[-1]),
    )


def _signal_view(signal: Mapping[str, Any], identity: Mapping[str, Any] | None) -> views.SignalView:
    crisis = signal.get("crisis")
    return views.SignalView(
        signal_id=str(signal["id"]),
        creditor_id=str(signal["creditor_id"]),
        sector=str(signal["sector"]),
        ddas_sector=vocab.SECTORS.get(str(signal["sector"]), "Overige"),
        amount_cents=int(signal["amount_cents"]),
        arrears_since=dt.date.fromisoformat(signal["arrears_since"]),
        signal_date=dt.date.fromisoformat(signal["signal_date"]),
        crisis_kind=crisis["kind"] if crisis else None,
        crisis_date=dt.date.fromisoformat(crisis["date"]) if crisis else None,
        warm_handover=bool(signal.get("warm_handover")),
        status=str(signal.get("status", "active")),
        hub_state=str(signal.get("state", "")),
        repeat_of=signal.get("repeat_of"),
        identity=identity,
    )

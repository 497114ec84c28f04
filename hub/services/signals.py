"""Use cases of the signal exchange (Flow 1-2): a creditor submits sealed signals; the municipality
collects and acknowledges them and records whether it picked each up; the creditor follows its own.

The hub checks everything it can read (sector, dates, routing to a registered municipality, the keys the
blobs are sealed to, the token kinds) and stores the rest as it came: sealed blobs it cannot open and
tokens re-keyed with its own key. A batch is all-or-nothing: one bad signal rejects the batch, naming
every bad field, and nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub import crypto
from hub.db import evidence as evidence_repo
from hub.db import signals as repo
from hub.domain import signals as rules
from hub.domain.evidence import Actor
from hub.errors import Conflict, Forbidden, InvalidParam, NotFound, ValidationFailed
from hub.keys import HubKeys
from hub.services.directory_cache import DirectoryCache, DirectorySnapshot
from hub.services.matching import Matcher
from hub.services.report_changes import record_linked
from hub.services.routing import RoutingService
from schemas.v1.signal import dump_signal

#: Problem codes that tell an adapter to fetch the routing table and the directory, route and seal again.
_REFRESH_CODES = ("routing_version_stale", "routing_version_unknown", "municipality_merged")


@dataclass(frozen=True)
class SubmitResult:
    signal_id: str
    outcome: str  # "created" or "duplicate" (an identical earlier submission)
    state: str


class SignalService:
    def __init__(
        self,
        engine: Engine,
        keys: HubKeys,
        clock: Callable[[], dt.datetime],
        routing: RoutingService,
        matcher: Matcher,
        *,
        directory: DirectoryCache,
    ) -> None:
        self._engine, self._keys, self._clock, self._routing = engine, keys, clock, routing
        self._matcher, self._directory = matcher, directory

    def submit(self, actor: Actor, signals: Sequence[Mapping[str, Any]], *, prefix: str = "") -> list[SubmitResult]:
        """Store validated envelopes (``schemas.v1.signal`` loaded form) all-or-nothing.

        A signal id seen before with the same body is a duplicate (its original result is returned); with
        another body, or from another creditor, it is a 409 for the whole request.
        """
        now = self._clock()
        wire = [dump_signal(s) for s in signals]
        digests = [crypto.digest(json.dumps(w, sort_keys=True, separators=(",", ":")).encode()) for w in wire]
        ids = [w["signal_id"] for w in wire]
        with self._engine.begin() as conn:
            existing, generation = repo.seen(conn, ids)
            for index, (signal_id, digest) in enumerate(zip(ids, digests, strict=True)):
                old = existing.get(signal_id)
                if old is not None and (
                    old.creditor_id != actor.organisation_id or not crypto.equal(old.body_digest, digest)
                ):
                    raise Conflict(
                        f"Signal id {signal_id} was already used for a different signal ({prefix}{index}).",
                        code="signal_id_reused",
                    )
            fresh = [i for i, signal_id in enumerate(ids) if signal_id not in existing]
            directory = self._directory.current(conn, generation=generation) if fresh else None
            problems, codes = self._check(conn, directory, actor, [(i, wire[i]) for i in fresh], prefix)
            if problems:
                code = next((c for c in _REFRESH_CODES if c in codes), None)
                raise ValidationFailed(
                    f"{len(problems)} invalid field(s); nothing was stored.", invalid_params=problems, code=code
                )
            if directory is not None:
                self._store(conn, directory, actor, [(signals[i], wire[i], digests[i]) for i in fresh], now)
        return [
            SubmitResult(
                signal_id,
                "duplicate" if signal_id in existing else "created",
                existing[signal_id].state if signal_id in existing else "received",
            )
            for signal_id in ids
        ]

    # --- checks the hub can make on what it may read -----------------------------------------------
    def _check(
        self,
        conn: sa.Connection,
        directory: DirectorySnapshot | None,
        actor: Actor,
        items: list[tuple[int, dict[str, Any]]],
        prefix: str,
    ) -> tuple[list[InvalidParam], set[str]]:
        if directory is None:  # nothing new to check
            return [], set()
        municipalities, keys = directory.municipalities, directory.encryption_keys  # _check_blob checks the owner
        superseded = repo.find(conn, [w["supersedes"] for _, w in items if w.get("supersedes")])
        route_check = self._routing.checker(conn, directory.routing_versions)
        problems: list[InvalidParam] = []
        codes: set[str] = set()
        for index, w in items:
            at = f"{prefix}{index}." if prefix else ""

            def bad(field: str, reason: str, at: str = at) -> None:
                problems.append(InvalidParam(at + field, reason))

            if not rules.sector_allowed(actor.kind, w["sector"]):
                bad("sector", f"An organisation of kind {actor.kind} does not signal in sector {w['sector']}.")
            if any(t["kind"] == "bsn" for t in w["tokens"]) and not rules.may_carry_bsn(w["sector"]):
                bad("tokens", "Only health insurers and the CAK may send a BSN token (data minimisation).")
            routing = route_check(w["routing_version"], dt.date.fromisoformat(w["signal_date"]), w["municipality_code"])
            for problem in routing:
                bad(problem.field, problem.reason)
                codes.add(problem.code)
            municipality = municipalities.get(w["municipality_code"])
            if not routing and municipality is None:
                bad("municipality_code", f"No municipality with code {w['municipality_code']} is registered.")
            elif not routing and municipality is not None:
                # the identity's recipient follows from the routing; when that is wrong, so is this
                self._check_blob(w["sealed_identity"], municipality.id, keys, bad, "sealed_identity")
            self._check_blob(w["sealed_reference"], actor.organisation_id, keys, bad, "sealed_reference")
            old = superseded.get(w["supersedes"]) if w.get("supersedes") else None
            if w.get("supersedes") and (old is None or old.creditor_id != actor.organisation_id):
                bad("supersedes", "Supersedes must name an earlier signal of your own.")
        return problems, codes

    def _check_blob(
        self,
        blob: Mapping[str, Any],
        expected: str,
        keys: Mapping[str, Any],
        bad: Callable[[str, str], None],
        field: str,
    ) -> None:
        """The blob is sealed for ``expected`` under one of its currently valid keys of the right suite."""
        if blob["recipient"] != expected:
            bad(f"{field}.recipient", f"Sealed for {blob['recipient']}, but it must be sealed for {expected}.")
            return
        key = keys.get(blob["key_id"])
        if key is None or key.organisation_id != expected:
            bad(f"{field}.key_id", f"{blob['key_id']} is not an encryption key of {expected}; refresh the directory.")
            return
        if key.state_at(self._clock()) != "valid":
            bad(
                f"{field}.key_id",
                f"Key {blob['key_id']} is {key.state_at(self._clock())}; refresh the directory and seal again.",
            )
        elif key.suite != blob["suite"]:
            bad(f"{field}.suite", f"Key {blob['key_id']} is a {key.suite} key.")

    # --- storage -----------------------------------------------------------------------------------
    def _store(
        self,
        conn: sa.Connection,
        directory: DirectorySnapshot,
        actor: Actor,
        items: list[tuple[Mapping[str, Any], dict[str, Any], bytes]],
        now: dt.datetime,
    ) -> None:
        """Store each (loaded envelope, its wire form, body digest): the signal's row and its tokens from the
        wire form, its sealed blobs as the loaded envelope holds them (the ciphertexts as bytes, decoded once
        by the schema)."""
        if not items:
            return
        rows: list[dict[str, Any]] = []
        blobs: list[dict[str, Any]] = []
        tokens: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        token_keys = self._keys.token_keys(now)
        for loaded, w, digest in items:
            signal_id, attestations, crisis = w["signal_id"], w["attestations"], w.get("crisis") or {}
            municipality_id = directory.municipalities[w["municipality_code"]].id
            rows.append(
                {
                    "id": signal_id,
                    "creditor_id": actor.organisation_id,
                    "municipality_id": municipality_id,
                    "sector": w["sector"],
                    "status": w["status"],
                    "amount_cents": w["amount_cents"],
                    "arrears_since": dt.date.fromisoformat(w["arrears_since"]),
                    "signal_date": dt.date.fromisoformat(w["signal_date"]),
                    "periods_in_arrears": w["periods_in_arrears"],
                    "periodic_charge_cents": w["periodic_charge_cents"],
                    "crisis_kind": crisis.get("kind"),
                    "crisis_date": dt.date.fromisoformat(crisis["date"]) if crisis else None,
                    "warm_handover": w["warm_handover"],
                    **{name: dt.date.fromisoformat(value) for name, value in attestations.items()},
                    "municipality_code": w["municipality_code"],
                    "routing_version": w["routing_version"],
                    "supersedes": w.get("supersedes"),
                    "state": "received",
                    "state_reason": None,
                    "body_digest": digest,
                    "received_at": now,
                    "updated_at": now,
                }
            )
            for part, blob in (("identity", loaded["sealed_identity"]), ("reference", loaded["sealed_reference"])):
                blobs.append(
                    {
                        "signal_id": signal_id,
                        "part": part,
                        "recipient_id": blob["recipient"],
                        "key_id": blob["key_id"],
                        "suite": blob["suite"],
                        "ciphertext": blob["ciphertext"],
                    }
                )
            # under every live token key: while a retired key lives, signals stored under it still link
            tokens.extend(
                {
                    "signal_id": signal_id,
                    "kind": t["kind"],
                    "debtor": t["debtor"],
                    "created_at": now,
                    "token_hash": crypto.rekey_token(token_key, t["kind"], t["value"]),
                }
                for t in w["tokens"]
                for token_key in token_keys
            )
            events.append(
                {
                    "recipient_id": municipality_id,
                    "event_type": "signal.received",
                    "object_type": "signal",
                    "object_id": signal_id,
                    "created_at": now,
                }
            )
        ids = [r["id"] for r in rows]
        if len(rows) == 1:  # the chain's lock first, so the entry goes with the signal's rows: one round trip
            entries = evidence_repo.chain(conn, actor, "signal.submit", object_type="signal", object_ids=ids, at=now)
            repo.insert(conn, rows, blobs, tokens, events, then=[evidence_repo.group(entries)])
        else:  # a batch's COPYs run before the lock that every writer of evidence waits on
            repo.insert(conn, rows, blobs, tokens, events)
            evidence_repo.append_many(conn, actor, "signal.submit", object_type="signal", object_ids=ids, at=now)
        linked = self._matcher.link(conn, rows, tokens, now)  # household cases, in this transaction (issue 5)
        changes = [
            (reason, {linked.case_of[r["id"]] for r in rows if r["status"] == status})
            for reason, status in (("signal_added", "active"), ("signal_withdrawn", "withdrawn"))
        ]
        record_linked(conn, changes, linked.absorbed, now)  # reports

    # --- reading ----------------------------------------------------------------------------------
    def page(
        self, actor: Actor, role: str, *, after: int, limit: int, state: str | None = None
    ) -> list[dict[str, Any]]:
        """As ``role`` "creditor": the caller's own signals; as "municipality": those routed to it. By arrival."""
        with self._engine.connect() as conn:
            if role == "municipality":
                rows = repo.page(conn, municipality_id=actor.organisation_id, state=state, after=after, limit=limit)
            else:
                rows = repo.page(conn, creditor_id=actor.organisation_id, state=state, after=after, limit=limit)
            blobs = repo.blobs_of(conn, [r.id for r in rows])
        return [self._view(role, row, blobs) for row in rows]

    def one(self, actor: Actor, role: str, signal_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            row = repo.get(conn, signal_id)
            party = None if row is None else row.municipality_id if role == "municipality" else row.creditor_id
            if row is None or party != actor.organisation_id:
                raise NotFound(f"No signal {signal_id} of yours.", code="signal_unknown")
            blobs = repo.blobs_of(conn, [row.id])
        return self._view(role, row, blobs)

    def _view(self, role: str, row: Any, blobs: Mapping[tuple[str, str], Any]) -> dict[str, Any]:
        """What each side may see: the municipality its sealed identity and the facts; the creditor its
        facts, its sealed reference and the state with only the reason the law lets it learn."""
        view: dict[str, Any] = {
            c: getattr(row, c)
            for c in (
                "id",
                "seq",
                "sector",
                "status",
                "amount_cents",
                "arrears_since",
                "signal_date",
                "periods_in_arrears",
                "periodic_charge_cents",
                "warm_handover",
                "municipality_code",
                "routing_version",
                "supersedes",
                "state",
                "received_at",
            )
        }
        view["crisis"] = {"kind": row.crisis_kind, "date": row.crisis_date} if row.crisis_kind else None
        view["attestations"] = {
            name: getattr(row, name)
            for name in (
                "personal_contact_attempted",
                "debt_help_pointed_out",
                "written_reminder_sent",
                "transfer_offered",
            )
        }
        mine = "identity" if role == "municipality" else "reference"
        blob = blobs.get((row.id, mine))
        view["sealed"] = (
            None
            if blob is None
            else {
                "part": mine,
                "recipient": blob.recipient_id,
                "key_id": blob.key_id,
                "suite": blob.suite,
                "ciphertext": blob.ciphertext,
            }
        )
        if mine == "identity":
            view["creditor_id"], view["state_reason"] = row.creditor_id, row.state_reason
        else:
            view["state_reason"] = rules.creditor_reason(row.state, row.state_reason)
        return view

    # --- the municipality's side ------------------------------------------------------------------
    def acknowledge(self, actor: Actor, signal_id: str) -> dict[str, Any]:
        """The municipality has the identity: delete the sealed blob and tell the creditor it was delivered."""
        now = self._clock()
        with self._engine.begin() as conn:
            row = self._routed_to(conn, actor, signal_id)
            repo.delete_blob(conn, signal_id, "identity")
            if row.state == "received":
                repo.set_state(conn, signal_id, "delivered", None, now)
                repo.add_events(
                    conn,
                    [
                        {
                            "recipient_id": row.creditor_id,
                            "event_type": "signal.delivered",
                            "object_type": "signal",
                            "object_id": signal_id,
                            "created_at": now,
                        }
                    ],
                )
                evidence_repo.append(
                    conn, actor, "signal.acknowledge", object_type="signal", object_id=signal_id, at=now
                )
        return self.one(actor, "municipality", signal_id)

    def record_outcome(self, actor: Actor, signal_id: str, status: str) -> dict[str, Any]:
        """Picked up or not (DDAS signal status); the creditor hears the state and a lawful reason."""
        now = self._clock()
        with self._engine.begin() as conn:
            row = self._routed_to(conn, actor, signal_id)
            repo.delete_blob(conn, signal_id, "identity")
            state = rules.state_for_outcome(status)
            repo.set_state(conn, signal_id, state, None if status == rules.PICKED_UP else status, now)
            repo.add_events(
                conn,
                [
                    {
                        "recipient_id": row.creditor_id,
                        "event_type": "signal.state_changed",
                        "object_type": "signal",
                        "object_id": signal_id,
                        "created_at": now,
                    }
                ],
            )
            evidence_repo.append(conn, actor, "signal.outcome", object_type="signal", object_id=signal_id, at=now)
        return self.one(actor, "municipality", signal_id)

    def _routed_to(self, conn: sa.Connection, actor: Actor, signal_id: str) -> Any:
        row = repo.get(conn, signal_id)
        if row is None:
            raise NotFound(f"No signal {signal_id}.", code="signal_unknown")
        if row.municipality_id != actor.organisation_id:
            raise Forbidden("This signal is not routed to your municipality.", code="not_your_signal")
        return row

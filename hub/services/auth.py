"""Request authentication: HTTP Message Signatures (RFC 9421) with Ed25519, Content-Digest (RFC 9530),
a freshness window, replay protection shared through the database, and a per-organisation rate limit.

Every rejection is a 401 with its own ``code``, so a partner's adapter (and its operator) can tell a
clock problem from a revoked key from a tampered body.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from hub import crypto
from hub.db.tables import directory_generation, rate_windows, request_nonces
from hub.domain.evidence import Actor, SignedRequest
from hub.errors import TooManyRequests, Unauthenticated
from hub.services.directory_cache import DirectoryCache, DirectorySnapshot
from hub.settings import Settings
from schemas import httpsig

log = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 60
PURGE_EVERY = dt.timedelta(minutes=1)


def _reject(code: str, detail: str) -> Unauthenticated:
    return Unauthenticated(detail, code=code, headers={"WWW-Authenticate": 'Signature realm="signaalhub"'})


class Authenticator:
    def __init__(
        self, engine: Engine, settings: Settings, clock: Callable[[], dt.datetime], directory: DirectoryCache
    ) -> None:
        self._engine, self._clock, self._directory = engine, clock, directory
        self._window = dt.timedelta(seconds=settings.signature_window_seconds)
        self._rate_limit = settings.rate_limit_per_minute
        self._last_purge = clock()

    def authenticate(self, method: str, target_uri: str, headers: Mapping[str, str], body: bytes) -> Actor:
        """Verify the request's signature and return who sent it, or raise a 401 saying why."""
        signature_input, signature_header = headers.get("Signature-Input"), headers.get("Signature")
        digest_header = headers.get("Content-Digest")
        if not signature_input or not signature_header:
            raise _reject("signature_missing", "Sign the request: Signature-Input and Signature headers.")
        try:
            params = httpsig.parse_signature_input(signature_input)
            signature = httpsig.parse_signature(signature_header)
        except (httpsig.SignatureFormatError, ValueError) as exc:
            raise _reject("signature_malformed", str(exc)) from exc
        if not digest_header:
            raise _reject("signature_malformed", "The Content-Digest header is missing.")
        now = self._clock()
        snapshot = self._directory.cached
        try:
            actor, public_key = self._signer(snapshot, params.keyid, now)
        except Unauthenticated:  # refuse only on the directory as it is now: the key may be minutes old
            with self._engine.connect() as conn:
                snapshot = self._directory.current(conn)
            actor, public_key = self._signer(snapshot, params.keyid, now)
        created = dt.datetime.fromtimestamp(params.created, dt.UTC)
        if abs(now - created) > self._window:
            raise _reject(
                "signature_expired",
                f"created is outside the allowed window of {int(self._window.total_seconds())} s; check your clock.",
            )
        if not httpsig.digest_matches(digest_header, body):
            raise _reject("digest_mismatch", "Content-Digest does not match the request body.")
        base = httpsig.signature_base(method, target_uri, digest_header, params)
        if not crypto.verify_signature(public_key, signature, base):
            raise _reject("signature_invalid", "The signature does not verify with the key it names.")
        with self._consuming() as conn:
            added, count, generation = self._consume(
                conn, actor.organisation_id, params.keyid, params.nonce, created=created, now=now
            )
        # the key was looked up in this process's copy of the directory: confirm it was current when the
        # nonce was consumed, and judge again on the directory as it is if it has changed since
        if snapshot is None or snapshot.generation != generation:
            with self._engine.begin() as conn:
                current = self._directory.current(conn)
            actor, fresh_key = self._signer(current, params.keyid, now)
            if fresh_key != public_key and not crypto.verify_signature(fresh_key, signature, base):
                raise _reject("signature_invalid", "The signature does not verify with the key it names.")
        if not added:
            raise _reject("nonce_replayed", "This nonce was used before: the request is a replay.")
        self._limit(count, now)
        if now - self._last_purge > PURGE_EVERY:
            self._last_purge = now
            self.purge()
        return Actor(
            organisation_id=actor.organisation_id,
            kind=actor.kind,
            key_id=params.keyid,
            request=SignedRequest(
                method=method.upper(),
                target_uri=target_uri,
                signature_input=signature_input,
                signature=signature_header,
                content_digest=digest_header,
            ),
        )

    def _signer(self, directory: DirectorySnapshot | None, key_id: str, now: dt.datetime) -> tuple[Actor, bytes]:
        """Who signs with ``key_id`` according to ``directory`` (None: none loaded yet, nobody), or a 401."""
        key = directory.keys.get(key_id) if directory is not None else None
        org = directory.organisations.get(key.organisation_id) if directory is not None and key else None
        if key is None or org is None or key.use != "signing":
            raise _reject("key_unknown", f"No signing key {key_id!r} is registered.")
        state = key.state_at(now)
        if state == "revoked":
            raise _reject("key_revoked", f"Key {key_id!r} has been revoked.")
        if state in ("expired", "not_yet_valid"):
            raise _reject("key_expired", f"Key {key_id!r} is {state.replace('_', ' ')}.")
        if org.disabled:
            raise _reject("organisation_disabled", f"Organisation {org.id!r} is disabled.")
        return Actor(organisation_id=org.id, kind=org.kind, key_id=key_id), key.public_key

    def _consuming(self) -> contextlib.AbstractContextManager[sa.Connection]:
        """The connection ``_consume`` runs in. On PostgreSQL its one statement is a transaction of its own
        (autocommit: no BEGIN and COMMIT round trips around it); on SQLite its three share one."""
        if self._engine.dialect.name == "postgresql":
            return self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._engine.begin()

    def _consume(
        self, conn: sa.Connection, org_id: str, key_id: str, nonce: str, *, created: dt.datetime, now: dt.datetime
    ) -> tuple[bool, int, int]:
        """Record the nonce and, if it is new, count the request against the rate limit; returns whether
        the nonce was new (a second use is a replay, which counts against nobody: whoever holds a captured
        request must not be able to use up its sender's limit), the count of this organisation's requests
        in the current window (0 for a replay), and the directory's generation. PostgreSQL does all three
        in one statement (two data-modifying CTEs, the count's reading the nonce's)."""
        params = {
            "key_id": key_id,
            "nonce": nonce,
            "expires_at": max(created, now) + self._window,
            "org_id": org_id,
            "window": int(now.timestamp()) // RATE_WINDOW_SECONDS * RATE_WINDOW_SECONDS,
        }
        if conn.dialect.name == "postgresql":
            row = conn.execute(_consuming_statements("postgresql")[0], params).one()
            return bool(row[0]), int(row[1] or 0), int(row[2] or 0)
        add_nonce, count_request, generation = _consuming_statements(conn.dialect.name)
        added = conn.execute(add_nonce, params).first() is not None
        count = conn.execute(count_request, params).scalar_one() if added else 0
        return added, int(count), int(conn.execute(generation).scalar() or 0)

    def _limit(self, count: int, now: dt.datetime) -> None:
        """Past the rate limit: 429, after the request was counted (the counting transaction committed)."""
        if count > self._rate_limit:
            window = int(now.timestamp()) // RATE_WINDOW_SECONDS * RATE_WINDOW_SECONDS
            retry = window + RATE_WINDOW_SECONDS - int(now.timestamp())
            raise TooManyRequests(
                f"More than {self._rate_limit} requests this minute.",
                headers={"Retry-After": str(max(retry, 1))},
            )

    def purge(self) -> int:
        """Delete expired nonces and finished rate windows; returns how many rows went."""
        now = self._clock()
        oldest_window = int(now.timestamp()) - 2 * RATE_WINDOW_SECONDS
        with self._engine.begin() as conn:
            gone = conn.execute(request_nonces.delete().where(request_nonces.c.expires_at < now)).rowcount
            gone += conn.execute(rate_windows.delete().where(rate_windows.c.window_start < oldest_window)).rowcount
        return int(gone)


@functools.cache
def _consuming_statements(dialect: str) -> tuple[sa.Executable, ...]:
    """``Authenticator._consume``'s statements, built once: on PostgreSQL one (the nonce, the count and the
    generation); elsewhere the nonce's, the count's and the generation's. Parameters: ``key_id``, ``nonce``,
    ``expires_at``, ``org_id``, ``window``."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    add_nonce = (
        insert(request_nonces)
        .values(
            {name: sa.bindparam(name, type_=request_nonces.c[name].type) for name in ("key_id", "nonce", "expires_at")}
        )
        .on_conflict_do_nothing()
        .returning(request_nonces.c.nonce)
    )
    new_count: Any = sa.select(
        sa.bindparam("org_id", type_=rate_windows.c.organisation_id.type),
        sa.bindparam("window", type_=rate_windows.c.window_start.type),
        sa.literal(1),
    ).where(sa.true())  # SQLite needs a WHERE in INSERT ... SELECT ... ON CONFLICT, or it reads ON as a join's
    generation = sa.select(directory_generation.c.generation).scalar_subquery()
    if dialect == "postgresql":
        added_cte = add_nonce.cte("added")
        new_count = new_count.select_from(added_cte)  # a replay adds no nonce: nothing to count
    count_request = (
        insert(rate_windows)
        .from_select(["organisation_id", "window_start", "requests"], new_count)
        .on_conflict_do_update(
            index_elements=[rate_windows.c.organisation_id, rate_windows.c.window_start],
            set_={"requests": rate_windows.c.requests + 1},
        )
        .returning(rate_windows.c.requests)
    )
    if dialect != "postgresql":
        return add_nonce, count_request, sa.select(generation)
    counted_cte = count_request.cte("counted")
    return (
        sa.select(
            sa.select(sa.func.count()).select_from(added_cte).scalar_subquery(),
            sa.select(counted_cte.c.requests).scalar_subquery(),
            generation,
        ),
    )

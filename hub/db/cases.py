"""Repository for household cases: blocking, case membership, persons, link explanations, splits.

The caller owns the transaction. Blocking reads, per token of the new signal, at most ``per_token`` of
the most recent stored rows through ``ix_signal_tokens_token_hash_id``, then the cases and debtor records
of the signals found, by primary key: the work per signal depends on its tokens and their candidates,
never on the size of the store, and the plan does not depend on table statistics.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from hub.db import bulk
from hub.db.tables import case_signals, cases, link_blocks, outbox, signal_links, signal_persons, signal_tokens
from schemas.v1 import vocab

# Any fixed 64-bit number: serialises linking and corrections on PostgreSQL (SQLite's BEGIN IMMEDIATE
# already does). Lock order: the evidence chain lock first (signal.submit takes it), then this one.
_MATCH_LOCK = 0x4341534553484842


def lock(conn: sa.Connection) -> None:
    """Hold the matching lock until the transaction ends, so no two transactions link at once."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MATCH_LOCK})


@functools.lru_cache(maxsize=vocab.MAX_TOKENS_PER_SIGNAL * 2)
def token_query(token_count: int) -> sa.Select[Any]:
    """The stored rows of the tokens ``:h0``..``:h<token_count - 1>``: at most ``:per_token`` of the most
    recent rows of each, read backwards through ``ix_signal_tokens_token_hash_id``. Built once per token
    count, so SQLAlchemy's statement cache serves every later signal."""
    tokens = signal_tokens.c
    per_hash = [
        sa.select(tokens.token_hash, tokens.signal_id, tokens.debtor)
        .where(tokens.token_hash == sa.bindparam(f"h{i}", type_=sa.LargeBinary))
        .order_by(tokens.id.desc())
        .limit(sa.bindparam("per_token", type_=sa.Integer))
        .subquery()
        for i in range(token_count)
    ]
    return sa.union_all(*(sa.select(part) for part in per_hash)).subquery("hits").select()


def token_hits(conn: sa.Connection, hashes: Sequence[bytes], *, per_token: int) -> list[sa.Row[Any]]:
    """(token_hash, signal_id, debtor) of stored tokens equal to one of ``hashes``."""
    if not hashes:
        return []
    params: dict[str, Any] = {f"h{i}": token_hash for i, token_hash in enumerate(hashes)}
    return list(conn.execute(token_query(len(hashes)), {**params, "per_token": per_token}).all())


#: Most tokens per statement when blocking a whole batch.
_HITS_CHUNK = 64
#: A token hash no stored token has (they are 32 bytes): pads a statement to a power of two of tokens.
_NO_TOKEN = b""


#: ``token_query`` for an array of tokens (PostgreSQL), in the same order: by token, most recent first.
TOKEN_HITS_LATERAL = sa.text(
    """
    SELECT wanted.token_hash, recent.signal_id, recent.debtor
    FROM unnest(CAST(:hashes AS bytea[])) WITH ORDINALITY AS wanted (token_hash, n)
    CROSS JOIN LATERAL (
        SELECT t.id, t.signal_id, t.debtor FROM signal_tokens AS t
        WHERE t.token_hash = wanted.token_hash ORDER BY t.id DESC LIMIT :per_token
    ) AS recent
    ORDER BY wanted.n, recent.id DESC
    """
)


def lock_and_find(conn: sa.Connection, hashes: Collection[bytes], *, per_token: int) -> dict[bytes, list[Any]]:
    """:func:`lock`, then ``token_hits`` for many tokens at once (a batch's), by token hash, each in the
    order ``token_hits`` returns them (rows with ``token_hash``, ``signal_id`` and ``debtor``).

    PostgreSQL: one statement reads every token (an array, each read by the index; sent in binary, which
    spares psycopg escaping each hash as text), sent with the lock in one round trip. SQLite: statements of
    64 tokens, the last one a power of two (padded), so a handful of cached statements serve batches of
    every size."""
    found: dict[bytes, list[Any]] = {token_hash: [] for token_hash in hashes}
    ordered = list(found)
    if conn.dialect.name == "postgresql":
        params = {"hashes": ordered, "per_token": per_token}
        [rows] = bulk.read_many(conn, [(TOKEN_HITS_LATERAL, params)], after_locks=[_MATCH_LOCK], binary=True)
        for row in rows:
            found[bytes(row.token_hash)].append(row)
        return found
    for start in range(0, len(ordered), _HITS_CHUNK):
        chunk = ordered[start : start + _HITS_CHUNK]
        chunk += [_NO_TOKEN] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))
        for row in token_hits(conn, chunk, per_token=per_token):
            found[bytes(row.token_hash)].append(row)
    return found


@functools.cache
def records_query() -> sa.Select[Any]:
    """Case membership and facts of the signals ``:ids`` (expanding), one row per debtor record (person
    and token kinds; none for a signal whose debtors carry no person token), by primary key only."""
    member = case_signals.c
    return (
        sa.select(
            member.signal_id,
            member.case_id,
            member.municipality_id,
            member.creditor_id,
            member.signal_date,
            member.amount_cents,
            member.active,
            member.kinds,
            signal_persons.c.debtor,
            signal_persons.c.person_id,
            signal_persons.c.kinds.label("person_kinds"),
        )
        .outerjoin(signal_persons, signal_persons.c.signal_id == member.signal_id)
        .where(member.signal_id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(member.signal_id, signal_persons.c.debtor)
    )


def candidate_records(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    """``records_query`` for these signals. The caller filters on municipality and window: with the primary
    key as the only condition, no planner can prefer to scan ``case_signals``, with or without statistics."""
    if not signal_ids:
        return []
    ordered = sorted(signal_ids)
    rows: list[sa.Row[Any]] = []
    for start in range(0, len(ordered), _IDS_CHUNK):
        rows.extend(conn.execute(records_query(), {"ids": ordered[start : start + _IDS_CHUNK]}).all())
    return rows


#: Signal ids per statement (well below the bound parameters SQLite and PostgreSQL allow).
_IDS_CHUNK = 5000


def any_blocks(conn: sa.Connection) -> bool:
    """Whether a municipality ever split a case (otherwise ``blocked_pairs`` is empty for any cases)."""
    return conn.execute(sa.select(link_blocks.c.signal_id).limit(1)).first() is not None


def person_records(conn: sa.Connection, person_ids: Collection[str]) -> list[sa.Row[Any]]:
    """Every record of these persons, with its signal's household kinds."""
    query = (
        sa.select(signal_persons, case_signals.c.kinds.label("household_kinds"))
        .join(case_signals, case_signals.c.signal_id == signal_persons.c.signal_id)
        .where(signal_persons.c.person_id.in_(list(person_ids)))
    )
    return list(conn.execute(query).all())


def tokens_of(conn: sa.Connection, signal_ids: Collection[str]) -> list[sa.Row[Any]]:
    tokens = signal_tokens.c
    query: sa.Select[Any] = sa.select(tokens.signal_id, tokens.kind, tokens.debtor, tokens.token_hash).where(
        tokens.signal_id.in_(list(signal_ids))
    )
    return list(conn.execute(query).all())


def blocked_pairs(conn: sa.Connection, case_ids: Collection[str]) -> set[frozenset[str]]:
    """Pairs among ``case_ids`` that a municipality split apart (a block between two of their signals)."""
    if len(case_ids) < 2:
        return set()
    one, other = case_signals.alias("one"), case_signals.alias("other")
    query = (
        sa.select(one.c.case_id, other.c.case_id.label("other_case_id"))
        .select_from(link_blocks)
        .join(one, one.c.signal_id == link_blocks.c.signal_id)
        .join(other, other.c.signal_id == link_blocks.c.other_signal_id)
        .where(one.c.case_id.in_(list(case_ids)), other.c.case_id.in_(list(case_ids)), one.c.case_id != other.c.case_id)
    )
    return {frozenset((row.case_id, row.other_case_id)) for row in conn.execute(query)}


# --- writing -----------------------------------------------------------------------------------------


def new_case(case_id: str, municipality_id: str, at: dt.datetime, *, split_from: str | None = None) -> dict[str, Any]:
    """The row of a case opened now (``open_case``, ``add_records``)."""
    return {
        "id": case_id,
        "municipality_id": municipality_id,
        "state": "open",
        "origin": "signal" if split_from is None else "split",
        "split_from": split_from,
        "opened_at": at,
        "updated_at": at,
    }


def open_case(
    conn: sa.Connection, case_id: str, municipality_id: str, at: dt.datetime, *, split_from: str | None = None
) -> None:
    conn.execute(cases.insert(), new_case(case_id, municipality_id, at, split_from=split_from))


def add_records(
    conn: sa.Connection,
    *,
    new_cases: list[dict[str, Any]],
    members: list[dict[str, Any]],
    persons: list[dict[str, Any]],
    links: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> None:
    """What linking writes, in one go: cases, their members, persons, and (at the end of a batch) links and
    outbox events (on PostgreSQL one pipeline for a single signal's rows, COPY for a batch's)."""
    bulk.insert_groups(
        conn,
        [
            (cases, new_cases),
            (case_signals, members),
            (signal_persons, persons),
            (signal_links, links or []),
            (outbox, events or []),
        ],
    )


def touch(conn: sa.Connection, case_ids: Collection[str], at: dt.datetime) -> None:
    if case_ids:
        conn.execute(cases.update().where(cases.c.id.in_(list(case_ids))).values(updated_at=at))


def merge_cases(conn: sa.Connection, *, into: str, absorbed: str, by: str, at: dt.datetime) -> None:
    """Move every signal of ``absorbed`` into ``into``; ``absorbed`` (and what merged into it) points there."""
    conn.execute(case_signals.update().where(case_signals.c.case_id == absorbed).values(case_id=into))
    conn.execute(cases.update().where(cases.c.merged_into == absorbed).values(merged_into=into))
    conn.execute(
        cases.update()
        .where(cases.c.id == absorbed)
        .values(state="merged", merged_into=into, merged_by=by, updated_at=at)
    )


def merge_persons(conn: sa.Connection, *, into: str, absorbed: str) -> None:
    conn.execute(signal_persons.update().where(signal_persons.c.person_id == absorbed).values(person_id=into))


def move_signals(conn: sa.Connection, signal_ids: Collection[str], case_id: str) -> None:
    conn.execute(case_signals.update().where(case_signals.c.signal_id.in_(list(signal_ids))).values(case_id=case_id))


def rename_person(conn: sa.Connection, signal_ids: Collection[str], person_id: str, new_person_id: str) -> None:
    """Give the records of ``person_id`` on ``signal_ids`` a person of their own (a split)."""
    conn.execute(
        signal_persons.update()
        .where(signal_persons.c.person_id == person_id, signal_persons.c.signal_id.in_(list(signal_ids)))
        .values(person_id=new_person_id)
    )


def delete_links_between(conn: sa.Connection, moved: Collection[str], remaining: Collection[str]) -> None:
    """Forget the explanations that tie the two sides of a split together."""
    left, right = list(moved), list(remaining)
    links = signal_links.c
    conn.execute(
        signal_links.delete().where(
            sa.or_(
                sa.and_(links.signal_id.in_(left), links.target_signal_id.in_(right)),
                sa.and_(links.signal_id.in_(right), links.target_signal_id.in_(left)),
            )
        )
    )


def add_blocks(conn: sa.Connection, pairs: Iterable[tuple[str, str]], at: dt.datetime) -> None:
    """Remember that each pair must not be linked again (idempotent per pair)."""
    wanted = {tuple(sorted(pair)) for pair in pairs}
    if not wanted:
        return
    lows = list({low for low, _ in wanted})
    existing = {
        (row.signal_id, row.other_signal_id)
        for row in conn.execute(sa.select(link_blocks).where(link_blocks.c.signal_id.in_(lows)))
    }
    rows = [{"signal_id": a, "other_signal_id": b, "created_at": at} for a, b in sorted(wanted - existing)]
    if rows:
        conn.execute(link_blocks.insert(), rows)


def remove_blocks_between(conn: sa.Connection, one: Collection[str], other: Collection[str]) -> None:
    left, right = list(one), list(other)
    blocks = link_blocks.c
    conn.execute(
        link_blocks.delete().where(
            sa.or_(
                sa.and_(blocks.signal_id.in_(left), blocks.other_signal_id.in_(right)),
                sa.and_(blocks.signal_id.in_(right), blocks.other_signal_id.in_(left)),
            )
        )
    )

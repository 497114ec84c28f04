"""Blocking reads the tokens through their index and the candidates by primary key: linking one signal
never scans the store."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import cases

TOKENS: dict[str, Any] = {"h0": b"a" * 32, "h1": b"b" * 32, "h2": b"c" * 32, "per_token": 100}


def _plan(conn: sa.Connection, query: sa.Select[Any], params: dict[str, Any]) -> list[str]:
    state = query.compile(dialect=conn.dialect).construct_expanded_state(params)
    if conn.dialect.name == "sqlite":
        bound: Any = tuple(state.parameters[name] for name in state.positiontup or ())
        return [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {state.statement}", bound)]
    return [str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {state.statement}", state.parameters)]


def test_blocking_searches_the_token_index(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            # PostgreSQL picks sequential scans on tiny tables; forbid them to see that the indexes serve
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = _plan(conn, cases.token_query(3), TOKENS)
    if engine.dialect.name == "sqlite":
        token_steps = [step for step in plan if "signal_tokens" in step]
        assert token_steps == ["SEARCH signal_tokens USING INDEX ix_signal_tokens_token_hash_id (token_hash=?)"] * 3
        assert not any(step.startswith("SCAN signal_tokens") for step in plan)
    else:
        text = "\n".join(plan)
        assert "Seq Scan" not in text and text.count("ix_signal_tokens_token_hash_id") == 3


def test_candidates_are_read_by_primary_key(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = _plan(conn, cases.records_query(), {"ids": ["s1", "s2", "s3"]})
    if engine.dialect.name == "sqlite":
        assert plan == [
            "SEARCH case_signals USING INDEX sqlite_autoindex_case_signals_1 (signal_id=?)",
            "SEARCH signal_persons USING INDEX sqlite_autoindex_signal_persons_1 (signal_id=?) LEFT-JOIN",
        ]
    else:
        text = "\n".join(plan)
        assert "Seq Scan" not in text and "pk_case_signals" in text and "pk_signal_persons" in text


def test_a_batch_on_postgresql_reads_every_token_through_the_index(engine: Engine) -> None:
    """The one statement PostgreSQL links a batch with (``lock_and_find``): the tokens as an array,
    each read backwards through the index, never a scan of ``signal_tokens``."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads a batch with token_query, whose plan is checked above")
    statement = cases.TOKEN_HITS_LATERAL.text
    with engine.connect() as conn:
        # on an empty table the planner likes sequential and bitmap scans; forbid them to see that the index
        # serves each token's most recent rows in order (what it picks with statistics on a large table)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        params = {"hashes": [b"a" * 32, b"b" * 32], "per_token": 100}
        plan = "\n".join(str(row[0]) for row in conn.execute(sa.text(f"EXPLAIN {statement}"), params))
    assert "ix_signal_tokens_token_hash_id" in plan and "Index Scan Backward" in plan
    assert "Seq Scan on signal_tokens" not in plan

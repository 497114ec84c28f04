"""Blocking reads the tokens through their index: linking one signal never scans the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import cases

PARAMS: dict[str, Any] = {
    "h0": b"a" * 32,
    "h1": b"b" * 32,
    "h2": b"c" * 32,
    "municipality_id": "gm0363",
    "first": dt.date(2026, 1, 1),
    "last": dt.date(2026, 7, 1),
    "per_token": 100,
}


def _plan(conn: sa.Connection, prefix: str) -> list[str]:
    compiled = cases.blocking_query(3).compile(dialect=conn.dialect)
    values = compiled.construct_params(PARAMS)
    if conn.dialect.name == "sqlite":
        bound: Any = tuple(values[name] for name in compiled.positiontup or ())
        return [str(row[-1]) for row in conn.exec_driver_sql(f"{prefix} {compiled}", bound)]
    return [str(row[0]) for row in conn.exec_driver_sql(f"{prefix} {compiled}", values)]


def test_blocking_searches_the_token_index_and_the_case_and_person_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = _plan(conn, "EXPLAIN QUERY PLAN")
            token_steps = [step for step in plan if "signal_tokens" in step]
            assert token_steps == ["SEARCH signal_tokens USING INDEX ix_signal_tokens_token_hash_id (token_hash=?)"] * 3
            assert [step for step in plan if "case_signals" in step] == [
                "SEARCH case_signals USING INDEX sqlite_autoindex_case_signals_1 (signal_id=?)"
            ] * 3
            assert [step for step in plan if "signal_persons" in step] == [
                "SEARCH signal_persons USING INDEX sqlite_autoindex_signal_persons_1 (signal_id=?) LEFT-JOIN"
            ] * 3
        else:
            # PostgreSQL picks sequential scans on tiny tables; forbid them to see that the indexes serve
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(_plan(conn, "EXPLAIN"))
            assert "Seq Scan" not in plan
            assert plan.count("ix_signal_tokens_token_hash_id") == 3
            assert "pk_case_signals" in plan and "pk_signal_persons" in plan

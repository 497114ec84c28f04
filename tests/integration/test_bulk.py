"""hub/db/bulk.py writes rows by COPY (many), in one pipeline (a few, several tables) or by executemany, on
PostgreSQL and SQLite alike: the rows arrive as an INSERT would store them, and a failure rolls back the
caller's transaction and is raised as SQLAlchemy raises a failed statement."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from psycopg import adapters
from psycopg.types.array import ListBinaryDumper, ListDumper
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from hub.db import bulk
from hub.db.tables import metadata, organisations, outbox, signal_links, signals
from tests.support.schema import column_facts


def _org(org_id: str) -> dict[str, object]:
    now = dt.datetime(2026, 11, 24, 1, 2, 3, tzinfo=dt.UTC)
    return {"id": org_id, "name": org_id, "kind": "housing", "disabled": False, "created_at": now, "updated_at": now}


def _event(org_id: str, n: int) -> dict[str, object]:
    return {
        "recipient_id": org_id,
        "event_type": "signal.received",
        "object_type": "signal",
        "object_id": f"s{n}",
        "created_at": dt.datetime(2026, 11, 24, 1, 2, n % 60, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    }


@pytest.mark.parametrize("events", [1, 3, bulk.COPY_FROM_ROWS + 5])
def test_groups_arrive_as_inserted(engine: Engine, events: int) -> None:
    with engine.begin() as conn:
        bulk.insert_groups(
            conn,
            [
                (organisations, [_org("woonstad"), _org("energie")]),
                (outbox, [_event("woonstad", n) for n in range(events)]),
                (outbox, []),
            ],
        )
    with engine.connect() as conn:
        stored = conn.execute(sa.select(outbox.c.object_id, outbox.c.created_at).order_by(outbox.c.id)).all()
        names = conn.execute(sa.select(organisations.c.id).order_by(organisations.c.id)).scalars().all()
    assert names == ["energie", "woonstad"]
    assert [row.object_id for row in stored] == [f"s{n}" for n in range(events)]
    # the column's bind processor ran: +01:00 stored as the same instant in UTC
    assert stored[0].created_at == dt.datetime(2026, 11, 24, 0, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("events", [3, bulk.COPY_FROM_ROWS + 5])
def test_a_value_rows_share_and_one_they_do_not_are_each_processed(engine: Engine, events: int) -> None:
    """A processor's result is reused only for the object it came from: rows that share one timestamp, an
    equal one in another zone, and a later one, in runs and alternating, each arrive as their own instant
    in UTC (a result reused for the later timestamp, or for the one after it, would store the wrong one)."""
    shared = dt.datetime(2026, 11, 24, 1, 2, 3, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    other = dt.datetime(2026, 11, 24, 3, 2, 3, tzinfo=dt.timezone(dt.timedelta(hours=3)))  # the same instant
    later = dt.datetime(2026, 11, 24, 9, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    stamps = [shared, shared, other, later, shared, later] * events
    with engine.begin() as conn:
        bulk.insert_groups(
            conn,
            [
                (organisations, [_org("woonstad")]),
                (outbox, [{**_event("woonstad", n), "created_at": stamp} for n, stamp in enumerate(stamps)]),
            ],
        )
    with engine.connect() as conn:
        stored = conn.execute(sa.select(outbox.c.created_at).order_by(outbox.c.id)).scalars().all()
    assert stored == [stamp.astimezone(dt.UTC) for stamp in stamps]
    assert {str(value.utcoffset()) for value in stored} == {"0:00:00"}
    assert stored[:4] == [
        dt.datetime(2026, 11, 24, 0, 2, 3, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 24, 0, 2, 3, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 24, 0, 2, 3, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 24, 11, 0, 0, tzinfo=dt.UTC),
    ]


def _signal(n: int) -> dict[str, object]:
    day = dt.date(2026, 11, 1) + dt.timedelta(days=n % 20)
    return {
        "id": f"sig-{n:04d}",
        "creditor_id": "woonstad",
        "municipality_id": "energie",
        "sector": "housing",
        "status": "active",
        "amount_cents": 2**40 + n,  # bigint
        "arrears_since": day,
        "signal_date": day,
        "periods_in_arrears": n,  # integer
        "periodic_charge_cents": 0,
        "crisis_kind": "eviction" if n % 2 else None,
        "crisis_date": day if n % 2 else None,
        "warm_handover": n % 3 == 0,
        "personal_contact_attempted": day,
        "debt_help_pointed_out": day,
        "written_reminder_sent": day,
        "transfer_offered": day,
        "municipality_code": "0363",
        "routing_version": "2026-11",
        "supersedes": None,
        "state": "received",
        "state_reason": None,
        "body_digest": bytes([n]) * 32,
        "received_at": dt.datetime(2026, 11, 24, 1, 2, 3, n, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        "updated_at": dt.datetime(2026, 11, 24, 0, 2, 3, n, tzinfo=dt.UTC),
    }


def _link(n: int) -> dict[str, object]:
    return {
        "signal_id": f"sig-{n:04d}",
        "debtor": n % 2 if n % 3 else None,  # smallint or null
        "target_signal_id": "sig-0000",
        "target_debtor": 0,
        "level": "person",
        "score": 12.345678901234 + n,  # double precision, not rounded to a real
        "agreed": 5,
        "disagreed": 0,
        "created_at": dt.datetime(2026, 11, 24, 1, 2, 3, tzinfo=dt.UTC),
    }


def test_copy_stores_every_kind_of_value_as_an_insert_would(engine: Engine) -> None:
    """Enough rows for COPY on PostgreSQL (binary: each value sent as its column's type, nothing cast):
    every column type the hub copies (text, integers of three widths, dates, timestamps, booleans, bytes,
    doubles, nulls) reads back as given, a timestamp in another zone as the same instant."""
    count = bulk.COPY_FROM_ROWS + 5
    wanted_signals, wanted_links = [_signal(n) for n in range(count)], [_link(n) for n in range(count)]
    with engine.begin() as conn:
        bulk.insert_groups(
            conn,
            [
                (organisations, [_org("woonstad"), _org("energie")]),
                (signals, wanted_signals),
                (signal_links, wanted_links),
            ],
        )
    with engine.connect() as conn:
        stored_signals = conn.execute(sa.select(signals).order_by(signals.c.seq)).mappings().all()
        stored_links = conn.execute(sa.select(signal_links).order_by(signal_links.c.id)).mappings().all()
    assert [{name: row[name] for name in wanted_signals[0]} for row in stored_signals] == wanted_signals
    assert [{name: row[name] for name in wanted_links[0]} for row in stored_links] == wanted_links


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM_ROWS + 5])
def test_rows_may_give_their_columns_in_any_order(engine: Engine, count: int) -> None:
    """Each path sends a row's values in its statement's column order, whatever the order of the row's keys
    (the hub's token and evidence rows do not follow their table's): here sorted, reversed and as declared."""
    wanted = [_signal(n) for n in range(count)]
    orders = [sorted, reversed, list]
    given = [dict(orders[n % 3](list(row.items()))) for n, row in enumerate(wanted)]  # type: ignore[operator]
    assert list(given[0]) != list(wanted[0]) and list(given[1]) != list(wanted[1])
    with engine.begin() as conn:
        bulk.insert_groups(conn, [(organisations, [_org("woonstad"), _org("energie")]), (signals, given)])
    with engine.connect() as conn:
        stored = conn.execute(sa.select(signals).order_by(signals.c.seq)).mappings().all()
    assert [{name: row[name] for name in wanted[0]} for row in stored] == wanted


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM_ROWS + 5])
def test_rows_sent_outside_a_transaction_are_in_one_the_connection_ends(engine: Engine, count: int) -> None:
    """As ``conn.execute`` does, a write on a connection with no transaction begins one that the caller's
    rollback undoes and commit keeps (the drivers would otherwise commit on their own, or hold a transaction
    SQLAlchemy's commit does not know of)."""

    def stored() -> int:
        with engine.connect() as other:
            return other.execute(sa.select(sa.func.count()).select_from(organisations)).scalar_one()

    with engine.connect() as conn:
        bulk.insert_many(conn, organisations, [_org(f"org{n}") for n in range(count)])
        assert conn.in_transaction()
        conn.rollback()
        assert stored() == 0
        bulk.insert_many(conn, organisations, [_org(f"org{n}") for n in range(count)])
        conn.commit()
    assert stored() == count


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM_ROWS + 5])
def test_a_value_its_column_cannot_take_is_a_statement_error_and_stores_nothing(engine: Engine, count: int) -> None:
    """A timestamp without a zone (UTCDateTime refuses it) is raised as SQLAlchemy raises a parameter it
    could not process, on every path; the transaction stores nothing."""
    events = [_event("woonstad", n) for n in range(count)]
    events[-1]["created_at"] = dt.datetime(2026, 11, 24, 1, 2, 3)  # no zone: the point of the test
    with pytest.raises(sa.exc.StatementError) as raised, engine.begin() as conn:
        bulk.insert_groups(conn, [(organisations, [_org("woonstad")]), (outbox, events)])
    assert type(raised.value) is sa.exc.StatementError
    assert isinstance(raised.value.orig, ValueError)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(organisations)).scalar_one() == 0


def test_a_column_with_a_python_default_is_refused_before_any_row_is_sent(engine: Engine) -> None:
    """COPY and SQLite's executemany take every value from the rows; a default SQLAlchemy would compute per
    row is refused (a table of the test's own, never created), and none of the hub's tables has one."""
    table = sa.Table("defaults", sa.MetaData(), sa.Column("a", sa.Integer), sa.Column("b", sa.Integer, default=7))
    with pytest.raises(ValueError, match=r"defaults: .*b has a Python default"), engine.connect() as conn:
        bulk.insert_many(conn, table, [{"a": n} for n in range(bulk.COPY_FROM_ROWS + 5)])
    for each in metadata.sorted_tables:
        bulk._insert(engine.dialect, each, tuple(each.c.keys()))  # raises for a Python default


def test_copy_names_each_column_by_its_type_in_the_database(engine: Engine) -> None:
    """Binary COPY casts nothing, so the type it names for a column must be the column's own, as the
    migrations made it: checked for every column of every table (psycopg must know each name, too)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; SQLite gets executemany")
    actual = column_facts(engine, "udt_name")
    named = {
        (table.name, column): adapters.types.get_oid(name)
        for table in metadata.sorted_tables
        for column, name in zip(
            table.c.keys(), bulk.copy_types(engine.dialect, table, tuple(table.c.keys())), strict=True
        )
    }
    assert named == {key: adapters.types.get_oid(actual[key]) for key in named}


@pytest.mark.parametrize("rows", [3, bulk.COPY_FROM_ROWS + 5])
@pytest.mark.parametrize(("column", "value"), [("debtor", 2**15), ("agreed", -(2**31) - 1)])
def test_an_integer_out_of_its_columns_range_is_refused_not_wrapped(
    engine: Engine, rows: int, column: str, value: int
) -> None:
    """Binary COPY would send 40,000 for a smallint as -25,536 without a word; like an INSERT, it is a
    DataError and the transaction stores nothing."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores any integer in an integer column")
    links = [_link(n) for n in range(rows)]
    links[-1][column] = value
    with pytest.raises(sa.exc.DataError), engine.begin() as conn:
        bulk.insert_groups(
            conn,
            [
                (organisations, [_org("woonstad"), _org("energie")]),
                (signals, [_signal(n) for n in range(rows)]),
                (signal_links, links),
            ],
        )
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(signals)).scalar_one() == 0


def test_copy_names_float_types_by_their_precision() -> None:
    table = sa.Table(
        "floats", sa.MetaData(), sa.Column("a", sa.Float), sa.Column("b", sa.Float(24)), sa.Column("c", sa.Float(53))
    )
    assert bulk.copy_types(postgresql.dialect(), table, ("a", "b", "c")) == ("float8", "float4", "float8")


def test_a_failing_group_rolls_back_every_group(engine: Engine) -> None:
    with engine.begin() as conn:
        bulk.insert_groups(conn, [(organisations, [_org("woonstad")])])
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        bulk.insert_groups(
            conn, [(outbox, [_event("woonstad", 1), _event("woonstad", 2)]), (organisations, [_org("woonstad")])]
        )
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(organisations)).scalar_one() == 1


_NAMED = sa.select(organisations.c.id, organisations.c.kind).where(organisations.c.id == sa.bindparam("wanted"))
_AMONG = (
    sa.select(organisations.c.id)
    .where(organisations.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(organisations.c.id)
    .limit(5)
)
_EVENTS = sa.select(sa.func.count()).select_from(outbox)
_LOCKS = [0x7465737431, 0x7465737432]


def test_read_many_reads_after_the_locks_and_holds_them_to_the_end_of_the_transaction(engine: Engine) -> None:
    with engine.begin() as conn:
        bulk.insert_groups(conn, [(organisations, [_org("woonstad"), _org("energie")])])
    with engine.begin() as conn:
        [rows] = bulk.read_many(conn, [(_NAMED, {"wanted": "woonstad"})], after_locks=_LOCKS)
        assert [(row.id, row.kind) for row in rows] == [("woonstad", "housing")]
        if engine.dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE is its lock: nothing more to hold
            with engine.connect() as other:
                taken = other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCKS[1]}).scalar()
                other.rollback()
            assert taken is False
    if engine.dialect.name == "postgresql":  # and they end with the transaction
        with engine.connect() as other:
            assert other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCKS[1]}).scalar()


def test_read_many_fills_in_lists_and_reads_the_transactions_own_writes(engine: Engine) -> None:
    with engine.begin() as conn:
        bulk.insert_groups(conn, [(organisations, [_org("woonstad"), _org("energie"), _org("zorg")])])
    with engine.begin() as conn:
        bulk.insert_groups(conn, [(outbox, [_event("zorg", 1)])])
        among, nobody, named, events = bulk.read_many(
            conn,
            [
                (_AMONG, {"ids": ["zorg", "woonstad", "nobody"]}),
                (_AMONG, {"ids": []}),
                (_NAMED, {"wanted": "energie"}),
                (_EVENTS, {}),
            ],
        )
        assert [row.id for row in among] == ["woonstad", "zorg"]
        assert nobody == []
        assert [row.kind for row in named] == ["housing"]
        assert [tuple(row) for row in events] == [(1,)]
        conn.rollback()
    with engine.connect() as conn:  # the row was rolled back with the caller's transaction
        assert bulk.read_many(conn, [(_EVENTS, {})])[0][0][0] == 0
        assert conn.in_transaction()  # read_many began one, as conn.execute would have


def test_a_transaction_read_many_began_holds_its_locks_until_it_ends(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE")
    with engine.connect() as conn, engine.connect() as other:
        bulk.read_many(conn, [(_EVENTS, {})], after_locks=_LOCKS)
        assert conn.in_transaction()
        assert other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCKS[0]}).scalar() is False
        other.rollback()
        conn.rollback()
        assert other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCKS[0]}).scalar() is True
        other.rollback()


def test_read_many_reads_what_the_lock_holder_committed(engine: Engine) -> None:
    """The read waits for the lock and then sees what its holder committed: sent in one round trip, it
    is still a statement of its own, so its snapshot is taken after the lock is granted."""
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE")
    found: list[list[str]] = []
    with engine.connect() as holder:
        holder.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCKS[0]})
        bulk.insert_groups(holder, [(organisations, [_org("woonstad")])])

        def read() -> None:
            with engine.begin() as conn:
                [rows] = bulk.read_many(conn, [(_NAMED, {"wanted": "woonstad"})], after_locks=_LOCKS)
                found.append([row.id for row in rows])

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=0.5)
        assert reader.is_alive() and not found  # waiting for the lock
        holder.commit()
    reader.join(timeout=10)
    assert found == [["woonstad"]]


#: Byte strings through an array parameter and back, in their order (PostgreSQL).
_HASHES = sa.text(
    "SELECT h AS token_hash, n FROM unnest(CAST(:hashes AS bytea[])) WITH ORDINALITY AS w (h, n) ORDER BY n"
)


def test_read_many_in_binary_reads_the_same_rows(engine: Engine) -> None:
    """``binary`` changes only the wire format: the same rows, with the same Python values, as in text."""
    with engine.begin() as conn:
        bulk.insert_groups(conn, [(organisations, [_org("woonstad"), _org("energie")])])
    reads: list[bulk.Read] = [(_AMONG, {"ids": ["energie", "woonstad", "nobody"]}), (_NAMED, {"wanted": "woonstad"})]
    hashes = [bytes(range(32)), b'\\"{},' * 6 + b"\x00\xff", b"", bytes(range(224, 256))]
    if engine.dialect.name == "postgresql":
        reads += [(_HASHES, {"hashes": hashes}), (_HASHES, {"hashes": []})]
    with engine.begin() as conn:
        as_text = [[tuple(row) for row in rows] for rows in bulk.read_many(conn, reads, after_locks=_LOCKS)]
        in_binary = [
            [tuple(row) for row in rows] for rows in bulk.read_many(conn, reads, after_locks=_LOCKS, binary=True)
        ]
    assert in_binary == as_text
    assert in_binary[:2] == [[("energie",), ("woonstad",)], [("woonstad", "housing")]]
    if engine.dialect.name == "postgresql":
        assert in_binary[2:] == [[(h, n) for n, h in enumerate(hashes, start=1)], []]
        assert all(type(h) is bytes for h, _ in in_binary[2])


def test_read_many_in_binary_sends_a_list_as_a_binary_array(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg's ``%s`` takes a list in text, escaping each element, unless the cursor is told otherwise:
    ``binary`` must send the batch's hashes as a binary array, and only then."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no wire format to choose")
    dumped: list[str] = []
    for dumper in (ListDumper, ListBinaryDumper):
        original = dumper.dump

        def counting(self: Any, obj: Any, *, _original: Any = original, _name: str = dumper.__name__) -> Any:
            dumped.append(_name)
            return _original(self, obj)

        monkeypatch.setattr(dumper, "dump", counting)
    reads: list[bulk.Read] = [(_HASHES, {"hashes": [bytes(range(32)), b"\\{"]})]
    with engine.begin() as conn:
        in_binary = bulk.read_many(conn, reads, binary=True)
        sent_in_binary, dumped[:] = list(dumped), []
        as_text = bulk.read_many(conn, reads)
    assert (sent_in_binary, dumped) == (["ListBinaryDumper"], ["ListDumper"])
    assert [tuple(row) for row in in_binary[0]] == [tuple(row) for row in as_text[0]]
    assert [row.token_hash for row in in_binary[0]] == [bytes(range(32)), b"\\{"]

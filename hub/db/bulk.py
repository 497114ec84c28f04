"""Fewer round trips, inside the caller's transaction. Inserting many rows: by COPY on PostgreSQL (psycopg),
which the server loads as one stream, instead of one statement per row; by executemany for a few rows, and
on SQLite by the driver's own executemany. :func:`insert_groups` writes several tables' rows; on PostgreSQL
their small groups (a single signal's rows) go in one pipeline, so the server gets them together instead of
one round trip per table. :func:`read_many` sends several queries, after advisory locks, in one pipeline."""

from __future__ import annotations

import contextlib
import functools
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from psycopg.errors import NumericValueOutOfRange
from psycopg.rows import namedtuple_row
from psycopg.types.array import ListBinaryDumper
from sqlalchemy.sql.compiler import SQLCompiler

#: Fewer rows than this go by executemany: COPY costs a round trip more, which a few rows do not repay.
COPY_FROM_ROWS = 20


def insert_many(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, which all set the same columns of ``table``. The values pass the columns' bind
    processors (UTC timestamps), as an INSERT's would, and a failure is raised as SQLAlchemy raises a
    failed statement (a lost connection is an OperationalError and invalidates the connection).

    COPY goes in PostgreSQL's binary format: the server takes each value as it is stored (a timestamp as
    its 8 bytes, a ciphertext as its bytes) instead of parsing it from text, as it must for hex-encoded
    bytea and timestamps. Binary COPY casts nothing, so each value must be of its column's Python type
    (a string for a date column is a StatementError, where an INSERT would let the server cast it). An
    integer out of its column's range is a DataError, as from an INSERT: binary COPY would wrap it."""
    if conn.dialect.driver == "pysqlite":
        if rows:
            _executemany(conn, table, rows)
        return
    if len(rows) < COPY_FROM_ROWS or conn.dialect.driver != "psycopg":
        if rows:
            conn.execute(table.insert(), rows)
        return
    names = tuple(rows[0])
    types, processors = _copy_columns(conn.dialect, table, names)
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    driver = _driver_in_transaction(conn)
    with _raised_as_sqlalchemy(conn, statement), driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for values in _values(rows, names, processors):
            copy.write_row(values)


def _executemany(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """SQLite: the driver's executemany of SQLAlchemy's own INSERT for these columns, each value through its
    column's bind processor, as SQLAlchemy's executemany would send them, without building a parameter
    dictionary per row. No cursor events: the hub listens for none."""
    names = tuple(rows[0])
    compiled = _insert(conn.dialect, table, names)
    statement, positions = str(compiled), tuple(compiled.positiontup or ())
    processors = _processors(conn.dialect, table, positions)
    driver = _driver_in_transaction(conn)
    with _raised_as_sqlalchemy(conn, statement):
        driver.executemany(statement, list(_values(rows, positions, processors)))


def insert_groups(conn: sa.Connection, groups: Sequence[tuple[sa.Table, list[dict[str, Any]]]]) -> None:
    """``insert_many`` for each (table, rows), in the order given (parents before children). On PostgreSQL
    consecutive groups too small for COPY are sent in one pipeline: one round trip for all of them."""
    if conn.dialect.driver != "psycopg":
        for table, rows in groups:
            insert_many(conn, table, rows)
        return
    pending: list[tuple[sa.Table, list[dict[str, Any]]]] = []
    for table, rows in groups:
        if len(rows) >= COPY_FROM_ROWS:
            _pipelined(conn, pending)
            pending = []
            insert_many(conn, table, rows)
        elif rows:
            pending.append((table, rows))
    _pipelined(conn, pending)


def _pipelined(conn: sa.Connection, groups: Sequence[tuple[sa.Table, list[dict[str, Any]]]]) -> None:
    if len(groups) < 2:  # nothing to save
        for table, rows in groups:
            insert_many(conn, table, rows)
        return
    driver = _driver_in_transaction(conn)
    statements = [(str(_insert(conn.dialect, table, tuple(rows[0]))), table, rows) for table, rows in groups]
    with _raised_as_sqlalchemy(conn, statements[0][0]), driver.pipeline(), driver.cursor() as cursor:
        for statement, table, rows in statements:
            names = tuple(rows[0])
            processors = _processors(conn.dialect, table, names)
            cursor.executemany(
                statement, [dict(zip(names, values, strict=True)) for values in _values(rows, names, processors)]
            )


Query = sa.Select[Any] | sa.TextClause
#: A query and its parameters.
Read = tuple[Query, Mapping[str, Any]]


def read_many(
    conn: sa.Connection, reads: Sequence[Read], *, after_locks: Sequence[int] = (), binary: bool = False
) -> list[list[Any]]:
    """Take the transaction-scoped advisory locks ``after_locks`` (PostgreSQL; in that order), then run each
    of ``reads`` in turn and return the rows of each.

    On PostgreSQL all of it goes in one pipeline: one round trip (after the transaction's BEGIN, which
    psycopg sends and waits for on its own when this is the transaction's first statement). Each statement
    still starts, and a query takes its snapshot, only once the one before it has finished, so a query sent
    after a lock reads what the lock's last holder committed (which one statement doing both would not),
    and two queries may see different commits. The queries should be built once (module level): each is
    compiled on its first use and the text kept; expanding IN parameters are filled in per call. Neither
    side passes SQLAlchemy's type processing: parameters go to psycopg as given (pass no timestamps that
    need converting to UTC), and rows come as named tuples of the values psycopg reads (right for bytes,
    integers and strings; a timestamp column would not come back in UTC). ``binary``: the rows, and the
    parameters that are lists, go in PostgreSQL's binary format, as COPY does here. psycopg sends a list in
    text unless told otherwise (its ``%s`` placeholders prefer the text array dumper), escaping each
    element: for an array of byte strings (a batch's token hashes) the binary form costs the client about a
    tenth of that. The rows' values are the same Python values either way for bytes, integers and strings.
    Elsewhere (SQLite holds its write lock from BEGIN IMMEDIATE) the queries run one after another, through
    SQLAlchemy."""
    if conn.dialect.driver != "psycopg":
        return [list(conn.execute(query, dict(params)).all()) for query, params in reads]
    driver = _driver_in_transaction(conn)  # the locks end with a transaction SQLAlchemy knows of
    statements = [_compiled(conn.dialect, query).construct_expanded_state(dict(params)) for query, params in reads]
    with contextlib.ExitStack() as stack:
        stack.enter_context(_raised_as_sqlalchemy(conn, statements[0].statement if statements else ""))
        locking = stack.enter_context(driver.cursor())
        readers = [stack.enter_context(driver.cursor(row_factory=namedtuple_row)) for _ in statements]
        if binary:
            for reader in readers:
                reader.adapters.register_dumper(list, ListBinaryDumper)
        with driver.pipeline():  # its end sends everything and collects every result
            for key in after_locks:
                locking.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": key})
            for reader, state in zip(readers, statements, strict=True):
                reader.execute(state.statement, state.parameters, binary=binary)
        return [list(reader.fetchall()) for reader in readers]


@functools.lru_cache(maxsize=64)
def _compiled(dialect: sa.Dialect, query: Query) -> SQLCompiler:
    """``query`` compiled for psycopg: its text, and its own bound values (a LIMIT's) for each call."""
    return query.compile(dialect=dialect)


@functools.lru_cache(maxsize=256)
def _insert(dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]) -> SQLCompiler:
    """The INSERT SQLAlchemy would send for these columns, compiled: its text has the driver's placeholders
    (psycopg's named ones; SQLite's positional ones, whose columns ``positiontup`` lists in turn). A column
    with a default computed in Python would need a value SQLAlchemy makes per row, which these paths do not
    make (nor does COPY): such a column is refused here, before any row is sent."""
    statement = table.insert().inline().values({name: sa.bindparam(name, type_=table.c[name].type) for name in names})
    compiled = statement.compile(dialect=dialect)
    if compiled.insert_prefetch:
        computed = ", ".join(column.name for column in compiled.insert_prefetch)
        raise ValueError(f"{table.name}: bulk inserts take every value from the rows; {computed} has a Python default")
    return compiled


def _values(rows: Iterable[Mapping[str, Any]], names: Sequence[str], processors: Sequence[Any]) -> Iterator[list[Any]]:
    """Each row's values of these columns, in this order, each through its column's bind processor (if any).

    The last value of each column is remembered with its result, and a row holding that same object takes
    the result without running the processor again: a batch's rows share most of the values that need one
    (the batch's timestamp, small integers), and a processor gives the same result for the same value. The
    object is held while it is remembered, so its identity cannot pass to another object."""
    get = operator.itemgetter(*names)
    processed = [(index, process) for index, process in enumerate(processors) if process is not None]
    last: dict[int, tuple[Any, Any]] = {}
    for row in rows:
        values = list(get(row)) if len(names) > 1 else [get(row)]
        for index, process in processed:
            value, seen = values[index], last.get(index)
            if seen is not None and seen[0] is value:
                values[index] = seen[1]
            else:
                values[index] = result = process(value)
                last[index] = (value, result)
        yield values


@functools.lru_cache(maxsize=256)
def _copy_columns(
    dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """For binary COPY of these columns: their PostgreSQL type names, and each one's bind processor, with
    a range check for the integer types whose binary form would wrap an out-of-range value. A column with a
    default computed in Python is refused, as :func:`_insert` refuses it."""
    _insert(dialect, table, names)
    types = copy_types(dialect, table, names)
    processors = tuple(
        process if (limit := _INTEGER_LIMITS.get(kind)) is None else functools.partial(_in_range, limit, process)
        for kind, process in zip(types, _processors(dialect, table, names), strict=True)
    )
    return types, processors


def copy_types(dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]) -> tuple[str, ...]:
    """The PostgreSQL type names of the columns, as psycopg's registry knows them: ``VARCHAR(36)`` is
    ``varchar``, ``TIMESTAMP WITH TIME ZONE`` is ``timestamp with time zone``, ``FLOAT`` is ``float8``
    (``float4`` up to 24 bits of precision); ``VARCHAR(36) COLLATE "C"`` is ``varchar`` too (COPY sends the
    value; the column keeps its collation)."""
    return tuple(_type_name(table.c[name].type.compile(dialect=dialect).lower()) for name in names)


def _type_name(compiled: str) -> str:
    name = _TYPE_MODIFIER.sub("", _COLLATION.sub("", compiled))
    if name == "float":  # FLOAT(p): real for p up to 24, double precision above and without p
        precision = re.search(r"\((\d+)\)", compiled)
        return "float4" if precision is not None and int(precision.group(1)) <= 24 else "float8"
    return name


_TYPE_MODIFIER = re.compile(r"\(.*?\)")
_COLLATION = re.compile(r' collate "[^"]*"$')
#: Integer types whose binary COPY form (psycopg's compiled dumpers) wraps a value out of range.
_INTEGER_LIMITS = {"smallint": 2**15, "integer": 2**31}


def _in_range(limit: int, process: Any, value: Any) -> Any:
    value = value if process is None else process(value)
    if value is not None and not -limit <= value < limit:
        raise NumericValueOutOfRange(f"{value} is out of range for a column of {limit.bit_length()} bits")
    return value


@functools.lru_cache(maxsize=256)
def _processors(dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]) -> tuple[Any, ...]:
    """Each column's bind processor as SQLAlchemy's own statements use it (the dialect's form of the type)."""
    return tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)


def _driver_in_transaction(conn: sa.Connection) -> Any:
    """The driver's connection, in a transaction SQLAlchemy knows of: begun here if there is none yet, as
    ``conn.execute`` would, so that the caller's commit or rollback (or the pool's reset) covers what is
    sent through the driver (sqlite3 would otherwise commit every statement on its own; psycopg would begin
    a transaction SQLAlchemy does not know of, which ``conn.commit()`` would not commit)."""
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.driver_connection


@contextlib.contextmanager
def _raised_as_sqlalchemy(conn: sa.Connection, statement: str) -> Iterator[None]:
    """A driver error raised as SQLAlchemy raises a failed statement; a lost connection is invalidated. A
    value its column's bind processor refuses (a timestamp without a zone), or a row without one of the
    first row's columns, is a StatementError, as SQLAlchemy raises a parameter it could not process."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as error:
        if conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, None):
            conn.invalidate(error)
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi_error) from error
    except (KeyError, TypeError, ValueError) as error:
        raise sa.exc.StatementError(str(error), statement, None, error) from error

"""Inserting many rows at once, inside the caller's transaction: by COPY on PostgreSQL (psycopg), which the
server loads as one stream, instead of one statement per row; by executemany elsewhere and for a few rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: Fewer rows than this go by executemany: COPY costs a round trip more, which a few rows do not repay.
COPY_FROM_ROWS = 20


def insert_many(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, which all set the same columns of ``table``. The values pass the columns' bind
    processors (UTC timestamps), as an INSERT's would, and a failure is raised as SQLAlchemy raises a
    failed statement (a lost connection is an OperationalError and invalidates the connection)."""
    if len(rows) < COPY_FROM_ROWS or conn.dialect.driver != "psycopg":
        if rows:
            conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    processors = [table.c[name].type.bind_processor(conn.dialect) for name in names]
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    driver: Any = conn.connection.driver_connection
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        row[name] if process is None else process(row[name])
                        for name, process in zip(names, processors, strict=True)
                    ]
                )
    except dbapi_error as error:
        if conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, None):
            conn.invalidate(error)
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi_error) from error

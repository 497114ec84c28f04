"""Backups of an SQLite store with SQLite's online backup API (consistent while the hub runs).
PostgreSQL is backed up with pg_dump / pg_restore (docs/deploy.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine


class BackupError(RuntimeError):
    pass


def _sqlite_path(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise BackupError(
            "hub backup/restore handle SQLite stores; for PostgreSQL use pg_dump -Fc and pg_restore "
            "(see docs/deploy.md)"
        )
    return Path(engine.url.database)


def backup(engine: Engine, target: Path) -> int:
    """Copy the live database to ``target`` (which must not exist); returns its size in bytes."""
    source = _sqlite_path(engine)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    _check(target)
    return target.stat().st_size


def restore(engine: Engine, source: Path, *, force: bool = False) -> None:
    """Replace the configured database with ``source`` (a backup made by :func:`backup`)."""
    target = _sqlite_path(engine)
    _check(source)
    if target.exists() and target.stat().st_size > 0 and not force:
        raise BackupError(f"{target} already holds a database; stop the hub and pass --force to replace it")
    engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as backup_db, sqlite3.connect(target) as live:
        backup_db.backup(live)


def _check(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    if result is None or result[0] != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check")

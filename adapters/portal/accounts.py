"""The portal's staff accounts: a local SQLite file in the organisation's data directory.

Each account has a user name, a display name, a role (``worker``: medewerker; ``manager``: leidinggevende)
and a password hash (``werkzeug.security``, scrypt with a per-password salt). Passwords are never stored or
logged in the clear; a run of wrong passwords locks the account for a while. The file is created with
mode 0600 and lives beside the adapter's other local state.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from werkzeug.security import check_password_hash, generate_password_hash

ROLES: Final = ("worker", "manager")
MIN_PASSWORD_LENGTH: Final = 12
#: After this many wrong passwords in a row an account is locked for ``LOCK_MINUTES`` (guessing stops).
MAX_FAILED_LOGINS: Final = 5
LOCK_MINUTES: Final = 15
USERNAME: Final = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('worker', 'manager')),
    password_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL,
    last_login_at TEXT, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TEXT);
"""
# a hash to compare against when the user name is unknown, so both answers take as long
_NOBODY = generate_password_hash("not a password of anyone")


class AccountError(ValueError):
    """An account cannot be created or changed; the message says why (never the password)."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    active: bool

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


class AccountStore:
    """The accounts file; every method is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn, conn:
            yield conn

    def add(self, username: str, display_name: str, role: str, password: str) -> Account:
        """Create an account; ``AccountError`` for a taken or malformed name, an unknown role or a short password."""
        if not USERNAME.fullmatch(username):
            raise AccountError("a user name is 2 to 63 lower-case letters, digits, dots, dashes or underscores")
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        if not display_name.strip():
            raise AccountError("the display name is empty")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
        try:
            with self._connect() as conn:
                conn.execute(
                    "INSERT INTO accounts (username, display_name, role, password_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (username, display_name.strip(), role, generate_password_hash(password), _now()),
                )
        except sqlite3.IntegrityError:
            raise AccountError(f"the user name {username} is taken") from None
        return Account(username, display_name.strip(), role, True)

    def set_password(self, username: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
        with self._connect() as conn:
            changed = conn.execute(
                "UPDATE accounts SET password_hash = ? WHERE username = ?",
                (generate_password_hash(password), username),
            ).rowcount
        if not changed:
            raise AccountError(f"there is no account {username}")

    def set_active(self, username: str, active: bool) -> None:
        with self._connect() as conn:
            changed = conn.execute(
                "UPDATE accounts SET active = ? WHERE username = ?", (int(active), username)
            ).rowcount
        if not changed:
            raise AccountError(f"there is no account {username}")

    def get(self, username: str) -> Account | None:
        """The account, or None when there is none (disabled accounts are returned, with ``active`` False)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT username, display_name, role, active FROM accounts WHERE username = ?", (username,)
            ).fetchone()
        return None if row is None else Account(row[0], row[1], row[2], bool(row[3]))

    def verify(self, username: str, password: str, now: dt.datetime | None = None) -> Account | None:
        """The active account when the password is right, else None (the same for every wrong answer).

        ``MAX_FAILED_LOGINS`` wrong passwords in a row lock the account for ``LOCK_MINUTES``; while it is
        locked even the right password is refused."""
        moment = now or dt.datetime.now(dt.UTC)
        with self._connect() as conn:
            row = conn.execute(
                "SELECT username, display_name, role, active, password_hash, failed_logins, locked_until "
                "FROM accounts WHERE username = ?",
                (username.strip().lower(),),
            ).fetchone()
            if row is None:
                check_password_hash(_NOBODY, password)
                return None
            right = check_password_hash(row[4], password)
            if row[6] is not None and dt.datetime.fromisoformat(row[6]) > moment:
                return None
            if not right:
                failed = row[5] + 1
                locked = moment + dt.timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_LOGINS else None
                conn.execute(
                    "UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE username = ?",
                    (0 if locked else failed, locked.isoformat(timespec="seconds") if locked else None, row[0]),
                )
                return None
            conn.execute(
                "UPDATE accounts SET last_login_at = ?, failed_logins = 0, locked_until = NULL WHERE username = ?",
                (moment.isoformat(timespec="seconds"), row[0]),
            )
        return Account(row[0], row[1], row[2], True) if row[3] else None

    def all(self) -> list[Account]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT username, display_name, role, active FROM accounts ORDER BY username"
            ).fetchall()
        return [Account(r[0], r[1], r[2], bool(r[3])) for r in rows]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

"""The staff portal (``signaal portal``): the organisation's staff work in a browser on what its adapter holds.

The hub cannot read identities, so the portal runs at the organisation, inside the adapter, on the reports
and dossiers the adapter opened and stored locally, and talks to the hub through the adapter's signing
client. ``create_app(config)`` builds a Flask application for one organisation (one Signaal directory):
its accounts (``accounts.py``), login and sessions with CSRF protection (``auth.py``), and the sections
of the organisation's kind: a municipality's inbox and households, a debt-help organisation's dossiers, a
creditor's signals and settlements. Server-rendered Dutch pages (``templates/``); docs/portal.md is the
manual.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from adapters.config import Config
from adapters.municipality import Municipality
from adapters.portal import auth, consent_views, creditor, debthelp, errors, home, municipality, statistics, words
from adapters.portal.accounts import AccountStore
from adapters.portal.context import Portal, accounts_path

SESSION_HOURS: Final = 8
COOKIE_KEY_FILE: Final = "secret.key"


def create_app(config: Config, overrides: Mapping[str, Any] | None = None) -> Flask:
    """The portal of the organisation configured in ``config``; ``overrides`` set Flask settings (tests).

    ``ConfigError`` when a municipality's key files are missing or wrong."""
    app = Flask(__name__)
    portal = Portal(config, AccountStore(accounts_path(config)))
    app.config.update(
        SECRET_KEY=_secret_key(portal.folder / COOKIE_KEY_FILE),
        SESSION_COOKIE_NAME=f"signaal_portal_{config.organisation_id}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.config.update(overrides or {})
    app.extensions["portal"] = portal
    # the login guard first: a request without a session goes to the login page before any CSRF check
    auth.init_app(app)
    CSRFProtect(app)
    words.init_app(app)
    errors.init_app(app)
    _register_sections(app, portal.section)
    return app


def _register_sections(app: Flask, section: str) -> None:
    """Only the section of the organisation's kind exists: another kind's pages are 404."""
    app.register_blueprint(home.blp)
    if section == "municipality":
        app.extensions["portal.municipality"] = Municipality(app.extensions["portal"].config)
        app.register_blueprint(municipality.blp)
        app.register_blueprint(statistics.blp)
    elif section == "debt_help":
        app.register_blueprint(debthelp.blp)
    else:
        app.register_blueprint(creditor.blp)
    if section in ("municipality", "debt_help"):
        app.register_blueprint(consent_views.blp)


def _secret_key(path: Path) -> bytes:
    """The session signing key of this portal, made once (mode 0600) and kept in the data directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key

"""Login, logout and the guard in front of every page.

Every page except the login page and the style sheet needs a logged-in account of this portal; without
one the browser is sent to the login page (with the page it asked for, on this site only). The account
is read again on every request, so a disabled account is out at once. Roles: ``worker`` (medewerker) and
``manager`` (leidinggevende); ``manager_required`` guards what only a manager may see. Forms carry a
CSRF token (Flask-WTF); logging out is a POST for the same reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from adapters.portal.accounts import Account
from adapters.portal.context import current_portal

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_ENDPOINTS: Final = frozenset({"auth.login", "static"})

blp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type information
    username = StringField("Gebruikersnaam", validators=[DataRequired(), Length(max=63)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=200)])


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
    app.before_request(_require_login)
    app.after_request(_security_headers)


def current_account() -> Account:
    account: Account = g.account
    return account


def manager_required(view: F) -> F:
    """Only a manager (leidinggevende) may open this page; others get 403."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_account().is_manager:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, guarded)


def _require_login() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    username = session.get("username")
    account = current_portal().accounts.get(username) if isinstance(username, str) else None
    if account is None or not account.active or session.get("org") != current_portal().config.organisation_id:
        if username is not None:
            session.clear()  # a disabled or unknown account: its session ends (an anonymous one keeps its CSRF token)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    g.account = account
    return None


def _security_headers(response: Any) -> Any:
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    # pages hold personal data: no copies in shared caches or the browser's history cache
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (no scheme, no host, no ``//``)."""
    if not target:
        return url_for("home.start")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.start")
    return target


@blp.route("/inloggen", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        account = current_portal().accounts.verify(form.username.data, form.password.data)
        if account is not None:
            target = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session: nothing from before the login carries over
            session.permanent = True
            session.update(username=account.username, org=current_portal().config.organisation_id)
            return redirect(target)
        failed = True
    status = 401 if failed else 200
    return render_template("login.html", form=form, failed=failed), status


@blp.route("/uitloggen", methods=["POST"])
def logout() -> ResponseReturnValue:
    session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))

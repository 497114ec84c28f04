"""The start page: each section's first page, for the organisation's kind."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, url_for
from flask.typing import ResponseReturnValue

from adapters.portal.context import current_portal

blp = Blueprint("home", __name__)

_FIRST_PAGE = {"municipality": "municipality.inbox", "debt_help": "debthelp.dossiers", "creditor": "creditor.signals"}


@blp.route("/")
def start() -> ResponseReturnValue:
    return redirect(url_for(_FIRST_PAGE[current_portal().section]))


_MENU = {
    "municipality": (("municipality.inbox", "Meldingen", False), ("statistics.page", "Statistiek", True)),
    "debt_help": (("debthelp.dossiers", "Dossiers", False),),
    "creditor": (("creditor.signals", "Signalen", False), ("creditor.settlements", "Schuldregelingen", False)),
}


@blp.app_context_processor
def layout() -> dict[str, Any]:
    """What the layout needs on every page: the portal and the menu this account may use."""
    portal = current_portal()
    account = g.get("account")
    menu = [
        (endpoint, text)
        for endpoint, text, managers_only in _MENU[portal.section]
        if account is not None and (account.is_manager or not managers_only)
    ]
    return {"portal": portal, "menu": menu}

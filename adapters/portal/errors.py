"""Error pages in Dutch, and what the portal shows when the hub cannot be reached or refuses a request."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from adapters.client import HubClientError, HubUnreachableError

log = logging.getLogger(__name__)

_TITLES = {
    400: "Het verzoek klopt niet",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Dit kan hier niet",
    413: "Te groot",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(HubUnreachableError, _unreachable)
    app.register_error_handler(HubClientError, _refused)


def _page(status: int, title: str, text: str) -> ResponseReturnValue:
    return render_template("error.html", title=title, text=text, status=status), status


def _csrf(error: CSRFError) -> ResponseReturnValue:
    return _page(400, "Formulier verlopen", "Het formulier is verlopen of niet van deze site. Laad de pagina opnieuw.")


def _http(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    return _page(status, _TITLES.get(status, "Er ging iets mis"), "Ga terug naar de vorige pagina of naar het begin.")


def _unreachable(error: HubUnreachableError) -> ResponseReturnValue:
    log.warning("the hub is unreachable: %s", error)
    return _page(502, "De hub is niet bereikbaar", "Probeer het over een paar minuten opnieuw.")


def _refused(error: HubClientError) -> ResponseReturnValue:
    # the problem's code and status only: a problem's detail may echo what was sent
    log.warning("the hub refused a portal request: %s %s", error.status, error.code)
    if error.status == 404:
        return _page(404, _TITLES[404], "Deze gegevens bestaan niet of horen niet bij uw organisatie.")
    if error.status == 403:
        return _page(403, _TITLES[403], "De hub staat dit niet toe voor uw organisatie.")
    return _page(502, "De hub weigerde het verzoek", f"Code van de hub: {error.code}.")

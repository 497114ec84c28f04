"""The consent receipt as a page to print and give to the household: simple words, one thing at a time.

The hub signs the receipt (``GET /v1/consents/{id}/receipt``); this page says what it holds in plain Dutch
(Gereedschapskist 3.4, stress-sensitive communication): what happens, which data, how long, how to stop.
The hub's receipt id stays on the page, so the signed original can be found and verified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from adapters.portal.context import current_portal

blp = Blueprint("consent", __name__, url_prefix="/toestemming")

#: Per purpose: what happens, and which data go, in the words a household reads.
PLAIN_WORDS: Final[Mapping[str, tuple[str, str]]] = {
    "debt_help_referral": (
        "De gemeente geeft uw gegevens aan {recipients}. Zij nemen contact met u op om u te helpen met uw schulden.",
        "Uw naam, uw adres en hoe u bereikbaar bent. En welke rekeningen nog open staan.",
    ),
    "settlement_negotiation": (
        "Deze organisaties mogen samen praten over een regeling voor uw schulden: {recipients}.",
        "Wat u moet betalen, en hoeveel u per maand kunt missen.",
    ),
    "multi_creditor_notice": (
        "Deze bedrijven horen dat er meer bedrijven zijn waar u geld aan moet: {recipients}. "
        "Zo werken ze samen aan een oplossing.",
        "Alleen dát er meer zijn, en hoeveel. Niet wie, en niet hoeveel geld.",
    ),
    "fund_referral": (
        "Uw schulden worden voorgelegd aan {recipients}. Dat fonds kan uw schulden misschien overnemen.",
        "Wat u moet betalen, en het voorstel voor een regeling.",
    ),
}
METHODS: Final[Mapping[str, str]] = {"in_person": "in een gesprek", "in_writing": "op papier", "digital": "digitaal"}


def _day(text: str | None) -> dt.date | None:
    return None if not text else dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()


@blp.route("/<consent_id>/bon")
def receipt(consent_id: str) -> ResponseReturnValue:
    document = current_portal().client().get(f"/v1/consents/{consent_id}/receipt").json()
    body = document["receipt"]
    names = [r["name"] for r in body["recipients"]]
    recipients = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
    what, data = PLAIN_WORDS.get(body["purpose"]["id"], (body["purpose"]["description"], body["purpose"]["data"]))
    return render_template(
        "consent_receipt.html",
        body=body,
        what=what.format(recipients=recipients),
        data=data,
        recorder=body["recorded_by"]["name"],
        method=METHODS.get(body["method"], body["method"]),
        given_on=_day(body["given_at"]),
        until=_day(body["expires_at"]),
        withdrawn_on=_day(body.get("withdrawn_at")),
    )

"""End to end in headless Chromium: a municipality's worker logs in, pulls the inbox, opens a household,
records a contact attempt, refers the household to debt help (printing the consent receipt) and closes
the report; the debt counsellor accepts the referral, asks the creditors for their claims and sends a
settlement proposal after seeing the shares; a creditor sees the proposal waiting for its answer.
Screenshots are kept as test artefacts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.portal.world import PASSWORD, World, build_world, claim_statement, more_households

#: Inputs, selects and text areas without an accessible name (a label, aria-label or aria-labelledby).
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.name)"""


FIRST_FOCUSABLE = """() => document.querySelector('a[href], button, input:not([type=hidden]), select, textarea')
  .textContent.trim()"""


@pytest.fixture
def world(app: Flask, database_url: str, tmp_path: Path) -> Iterator[World]:
    with build_world(app, database_url, tmp_path) as built:
        yield built


def text(locator: Any) -> str:
    """What a locator shows, with no-break spaces (between the euro sign and the amount) as spaces."""
    return str(locator.inner_text()).replace("\xa0", " ")


def _press(page: Any, name: str) -> None:
    """Press a button that submits a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _login(page: Any, base: str, username: str) -> None:
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    _press(page, "Inloggen")
    assert "/inloggen" not in page.url.removeprefix(base)


def test_municipality_worker_and_debt_counsellor_click_through(
    world: World, chromium: Any, artifacts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    municipality, debt_help = world.municipality, world.debt_help
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()

    # not logged in: the inbox sends us to the login page
    page.goto(f"{municipality.url}/gemeente/meldingen")
    assert "/inloggen?next=/gemeente/meldingen" in page.url
    page.screenshot(path=artifacts / "01-login.png", full_page=True)
    # with the keyboard alone: the user name has the focus, Tab goes to the password, Enter logs in
    page.keyboard.type("jdevries")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/gemeente/meldingen")

    # keyboard: the skip link comes first in the tab order, and Enter on it moves the focus to the content
    assert page.evaluate(FIRST_FOCUSABLE) == "Naar de inhoud"
    page.locator("a.skip").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"

    _press(page, "Nieuwe meldingen ophalen")
    assert "nieuwe of gewijzigde meldingen opgehaald" in text(page.locator(".flash"))
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Meer" in text(rows.nth(0)) and "vóór" in text(rows.nth(0))  # crisis first
    page.screenshot(path=artifacts / "02-inbox.png", full_page=True)

    page.get_by_label("Sector").select_option("water")
    _press(page, "Filteren")
    assert page.locator("tbody tr").count() == 2
    page.get_by_label("Alleen met dreigende afsluiting of ontruiming").check()
    _press(page, "Filteren")
    assert page.locator("tbody tr").count() == 1

    with page.expect_navigation():
        page.get_by_role("link", name="P.C. van der Meer").click()
    household = text(page.locator("main"))
    assert "eneco" in household and "vitens" in household and "woonstad" in household
    assert "Afsluiting dreigt" in household and "Nadiakade 126" in household
    assert "Gekoppeld als" in household
    assert page.evaluate(UNLABELLED) == []
    page.screenshot(path=artifacts / "03-household.png", full_page=True)

    page.get_by_label("Soort contact").select_option("Telefoon")
    page.get_by_role("radio", name="Ja").check()
    page.get_by_label("Dagdeel").select_option("Ochtend")
    _press(page, "Contact vastleggen")
    assert "Het contact is vastgelegd en doorgegeven aan de hub." in text(page.locator(".flash"))
    assert "Telefoon: bereikt (ochtend)" in text(page.locator("#uitkomsten ~ table").first)

    page.get_by_label("Schuldhulpverlener").select_option(debt_help.org_id)
    page.get_by_role("radio", name="In een gesprek").check()
    page.get_by_label("De inwoner weet wat er wordt doorgegeven").check()
    _press(page, "Verwijzen")
    receipt = text(page.locator("main"))
    assert "Uw toestemming" in receipt and f"Test {debt_help.org_id}" in receipt
    assert "Het stopt dan meteen." in receipt
    page.emulate_media(media="print")
    assert not page.locator(".top").is_visible() and not page.locator(".flash").is_visible()
    page.screenshot(path=artifacts / "04-consent-receipt-print.png", full_page=True)
    page.emulate_media(media="screen")

    page.go_back()
    page.reload()
    page.get_by_label("Eindresultaat").select_option("Vervolghulp en/of verwijzing financieel")
    _press(page, "Eindresultaat vastleggen")
    assert "doorgegeven aan de hub" in text(page.locator(".flash"))
    closed = text(page.locator("main"))
    assert "Verwezen naar shv-test" in closed and "Dit huishouden is al verwezen." in closed
    assert "Bewijs van toestemming voor verwijzing naar schuldhulpverlening" in closed
    page.screenshot(path=artifacts / "05-household-closed.png", full_page=True)
    context.close()

    # the debt counsellor
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{debt_help.url}/")
    _login(page, debt_help.url, "avries")
    assert page.url.endswith("/schuldhulp/dossiers")
    _press(page, "Verwijzing aannemen")
    assert "Dossier P.C. van der Meer" in text(page.locator("h1"))
    _press(page, "Schuldeisers uit de melding toevoegen")
    assert "3 schuldeisers uit de melding staan in het dossier." in text(page.locator(".flash"))
    for creditor in ("eneco", "vitens", "woonstad"):
        page.get_by_role("checkbox", name=creditor).check()
    _press(page, "Saldoverzoek versturen")
    assert "Saldoverzoek verstuurd aan 3 schuldeiser(s)." in text(page.locator(".flash"))
    page.screenshot(path=artifacts / "06-dossier-claim-requests.png", full_page=True)

    claim_statement(world, world.energy, 120_000)
    claim_statement(world, world.water, 60_000)
    claim_statement(world, world.landlord, 120_000)
    page.reload()
    assert text(page.locator("#schuldeisers ~ table").first).count("Opgegeven") == 3
    page.get_by_label("Afloscapaciteit per maand").fill("50")
    page.get_by_label("Looptijd (maanden)").fill("18")
    _press(page, "Aandelen berekenen")
    shares = text(page.locator("table"))
    # € 900 offered over € 3.000 of claims: 30% each, pro rata
    assert shares.count("€ 360,00") == 2 and "€ 180,00" in shares and shares.count("30,00%") == 3
    page.screenshot(path=artifacts / "07-proposal-shares.png", full_page=True)
    _press(page, "Betaalvoorstel versturen")
    sent = text(page.locator(".flash"))
    assert "Het betaalvoorstel is verstuurd (30,00% van de vorderingen)." in sent
    assert "1 schuldeiser(s) gingen direct akkoord onder hun convenant." in sent
    dossier = text(page.locator("main"))
    assert "Voorstel verstuurd" in dossier and "Convenant Water" in dossier and "Akkoord (onder convenant)" in dossier
    page.screenshot(path=artifacts / "08-proposal-sent.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Bewijs van toestemming voor een schuldregeling").click()
    assert "Uw toestemming" in text(page.locator("h1"))
    agreed = text(page.locator("main"))
    assert "Deze organisaties mogen samen praten over een regeling voor uw schulden" in agreed
    assert "Test eneco, Test vitens en Test woonstad" in agreed
    context.close()

    # the housing corporation sees the proposal waiting for its answer
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{world.housing.url}/schuldeiser/schuldregelingen")
    _login(page, world.housing.url, "kdijk")
    _press(page, "Berichten ophalen")
    assert "nieuwe berichten van schuldhulpverleners opgehaald" in text(page.locator(".flash"))
    waiting = text(page.locator("table").first)
    assert "Betaalvoorstel" in waiting and "€ 360,00" in waiting and debt_help.org_id in waiting
    page.screenshot(path=artifacts / "09-creditor-waiting.png", full_page=True)
    context.close()

    # the municipality's manager reads the month's figures
    more_households(world, 12)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{municipality.url}/gemeente/statistiek")
    _login(page, municipality.url, "mbakker")
    assert page.locator("svg rect").count() >= 1
    page.screenshot(path=artifacts / "10-statistics.png", full_page=True)
    context.close()

    # the portals and the hub logged requests, never the people behind them
    for personal in ("Meer", "Nadiakade", "4110", "1974-06-17", "EN-4471", "Jansen"):
        assert personal not in caplog.text

"""Who reaches what in the portal: every page needs a login of this organisation's portal, forms need
their CSRF token, roles limit the statistics, and one organisation's staff never reach another's data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from adapters.cli import cli as signaal_cli
from tests.portal.world import PASSWORD, World, build_world, more_households, push_housing_sample
from tests.support.signaal import run


@pytest.fixture
def world(app: Flask, database_url: str, tmp_path: Path) -> World:
    with build_world(app, database_url, tmp_path) as built:
        yield built


def _login(client: FlaskClient, username: str, password: str = PASSWORD) -> int:
    page = client.get("/inloggen")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token is not None, page.text
    answer = client.post("/inloggen", data={"csrf_token": token[1], "username": username, "password": password})
    return answer.status_code


def _token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found[1]


def test_every_page_of_every_portal_redirects_to_login_without_a_session(world: World) -> None:
    for org in world.orgs():
        assert org.app is not None
        client = org.app.test_client()
        rules = [r for r in org.app.url_map.iter_rules() if r.endpoint not in ("static", "auth.login")]
        assert len(rules) >= 3, org.org_id
        for rule in rules:
            path = rule.build({name: "x" for name in rule.arguments}, append_unknown=False)[1]
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                answer = client.open(path, method=method)
                assert answer.status_code == 302, (org.org_id, method, path, answer.status_code)
                assert answer.headers["Location"].startswith("/inloggen"), (method, path)


def test_login_sessions_csrf_and_roles(world: World) -> None:
    app = world.municipality.app
    assert app is not None
    client = app.test_client()
    assert _login(client, "jdevries", "wrong password here") == 401
    answer = client.get("/gemeente/meldingen")
    assert answer.status_code == 302 and "next=/gemeente/meldingen" in answer.headers["Location"]
    assert _login(client, "jdevries") == 302
    inbox = client.get("/gemeente/meldingen")
    assert inbox.status_code == 200 and "Meldingen van huishoudens" in inbox.text
    assert inbox.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in inbox.headers["Content-Security-Policy"]
    # a form without its CSRF token changes nothing
    assert client.post("/gemeente/meldingen/ophalen").status_code == 400
    # statistics are for managers
    assert client.get("/gemeente/statistiek").status_code == 403
    assert "Statistiek" not in inbox.text
    logout = client.post("/uitloggen", data={"csrf_token": _token(client, "/gemeente/meldingen")})
    assert logout.status_code == 302
    assert client.get("/gemeente/meldingen").status_code == 302

    more_households(world, 12)
    manager = app.test_client()
    assert _login(manager, "mbakker") == 302
    stats = manager.get("/gemeente/statistiek")
    assert stats.status_code == 200, stats.text
    assert "<svg" in stats.text and "Signalen per sector per maand" in stats.text
    # 13 energy signals this month draw a bar; the 2 water signals are suppressed (under ten)
    assert re.search(r"<title>[a-z]{3} \d{4}, Energie: 1[3-9]</title>", stats.text), stats.text
    assert "Water:" not in stats.text and "minder dan 10" in stats.text
    # an open redirect is refused: after login the portal stays on its own site
    other = app.test_client()
    other.get("/inloggen")
    token = _token(other, "/inloggen")
    answer = other.post(
        "/inloggen?next=//evil.example/x", data={"csrf_token": token, "username": "jdevries", "password": PASSWORD}
    )
    assert answer.headers["Location"] == "/"


def test_a_worker_of_one_organisation_cannot_reach_another_organisations_data(world: World) -> None:
    own, neighbour = world.municipality, world.neighbour
    assert own.app is not None and neighbour.app is not None
    mine = own.app.test_client()
    assert _login(mine, "jdevries") == 302
    mine.post("/gemeente/meldingen/ophalen", data={"csrf_token": _token(mine, "/gemeente/meldingen")})
    inbox = mine.get("/gemeente/meldingen").text
    case_ids = re.findall(r"/gemeente/huishoudens/([0-9a-f-]{36})", inbox)
    assert case_ids, inbox
    assert "Meer" in inbox
    district = mine.get("/gemeente/meldingen?wijk=4111").text
    assert "Jansen" in district and "Meer" not in district

    theirs = neighbour.app.test_client()
    # our accounts do not exist at the neighbour's portal, and our session does not carry over
    assert _login(theirs, "jdevries") == 401
    for cookie in (mine.get_cookie(f"signaal_portal_{own.org_id}"),):
        assert cookie is not None
        theirs.set_cookie(f"signaal_portal_{neighbour.org_id}", cookie.value)
    assert theirs.get("/gemeente/meldingen").status_code == 302
    assert _login(theirs, "pvisser") == 302
    theirs.post("/gemeente/meldingen/ophalen", data={"csrf_token": _token(theirs, "/gemeente/meldingen")})
    assert "Meer" not in theirs.get("/gemeente/meldingen").text
    for case_id in case_ids:
        assert theirs.get(f"/gemeente/huishoudens/{case_id}").status_code == 404
        token = _token(theirs, "/gemeente/meldingen")
        split = theirs.post(f"/gemeente/huishoudens/{case_id}/splitsen", data={"csrf_token": token})
        assert split.status_code == 404
    # the hub itself refuses the neighbour's client another municipality's case
    refused = neighbour.config.client().request("GET", f"/v1/municipality/cases/{case_ids[0]}", expect=(404,))
    assert refused.status_code == 404
    # a municipality's portal has no debt-help or creditor pages
    assert theirs.get("/schuldhulp/dossiers").status_code == 404
    assert theirs.get("/schuldeiser/signalen").status_code == 404


def test_creditor_sees_the_state_of_its_signals_and_waiting_settlements(world: World) -> None:
    push_housing_sample(world)
    app = world.housing.app
    assert app is not None
    client = app.test_client()
    assert _login(client, "kdijk") == 302
    page = client.get("/schuldeiser/signalen").text
    assert "housing-corporation.csv" in page
    refreshed = client.post(
        "/schuldeiser/signalen/vernieuwen", data={"csrf_token": _token(client, "/schuldeiser/signalen")}
    )
    assert refreshed.status_code == 302
    page = client.get("/schuldeiser/signalen").text
    assert "Ontvangen door de hub" in page
    settlements = client.get("/schuldeiser/schuldregelingen")
    assert settlements.status_code == 200 and "Er wacht niets op uw antwoord." in settlements.text


def test_split_and_merge_go_to_the_hub_and_the_manager_downloads_the_ddas_delivery(world: World) -> None:
    app = world.municipality.app
    assert app is not None
    client = app.test_client()
    assert _login(client, "mbakker") == 302
    client.post("/gemeente/meldingen/ophalen", data={"csrf_token": _token(client, "/gemeente/meldingen")})
    inbox = client.get("/gemeente/meldingen?sector=energie").text
    [case_id] = re.findall(r"/gemeente/huishoudens/([0-9a-f-]{36})", inbox)
    page = f"/gemeente/huishoudens/{case_id}"
    # leaving no signal behind is refused by the form, before the hub is asked
    every = [world.signals[k] for k in ("meer-energy", "meer-water", "meer-rent")]
    refused = client.post(f"{page}/splitsen", data={"csrf_token": _token(client, page), "split-signal_ids": every})
    assert refused.status_code == 422 and "Laat minstens" in refused.text
    split = client.post(
        f"{page}/splitsen", data={"csrf_token": _token(client, page), "split-signal_ids": [world.signals["meer-rent"]]}
    )
    assert split.status_code == 302
    new_case = split.headers["Location"].rsplit("/", 1)[1]
    assert new_case != case_id
    assert "woonstad" in client.get(f"/gemeente/huishoudens/{new_case}").text
    assert "woonstad" not in client.get(page).text
    merged = client.post(f"{page}/samenvoegen", data={"csrf_token": _token(client, page), "merge-case_id": new_case})
    assert merged.status_code == 302
    assert "woonstad" in client.get(page).text

    month = dt.date.today().strftime("%Y-%m")
    download = client.get(f"/gemeente/statistiek/ddas?maand={month}")
    assert download.status_code == 200, download.text
    assert "attachment" in download.headers["Content-Disposition"]
    delivery = download.json["leveringen"][0]
    assert delivery["gemeentecode"] == world.municipality.org_id.removeprefix("gm")
    assert len(delivery["vroegsignalen"]) >= 4
    assert client.get("/gemeente/statistiek/ddas?maand=2026-13").status_code == 400


def test_accounts_are_managed_with_signaal_portal_user(world: World) -> None:
    org = world.debt_help
    assert org.app is not None
    home = ["--dir", str(org.home)]
    listed = run("portal", "user", "list", *home)
    assert listed.exit_code == 0 and "avries\tworker" in listed.output
    assert run("portal", *home, "user", "list").output == listed.output  # --dir given to `portal` itself
    short = CliRunner().invoke(
        signaal_cli, ["portal", "user", "add", *home, "kort", "--name", "Kort", "--password-stdin"], input="kort\n"
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    client = org.app.test_client()
    assert _login(client, "avries") == 302
    assert client.get("/schuldhulp/dossiers").status_code == 200
    assert run("portal", "user", "disable", *home, "avries").exit_code == 0
    # a disabled account is out at its next click, and cannot log in again
    assert client.get("/schuldhulp/dossiers").status_code == 302
    assert _login(client, "avries") == 401

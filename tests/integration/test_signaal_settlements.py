"""End to end on loopback: a debt-help organisation and three creditors, each set up with ``signaal init``,
negotiate a settlement with the ``signaal`` command against a live hub, from the referral to the agreement.

A housing corporation, an energy supplier and a health insurer push one row each about the same household
(copied from the sample exports); the municipality refers the case with the identity re-sealed for the
debt-help organisation. Everything after that is the CLI: the counsellor accepts the referral, adds the
creditors, sends notices and claim requests, records a creditor outside the hub, computes and sends the
proposal; the creditors read their inbox and answer from the command line and from CSV and JSON-lines files
(a messy row is reported by line and field); the energy supplier counters, is asked to reconsider and
accepts; the counsellor records the agreement. Nothing personal reaches the console unless asked for.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from adapters import crypto, keyfiles
from adapters.cli import cli
from adapters.client import HubClient, HubUnreachableError
from adapters.config import load_config
from adapters.dossiers import DossierStore
from adapters.push import file_digest, signal_id_for
from adapters.report import read_report
from adapters.settlements import seal_part
from adapters.signals import RecipientKey
from hub.domain.routing_files import parse
from schemas.v1.routing import RoutingTable
from schemas.v1.settlement_payloads import payload_schema
from tests.support.chain import SAMPLE_ROUTING, Chain, Party
from tests.support.servers import serve
from tests.support.settlement import new_id, record_consent
from tests.support.signaal import Partner, reading_of, sample, set_up_partner

#: One household found at three creditors in the sample exports (postcode 2490SX, number 150).
ROWS = {"housing": 14, "energy": 36, "health_insurer": 16}
ORGS = {"housing": "woonstad", "energy": "eneco", "health_insurer": "zk-vgz"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class World:
    app: Flask
    chain: Chain
    municipality: Party
    bank: Partner
    creditors: dict[str, Partner]  # by kind
    case_id: str
    household: dict[str, Any]
    tmp_path: Path

    def signaal(self, partner: Partner, *args: str, input: str | None = None) -> Result:
        """``signaal GROUP COMMAND --dir HOME ARGS`` for ``partner``, in-process."""
        return CliRunner().invoke(cli, [args[0], args[1], "--dir", str(partner.home), *args[2:]], input=input)


def _one_row_export(tmp_path: Path, kind: str) -> Path:
    """The sample export's header and the household's row, as the creditor's ERP would write them."""
    lines = sample(kind).read_bytes().splitlines(keepends=True)
    target = tmp_path / "exports" / f"{kind}{sample(kind).suffix}"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(lines[0] + lines[ROWS[kind] - 1])
    return target


def _household(kind: str) -> dict[str, Any]:
    """The identity as the municipality holds it (wire form), without the creditor's reference or a BSN."""
    row = next(r for r in reading_of(kind).rows if r.line == ROWS[kind])
    wire: dict[str, Any] = payload_schema("referral.identity").dump(
        {"debtors": row.identity["debtors"], "address": row.identity["address"]}
    )
    return wire


def _recipient(party: Party, org_id: str) -> RecipientKey:
    directory = party.client.get("/v1/directory").json["organisations"]
    [key] = next(o for o in directory if o["id"] == org_id)["encryption_keys"]
    return RecipientKey(org_id, key["key_id"], key["suite"], base64.b64decode(key["public_key"]))


@pytest.fixture
def world(app: Flask, database_url: str, tmp_path: Path) -> Iterator[World]:
    chain = Chain(app)
    address = _household("housing")["address"]
    table = RoutingTable("sample", parse(SAMPLE_ROUTING.read_text()))
    code = table.route(address["postcode"], address["house_number"], dt.date.today())
    assert code is not None
    municipality = chain.add(f"gm{code}", "municipality", code)
    admin = chain.add("hub-ops", "hub_admin")
    with serve(app) as url:
        bank = set_up_partner(tmp_path, database_url, url, "kredietbank", "debt_help")
        creditors = {kind: set_up_partner(tmp_path, database_url, url, org, kind) for kind, org in ORGS.items()}
        # the housing corporation accepts a compliant proposal in advance; the energy supplier answers itself
        for name, days, ahead, creditor in (("aedes-model", 14, True, "woonstad"), ("energie-nl", 21, False, "eneco")):
            convenant = {
                "id": name,
                "name": f"Convenant {name}",
                "response_days": days,
                "reminder_days": 3,
                "pause_on_notice": True,
                "accepts_compliant_in_advance": ahead,
                "parties": [creditor, "kredietbank"],
            }
            assert admin.client.post("/v1/admin/convenants", convenant).status_code == 201
        for kind, partner in creditors.items():
            pushed = partner.push(_one_row_export(tmp_path, kind))
            assert pushed.exit_code == 0 and "sent 1 (1 new" in pushed.output, pushed.output
        first = _one_row_export(tmp_path, "housing")
        signal_id = signal_id_for("woonstad", file_digest(first), 2)
        [case] = municipality.client.get(f"/v1/municipality/cases?signal_id={signal_id}").json["cases"]
        assert case["signal_count"] == 3, case
        yield World(app, chain, municipality, bank, creditors, case["id"], _household("housing"), tmp_path)


def refer(world: World) -> str:
    """The municipality's adapter: consent, then the identity re-sealed for the debt-help organisation."""
    record_consent(world.municipality, world.case_id, "debt_help_referral", ["kredietbank"])
    referral_id = new_id()
    key = _recipient(world.municipality, "kredietbank")
    sealed = seal_part(world.household, "referral.identity", referral_id, key)
    body = {"referral_id": referral_id, "case_id": world.case_id, "debt_help_id": "kredietbank"}
    response = world.municipality.client.post("/v1/municipality/referrals", {**body, "sealed_identity": sealed})
    assert response.status_code == 201, response.data
    return referral_id


def consent_to_negotiate(world: World) -> None:
    """The household authorises the counsellor (machtiging); recorded at the hub by the debt-help organisation."""
    client = load_config(world.bank.home).client()
    now = dt.datetime.now(dt.UTC)
    body = {
        "case_id": world.case_id,
        "purpose": "settlement_negotiation",
        "recipients": ["kredietbank", *ORGS.values()],
        "method": "in_writing",
        "given_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "expires_at": (now + dt.timedelta(days=300)).isoformat(),
    }
    client.post("/v1/consents", body)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def participant_of(world: World, kind: str) -> str:
    """The creditor learns its participant id from its inbox listing."""
    output = ok(world.signaal(world.creditors[kind], "settlements", "inbox"))
    [participant] = {m for m in UUID.findall(output) if f"{m}  kredietbank" in output}
    return participant


def personal_values(world: World) -> set[str]:
    debtor = world.household["debtors"][0]
    address = world.household["address"]
    return {debtor["surname"], address["street"], address["postcode"]}


def test_a_full_negotiation_from_referral_to_agreed_settlement_with_the_cli(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    bank, creditors = world.bank, world.creditors
    consoles: list[str] = []

    def say(partner: Partner, *args: str, input: str | None = None) -> str:
        output = ok(world.signaal(partner, *args, input=input))
        consoles.append(output)
        return output

    referral_id = refer(world)
    assert referral_id in say(bank, "referrals", "list")
    accepted = say(bank, "referrals", "accept", referral_id)
    [dossier] = DossierStore.of(load_config(bank.home).data_dir).dossiers()
    assert f"dossier {dossier.id} is 'opened'" in accepted and "1 debtor" in accepted
    assert dossier.household == world.household and dossier.case_id == world.case_id
    assert stat.S_IMODE(DossierStore.of(load_config(bank.home).data_dir).path.stat().st_mode) == 0o600

    consent_to_negotiate(world)
    short = dossier.id[:8]
    added = say(bank, "dossiers", "add-creditors", short, "--from-signals", "--outside", "Postorder BV")
    assert all(f"added {org}" in added for org in ORGS.values()) and "Postorder BV (outside the hub)" in added
    notified = say(bank, "dossiers", "notify", short, "--counsellor", "A. de Vries", "--phone", "023-5000000")
    assert notified.count("notice to ") == 3 and "collection paused (pauzeknop) at 2 of 4 creditors" in notified
    requested = say(bank, "dossiers", "request-claims", short, "--note", "Please state your claim.")
    assert requested.count("claim request to ") == 3

    # The creditors read their inbox: the notice (the household, sealed for them) and the claim request.
    housing = participant_of(world, "housing")
    inbox = say(creditors["energy"], "settlements", "inbox")
    assert "new notice from kredietbank" in inbox and "new claim_request from kredietbank" in inbox
    assert "waiting for a claim statement (saldoverzoek)" in inbox
    shown = say(creditors["housing"], "settlements", "show", housing, "--identity")
    assert world.household["debtors"][0]["surname"] in shown
    consoles.pop()  # asked for with --identity

    # Housing states its claim at the command line, agreeing in advance under its convenant.
    claimed = say(
        creditors["housing"],
        "settlements", "answer", housing, "claim",
        "--principal", "1.234,56", "--interest", "12,00", "--costs", "40,00", "--agreed-in-advance", "aedes-model",
    )  # fmt: skip
    assert "claim statement: 1.286,56 EUR, agreed in advance under aedes-model" in claimed

    # The energy supplier answers from a CSV file, with one messy row first; the insurer from JSON lines.
    energy, insurer = participant_of(world, "energy"), participant_of(world, "health_insurer")
    answers = world.tmp_path / "energie-antwoorden.csv"
    answers.write_text(
        "participant_id;action;principal;interest;costs;note\n"
        f"{energy};claim;veel;0;0;\n"
        f"{energy};claim;856,98;0,00;120,00;Specificatie volgt per post.\n",
        encoding="cp1252",
    )
    report = world.tmp_path / "energie.rejected.csv"
    from_file = say(creditors["energy"], "settlements", "answer", "--file", str(answers), "--report", str(report))
    assert "2 rows, 1 valid, 1 rejected" in from_file
    assert "sent 1, 0 sent before, 0 refused" in from_file
    assert [(r["line"], r["field"], r["column"]) for r in read_report(report)] == [
        ("2", "principal_cents", "principal")
    ]
    again = say(creditors["energy"], "settlements", "answer", "--file", str(answers), "--report", str(report))
    assert "sent 0, 1 sent before, 0 refused" in again
    jsonl = world.tmp_path / "zorg.jsonl"
    jsonl.write_text(
        json.dumps({"participant_id": insurer, "action": "claim", "principal": 642.5, "interest": 0, "costs": 0}) + "\n"
    )
    assert "sent 1" in say(creditors["health_insurer"], "settlements", "answer", "--file", str(jsonl))

    # The counsellor reads the claims, records the outside creditor's letter and proposes.
    claims = say(bank, "dossiers", "inbox")
    assert claims.count("claim_statement claim") == 3 and "agreed in advance under aedes-model" in claims
    say(bank, "dossiers", "record", short, "Postorder BV", "--principal", "385,00", "--costs", "40,00")
    refused = world.signaal(bank, "dossiers", "propose", short, "--capacity", "60,00", input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    proposed = say(bank, "dossiers", "propose", short, "--capacity", "60,00", "--term", "18", input="y\n")
    hub_view = load_config(bank.home).client().get(f"/v1/debt-help/dossiers/{dossier.id}").json()
    assert hub_view["state"] == "negotiation"
    for creditor in hub_view["creditors"]:  # what the CLI showed before sending is what the hub checked
        assert f"{_euros(creditor['claim']['total_cents']):>16} {_euros(creditor['share_cents']):>16}" in proposed
    assert sum(c["share_cents"] for c in hub_view["creditors"]) == 1080_00
    assert "woonstad accepts in advance under its convenant" in proposed
    dossier_shown = say(bank, "dossiers", "show", short)
    assert "dossier " + dossier.id + ": 'negotiation'" in dossier_shown
    assert "answer accept under convenant aedes-model" in dossier_shown and dossier_shown.count("proposal due ") == 2
    assert (
        "proposal (regular, 18 months, sent " in dossier_shown and "1.080,00 EUR offered of 3.331,04" in dossier_shown
    )

    # The energy supplier counters; asked to reconsider, it accepts. The insurer accepts from a file.
    offer = say(creditors["energy"], "settlements", "inbox")
    assert "new proposal from kredietbank" in offer and "waiting for an answer to the proposal" in offer
    countered = say(creditors["energy"], "settlements", "answer", energy, "counter", "--counter", "35% over 18 months")
    assert "rejects the proposal (percentage_too_low) with a counter-offer" in countered
    yes = world.tmp_path / "zorg-akkoord.jsonl"
    yes.write_text(json.dumps({"participant_id": insurer, "action": "accept", "note": "Akkoord."}) + "\n")
    assert "sent 1" in say(creditors["health_insurer"], "settlements", "answer", "--file", str(yes))
    answers_in = say(bank, "dossiers", "inbox", "--notes")
    assert (
        "proposal_answer reject (percentage_too_low)" in answers_in
        and "Counter-offer: 35% over 18 months" in answers_in
    )
    consoles.pop()  # --notes prints what the creditors wrote
    assert "reconsideration request to eneco" in say(bank, "dossiers", "reconsider", short, "--note", "Meer kan niet.")
    say(creditors["energy"], "settlements", "inbox")
    say(creditors["energy"], "settlements", "answer", energy, "accept")
    say(bank, "dossiers", "record", short, "Postorder BV", "--accept")

    first = (dt.date.today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    agreed = say(bank, "dossiers", "agree", short, "--first-payment", first.isoformat(), "--yes")
    assert f"is 'agreed'; 1.080,00 EUR over 18 months, first payment on {first}" in agreed
    final = load_config(bank.home).client().get(f"/v1/debt-help/dossiers/{dossier.id}").json()
    assert final["state"] == "agreed" and {c["answer"]["answer"] for c in final["creditors"]} == {"accept"}
    told = say(creditors["housing"], "settlements", "inbox")
    assert "new agreed from kredietbank" in told and "dossier 'agreed'" in told
    assert f"dossier {dossier.id} is 'running'" in say(bank, "dossiers", "running", short)
    assert f"{dossier.id}  running" in say(bank, "dossiers", "list")

    printed = "\n".join(consoles) + caplog.text  # the consoles, and the hub's and the adapters' logs
    assert "/v1/creditor/settlements" in caplog.text  # the hub's request log was captured
    assert not {value for value in personal_values(world) if value in printed}


def _euros(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", ".") + f",{rest:02d} EUR"


def test_clear_errors_for_a_wrong_key_an_unreachable_hub_and_a_refusing_hub(world: World) -> None:
    bank, housing = world.bank, world.creditors["housing"]
    referral_id = refer(world)
    key_file = bank.home / "keys" / "encryption.key"
    original = key_file.read_bytes()

    # Another valid key than the one registered: the identity cannot be opened and nothing is accepted.
    keyfiles.write_secret(key_file, crypto.encryption_key_to_file(crypto.generate_encryption_key()), overwrite=True)
    wrong = world.signaal(bank, "referrals", "accept", referral_id)
    assert wrong.exit_code == 1
    assert "cannot be opened with this key" in wrong.output and "signaal whoami" in wrong.output
    assert "the referral was not accepted" in wrong.output
    # Not a key at all: the configuration names the file.
    key_file.write_text("not a key\n")
    broken = world.signaal(bank, "referrals", "list")
    assert broken.exit_code == 1 and str(key_file) in broken.output
    key_file.write_bytes(original)
    assert referral_id in ok(world.signaal(bank, "referrals", "list"))

    # The hub cannot be reached: say where we looked and what to check.
    config = bank.home / "config.toml"
    text = config.read_text()
    config.write_text(re.sub(r'hub_url = "[^"]+"', 'hub_url = "http://127.0.0.1:9"', text))
    down = world.signaal(bank, "referrals", "list")
    assert down.exit_code == 1 and "cannot reach the hub at http://127.0.0.1:9" in down.output
    assert "check hub_url in config.toml" in down.output
    config.write_text(text)

    # A creditor command run by the debt-help organisation, and the other way round.
    assert "this command is for creditors" in world.signaal(bank, "settlements", "inbox").output
    assert "this command is for debt-help organisations" in world.signaal(housing, "dossiers", "list").output

    # The hub refuses: an answer to a proposal that was never made, and a row about a dossier not ours.
    ok(world.signaal(bank, "referrals", "accept", referral_id))
    [dossier] = DossierStore.of(load_config(bank.home).data_dir).dossiers()
    consent_to_negotiate(world)
    ok(world.signaal(bank, "dossiers", "add-creditors", dossier.id, "--creditor", "woonstad"))
    participant = participant_of(world, "housing")
    early = world.signaal(housing, "settlements", "answer", participant, "accept")
    assert early.exit_code == 1 and "the hub refused this (409" in early.output
    stranger = new_id()
    rows = world.tmp_path / "antwoorden.csv"
    rows.write_text(
        "participant_id,action,principal,interest,costs,reason\n"
        f"{stranger},claim,100.00,0,0,\n"
        f"{participant},refuse,,,,no_convenant\n"
        f"{participant},reject,,,,\n"
    )
    report = world.tmp_path / "antwoorden.rejected.csv"
    answered = ok(world.signaal(housing, "settlements", "answer", "--file", str(rows), "--report", str(report)))
    assert "3 rows, 2 valid, 1 rejected" in answered and "sent 1, 0 sent before, 1 refused" in answered
    assert "refused by the hub: line 2: the hub refused this (404" in answered
    problems = [(r["line"], r["field"]) for r in read_report(report)]
    assert problems == [("2", "row"), ("4", "reason")]
    assert "404" in read_report(report)[0]["reason"]
    view = load_config(bank.home).client().get(f"/v1/debt-help/dossiers/{dossier.id}").json()
    assert view["creditors"][0]["claim"]["state"] == "refused"


class Crash(Exception):
    """The connection dropped after the hub stored the request: the adapter never saw the answer."""


def test_a_send_cut_off_after_the_hub_stored_it_is_completed_without_sending_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = world.bank
    real = HubClient.post

    def lost_answer(self: HubClient, path: str, body: Any, **kwargs: Any) -> Any:
        response = real(self, path, body, **kwargs)
        if path.endswith(("/accept", "/notices")):
            raise HubUnreachableError(f"POST {path}: ConnectionError") from Crash()
        return response

    declined = refer(world)
    assert f"declined referral {declined} (no_capacity)" in ok(
        world.signaal(bank, "referrals", "decline", declined, "--reason", "no_capacity")
    )
    seen = world.municipality.client.get("/v1/municipality/referrals").json["referrals"]
    assert [(r["id"], r["state"], r["decline_reason"]) for r in seen] == [(declined, "declined", "no_capacity")]

    monkeypatch.setattr(HubClient, "post", lost_answer)
    referral_id = refer(world)
    cut = world.signaal(bank, "referrals", "accept", referral_id)
    assert cut.exit_code == 1 and "cannot reach the hub" in cut.output
    # The hub accepted and deleted its sealed copy; the identity opened before is not lost.
    monkeypatch.setattr(HubClient, "post", real)
    assert "is 'opened'" in ok(world.signaal(bank, "referrals", "accept", referral_id))
    [dossier] = DossierStore.of(load_config(bank.home).data_dir).dossiers()
    assert dossier.household == world.household

    consent_to_negotiate(world)
    ok(world.signaal(bank, "dossiers", "add-creditors", dossier.id, "--from-signals"))
    monkeypatch.setattr(HubClient, "post", lost_answer)
    cut = world.signaal(bank, "dossiers", "notify", dossier.id, "--counsellor", "A. de Vries")
    assert cut.exit_code == 1 and "cannot reach the hub" in cut.output
    monkeypatch.setattr(HubClient, "post", real)
    resumed = ok(world.signaal(bank, "dossiers", "notify", dossier.id, "--counsellor", "A. de Vries"))
    assert resumed.count("(sent before)") == 3, resumed
    again = ok(world.signaal(bank, "dossiers", "notify", dossier.id, "--counsellor", "A. de Vries"))
    assert "nothing to send: no creditor of the dossier waits for a notice" in again
    for kind, org in ORGS.items():
        inbox = ok(world.signaal(world.creditors[kind], "settlements", "inbox"))
        assert inbox.count("new notice from kredietbank") == 1, (org, inbox)

    args = ("--outcome", "withdrawn", "--reason", "household_withdrew", "--yes")
    ended = ok(world.signaal(bank, "dossiers", "end", dossier.id, *args))
    assert ended.count("end to ") == 3 and f"dossier {dossier.id} is 'withdrawn'" in ended
    told = ok(world.signaal(world.creditors["energy"], "settlements", "inbox"))
    assert "new ended from kredietbank" in told and "withdrawn (household_withdrew)" in told
    assert "0 waiting for you" in told

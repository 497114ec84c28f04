"""A small chain for the portal tests, on a live hub on loopback: two municipalities, a debt-help service
and a housing corporation set up with ``signaal init`` (each with its own Signaal directory and portal),
the other creditors and municipalities registered in-process, a convenant between the water company and
the debt-help service, and two households' signals."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask

from adapters.cli import cli as signaal_cli
from adapters.config import Config, load_config
from adapters.portal import create_app
from adapters.settlements import seal_part
from adapters.signals import RecipientKey
from tests.support.chain import LINKAGE_KEY, Chain, Crisis, Party, identity
from tests.support.privacy import people
from tests.support.servers import serve
from tests.support.signaal import hub, municipality_codes, operator_commands, run, sample
from tests.support.signing import SignedClient

PASSWORD = "correct horse battery staple"
#: The household the story follows: an energy supplier and a water company signal its arrears.
MEER = identity(reference="EN-4471")
#: A second household of the same municipality, one signal.
JANSEN = identity(
    surname="Jansen", prefix=None, street="Kerkstraat", house_number=3, postcode="4111 AB", reference="WA-0093",
    date_of_birth="1988-02-29",
)  # fmt: skip


@dataclass
class Org:
    """An organisation set up with ``signaal init``: its directory, configuration and portal."""

    org_id: str
    kind: str
    home: Path
    url: str = ""
    app: Flask | None = None

    @property
    def config(self) -> Config:
        return load_config(self.home)

    def recipient(self) -> RecipientKey:
        config = self.config
        key = config.encryption_key()
        assert config.encryption_key_id is not None
        return RecipientKey(self.org_id, config.encryption_key_id, key.suite, key.public_bytes())

    def party(self, app: Flask | None = None) -> Party:
        """This organisation as the chain's test party: to seal for it, and (given the hub's app) to sign
        requests with its own signing key as its adapter does."""
        config = self.config
        client = None if app is None else SignedClient(app.test_client(), config.signing_key_id, config.signing_key())
        return Party(self.org_id, self.kind, client, config.encryption_key(), self.recipient())

    def add_user(self, username: str, role: str) -> None:
        """``signaal portal user add``, as the organisation's administrator runs it."""
        args = ["portal", "user", "add", "--dir", str(self.home), username, "--name", username.title(), "--role", role]
        result = CliRunner().invoke(signaal_cli, [*args, "--password-stdin"], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output


def init_org(tmp_path: Path, database_url: str, hub_url: str, org_id: str, kind: str, *extra: str) -> Org:
    """``signaal init``, then the operator's printed ``hub`` commands against the hub's database."""
    key_file = tmp_path / "shared-linkage.key"
    key_file.write_bytes(LINKAGE_KEY)
    home = tmp_path / org_id
    args = ["init", "--dir", str(home), "--org", org_id, "--kind", kind, "--hub", hub_url, "--name", f"Test {org_id}"]
    result = run(*args, "--linkage-key", str(key_file), *extra)
    assert result.exit_code == 0, result.output
    for command in operator_commands(result.output):
        done = hub(database_url, tmp_path, *command)
        assert done.exit_code == 0, done.output
    config = home / "config.toml"
    config.write_text(config.read_text().replace("retry_attempts = 5", "retry_attempts = 2"))
    return Org(org_id, kind, home)


@dataclass
class World:
    hub_url: str
    chain: Chain
    municipality: Org
    neighbour: Org
    debt_help: Org
    housing: Org
    energy: Party
    water: Party
    landlord: Party
    signals: dict[str, str] = field(default_factory=dict)  # label -> signal id

    def orgs(self) -> list[Org]:
        return [self.municipality, self.neighbour, self.debt_help, self.housing]


def _post_signal(chain: Chain, creditor: Party, municipality: Org, person: dict[str, Any], **facts: Any) -> str:
    envelope = chain.signal(creditor, municipality.party(), person, **facts)
    response = creditor.client.post("/v1/signals", envelope)
    assert response.status_code == 201, response.data
    return str(envelope["signal_id"])


@contextmanager
def build_world(app: Flask, database_url: str, tmp_path: Path) -> Iterator[World]:
    """The chain, the hub served on loopback, and a portal served for each organisation set up here."""
    chain = Chain(app)
    first, second, *others = sorted(municipality_codes(dt.date.today()))
    with ExitStack() as stack:
        url = stack.enter_context(serve(app))
        municipality = init_org(tmp_path, database_url, url, f"gm{first}", "municipality", "--municipality-code", first)
        neighbour = init_org(tmp_path, database_url, url, f"gm{second}", "municipality", "--municipality-code", second)
        debt_help = init_org(tmp_path, database_url, url, "shv-test", "debt_help")
        housing = init_org(tmp_path, database_url, url, "woonstad", "housing")
        for code in others:
            chain.add(f"gm{code}", "municipality", code)
        world = World(
            url, chain, municipality, neighbour, debt_help, housing, chain.add("eneco", "energy"),
            chain.add("vitens", "water"), housing.party(app),
        )  # fmt: skip
        admin = chain.add("hub-ops", "hub_admin")
        convenant = {
            "id": "water-convenant",
            "name": "Convenant Water",
            "response_days": 14,
            "reminder_days": 3,
            "pause_on_notice": True,
            "accepts_compliant_in_advance": True,
            "parties": ["vitens", debt_help.org_id],
        }
        assert admin.client.post("/v1/admin/convenants", convenant).status_code == 201
        crisis = Crisis("end_of_supply", dt.date.today() + dt.timedelta(days=15))
        world.signals["meer-energy"] = _post_signal(chain, world.energy, municipality, MEER, crisis=crisis)
        world.signals["meer-water"] = _post_signal(
            chain, world.water, municipality, identity(reference="WA-1200"), amount_cents=23_450
        )
        world.signals["meer-rent"] = _post_signal(
            chain, world.landlord, municipality, identity(reference="HC-7781"), amount_cents=142_000
        )
        world.signals["jansen-water"] = _post_signal(chain, world.water, municipality, JANSEN, amount_cents=31_000)
        world.signals["neighbour"] = _post_signal(chain, world.energy, neighbour, identity(surname="Bakker"))
        for org, users in (
            (municipality, (("jdevries", "worker"), ("mbakker", "manager"))),
            (neighbour, (("pvisser", "worker"),)),
            (debt_help, (("avries", "worker"),)),
            (housing, (("kdijk", "worker"),)),
        ):
            for username, role in users:
                org.add_user(username, role)
            org.app = create_app(org.config)
            org.url = stack.enter_context(serve(org.app))
        yield world


def claim_statement(world: World, creditor: Party, total_cents: int) -> None:
    """The creditor answers the claim request of the dossier it was added to (as its own adapter would)."""
    [place] = [
        s for s in creditor.client.get("/v1/creditor/settlements").json["settlements"] if s["claim"]["state"] == "none"
    ]
    message_id = str(uuid.uuid4())
    sealed = seal_part(
        {"note": "saldo per vandaag"}, "settlement.claim_statement", message_id, world.debt_help.recipient()
    )
    body = {
        "message_id": message_id,
        "sealed": sealed,
        "principal_cents": total_cents,
        "interest_cents": 0,
        "costs_cents": 0,
        "preferential": False,
    }
    response = creditor.client.post(f"/v1/creditor/settlements/{place['participant_id']}/claim-statement", body)
    assert response.status_code == 201, response.data


def push_housing_sample(world: World) -> None:
    """The housing corporation pushes its export with ``signaal signals push``."""
    result = run("signals", "push", "--dir", str(world.housing.home), "--no-progress", str(sample("housing")))
    assert result.exit_code == 0, result.output


def more_households(world: World, count: int) -> None:
    """``count`` more households of the municipality, each with one energy signal (for the statistics,
    which suppress counts under ten)."""
    for person in people(count, seed=13):
        _post_signal(world.chain, world.energy, world.municipality, person.identity())

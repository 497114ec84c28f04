"""The demo's organisations, set up the way partners are: ``signaal init`` makes each one's keys and
configuration (``adapters.setup``), the hub operator registers them with the ``hub org add`` and
``hub key add`` commands it prints, and from then on each signs its own requests (``adapters.client``)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters import crypto, keyfiles
from adapters.client import HubClient
from adapters.config import SECTOR_OF_KIND, Config, load_config
from adapters.setup import InitOptions, initialise
from adapters.signals import RecipientKey
from demo.hubproc import operator
from demo.say import Say


@dataclass(frozen=True)
class OrgSpec:
    """One organisation of the demo chain; ``export`` is its sample export (creditors only)."""

    org_id: str
    kind: str
    name: str
    role: str
    municipality_code: str | None = None
    export: str | None = None

    @property
    def is_creditor(self) -> bool:
        return self.kind in SECTOR_OF_KIND


HOUSING = OrgSpec(
    "spaarnestad-wonen",
    "housing",
    "Woonstichting Spaarnestad (demo)",
    "housing corporation (woningcorporatie)",
    export="housing-corporation.csv",
)
ENERGY = OrgSpec(
    "noordwest-energie",
    "energy",
    "Noordwest Energie (demo)",
    "energy supplier (energieleverancier)",
    export="energy-supplier.csv",
)
HEALTH = OrgSpec(
    "kennemer-zorg",
    "health_insurer",
    "Kennemer Zorgverzekeringen (demo)",
    "health insurer (zorgverzekeraar)",
    export="health-insurer.csv",
)
HAARLEM = OrgSpec("gm0392", "municipality", "Gemeente Haarlem", "municipality (gemeente)", municipality_code="0392")
GRONINGEN = OrgSpec("gm0014", "municipality", "Gemeente Groningen", "municipality (gemeente)", municipality_code="0014")
KREDIETBANK = OrgSpec(
    "kredietbank-kennemerland",
    "debt_help",
    "Kredietbank Kennemerland (demo)",
    "debt-help service (schuldhulpverlening)",
)
ADMIN = OrgSpec("hub-beheer", "hub_admin", "Signaalhub beheer (demo)", "hub administrators (beheer)")
CREDITORS = (HOUSING, ENERGY, HEALTH)
MUNICIPALITIES = (HAARLEM, GRONINGEN)
ALL = (*CREDITORS, *MUNICIPALITIES, KREDIETBANK, ADMIN)


def other_municipalities(on: dt.date) -> tuple[OrgSpec, ...]:
    """Every other municipality the hub's sample routing table routes to on ``on``: the sample exports'
    households live all over it, and a signal can only go to a registered municipality. The walk follows
    Haarlem; these receive their reports the same way. (Named by code only: the output names no place a
    surname could share.)"""
    from hub.cli_routing import SAMPLE  # noqa: PLC0415 - the table the operator imports with --sample

    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        codes = {
            row["gemeentecode"]
            for row in csv.DictReader(handle)
            if dt.date.fromisoformat(row["valid_from"]) <= on
            and (not row["valid_to"] or on < dt.date.fromisoformat(row["valid_to"]))
        }
    walked = {spec.municipality_code for spec in MUNICIPALITIES}
    return tuple(
        OrgSpec(f"gm{code}", "municipality", f"Gemeente {code}", "municipality (gemeente)", municipality_code=code)
        for code in sorted(codes - walked)
    )


@dataclass
class Partner:
    """An organisation after set-up: its Signaal directory, signing client and private encryption key."""

    spec: OrgSpec
    home: Path
    client: HubClient
    encryption_key: crypto.EncryptionPrivateKey
    config: Config | None  # None for the hub administrators, whom `signaal` does not serve

    @property
    def org_id(self) -> str:
        return self.spec.org_id

    def get(self, path: str) -> Any:
        return self.client.get(path).json()

    def post(self, path: str, body: Any = None, expect: tuple[int, ...] = ()) -> Any:
        """POST ``body``; the JSON answer (a 2xx, or a status in ``expect``)."""
        return self.client.post(path, body, expect=expect).json()


def _client(hub_url: str, home: Path, signing_key_id: str) -> HubClient:
    key = keyfiles.read_signing_key(home / "keys" / "signing.pem")
    return HubClient(hub_url, signing_key_id, lambda data: crypto.sign(key, data))


def set_up(say: Say, spec: OrgSpec, partners_dir: Path, hub_url: str, linkage_key: Path, *, show: bool) -> Partner:
    """``signaal init`` for ``spec``, then the operator's registration commands; the ready partner."""
    home = partners_dir / spec.org_id
    result = initialise(
        InitOptions(
            home=home,
            hub_url=hub_url,
            organisation_id=spec.org_id,
            kind=spec.kind,
            name=spec.name,
            municipality_code=spec.municipality_code,
            linkage_key_file=linkage_key if spec.is_creditor else None,
        )
    )
    for command in result.commands:
        operator(say, shlex.split(command)[1:], show=show)
    if spec.kind == "hub_admin":
        client = _client(hub_url, home, result.signing_key_id)
        return Partner(spec, home, client, keyfiles.read_encryption_key(home / "keys" / "encryption.key"), None)
    config = load_config(home)
    return Partner(spec, home, config.client(), config.encryption_key(), config)


def set_up_all(say: Say, partners_dir: Path, hub_url: str) -> dict[str, Partner]:
    """Every organisation of the demo; creditors share one linkage key, as a chain's custodian hands out."""
    linkage_key = partners_dir / "chain-linkage.key"
    keyfiles.write_secret(linkage_key, keyfiles.linkage_key_text(crypto.generate_linkage_key()), overwrite=True)
    say.line("the chain's key custodian made one linkage key that every creditor's adapter shares (never the hub)")
    partners: dict[str, Partner] = {}
    for index, spec in enumerate(ALL):
        if index == 0:
            say.line(f"each organisation runs `signaal init`; the operator registers it, e.g. for {spec.org_id}:")
        partner = set_up(say, spec, partners_dir, hub_url, linkage_key, show=index == 0)
        partners[spec.org_id] = partner
        if index == 0:
            say.line("the others the same way:")
        else:
            say.line(f"{spec.org_id:<26} {spec.role}", indent=2)
    others = other_municipalities(dt.date.today())
    for spec in others:
        partners[spec.org_id] = set_up(say, spec, partners_dir, hub_url, linkage_key, show=False)
    if others:
        say.line(
            f"and the {len(others)} other municipalities the sample addresses route to: "
            + ", ".join(spec.org_id for spec in others),
            indent=2,
        )
    return partners


def published_keys(partner: Partner) -> Mapping[str, RecipientKey]:
    """Every organisation's newest valid encryption key, from the hub's directory: whom to seal for."""
    keys: dict[str, RecipientKey] = {}
    for organisation in partner.get("/v1/directory")["organisations"]:
        candidates = organisation["encryption_keys"]
        if candidates:
            newest = max(candidates, key=lambda k: k["not_before"])
            public = base64.b64decode(newest["public_key"])
            keys[organisation["id"]] = RecipientKey(organisation["id"], newest["key_id"], newest["suite"], public)
    return keys

"""A municipality set up the way a partner does it (``signaal init``, then the operator's printed
commands), and what the sample exports send it: for the ``signaal reports`` tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from adapters.config import load_config
from adapters.push import file_digest, signal_id_for
from hub.delivery.dispatcher import Dispatcher
from hub.domain.routing_files import parse
from schemas.v1.identity import dump_identity
from schemas.v1.routing import RoutingTable
from tests.support.chain import SAMPLE_ROUTING, Chain
from tests.support.signaal import municipality_codes, reading_of, register_initialised, run, sample


def set_up_municipality(tmp_path: Path, database_url: str, hub_url: str, code: str) -> Path:
    """``signaal init`` for municipality ``gm<code>`` and its registration; its Signaal directory."""
    home = tmp_path / f"gm{code}"
    args = ["init", "--dir", str(home), "--org", f"gm{code}", "--kind", "municipality", "--hub", hub_url]
    result = run(*args, "--municipality-code", code, "--name", f"Gemeente {code}")
    register_initialised(result, database_url, tmp_path, home)
    return home


def register_other_municipalities(chain: Chain, but: str, on: dt.date) -> None:
    """Every municipality the sample routing table routes to, except ``but`` (set up with signaal)."""
    for code in sorted(municipality_codes(on) - {but}):
        chain.add(f"gm{code}", "municipality", code)


@dataclass(frozen=True)
class SentRow:
    """A valid sample row routed to the municipality: its signal id, identity (wire form) and facts."""

    signal_id: str
    creditor: str
    identity: dict[str, Any]
    amount_cents: int
    signal_date: dt.date


def rows_routed_to(code: str, creditors: dict[str, str]) -> list[SentRow]:
    """The valid rows of the samples (creditor kind -> org id) that the routing table sends to ``code``."""
    table = RoutingTable("sample", parse(SAMPLE_ROUTING.read_text()))
    rows = []
    for kind, org in creditors.items():
        digest = file_digest(sample(kind))
        for row in reading_of(kind).rows:
            address = row.identity["address"]
            if table.route(address["postcode"], address["house_number"], row.facts.signal_date) == code:
                rows.append(
                    SentRow(
                        str(signal_id_for(org, digest, row.line)),
                        org,
                        dump_identity(row.identity),
                        row.facts.amount_cents,
                        row.facts.signal_date,
                    )
                )
    return rows


def personal_values(rows: Iterable[SentRow]) -> set[str]:
    """Names, streets, postcodes, e-mails, phones, BSNs and references of ``rows`` (longer than 4)."""
    values: set[str] = set()
    for row in rows:
        address = row.identity["address"]
        values |= {address["street"], address["postcode"], row.identity["creditor_reference"]}
        for debtor in row.identity["debtors"]:
            values |= {debtor["surname"], *(debtor[k] for k in ("email", "phone", "bsn") if k in debtor)}
    return {value for value in values if len(value) > 4}


def deliver_webhooks(app: Flask) -> int:
    """Run the hub's webhook delivery rounds (as its scheduler does) until nothing is left; deliveries made."""
    dispatcher: Dispatcher = app.extensions["signaalhub"].dispatcher
    delivered = 0
    while True:
        stats = dispatcher.run_once()
        delivered += stats.delivered
        if stats.dispatched == 0 and stats.delivered == 0:
            return delivered


def hub_reports(home: Path) -> list[dict[str, Any]]:
    """Every report header the hub lists for the municipality of ``home`` (its own signed client)."""
    client = load_config(home).client()
    headers: list[dict[str, Any]] = []
    after = 0
    while page := client.get(f"/v1/municipality/reports?after={after}&limit=1000").json():
        headers.extend(page)
        after = page[-1]["change_seq"]
    return headers

"""What the settlement commands share: our ``Party`` from the configuration, errors a person can act on,
amounts and percentages as a Dutch reader writes them, and finding a record by the start of its id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import marshmallow as ma

from adapters.cli_common import config_at
from adapters.client import HubClientError, HubUnreachableError
from adapters.config import SECTOR_OF_KIND, Config, ConfigError
from adapters.debt_help import Desk
from adapters.dossiers import DossierStore, LocalDossier
from adapters.settlement_answers import AnswerFileError, euros
from adapters.settlement_exchange import Party, SettlementError, explain

T = TypeVar("T")

__all__ = ["desk_of", "dossier_of", "euros", "failures", "household_lines", "party_of", "percent", "pick"]


def desk_of(home: Path) -> tuple[Config, Desk]:
    config = config_at(home)
    return config, Desk(party_of(config, "debt-help"), DossierStore.of(config.data_dir))


def dossier_of(desk: Desk, wanted: str) -> LocalDossier:
    """A dossier opened here, by its id or the start of it."""
    return pick(desk.store.dossiers(), wanted, "id", "dossier opened here")


def party_of(config: Config, audience: str) -> Party:
    """Us as the ``debt-help`` or ``creditor`` side; a ``ClickException`` when this organisation is not."""
    allowed = ("debt_help",) if audience == "debt-help" else tuple(SECTOR_OF_KIND)
    if config.kind not in allowed:
        what = "debt-help organisations" if audience == "debt-help" else "creditors"
        raise click.ClickException(f"this command is for {what}; {config.organisation_id} is of kind {config.kind}")
    try:
        return Party(config.organisation_id, config.client(), config.encryption_key(), audience)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def failures(config: Config) -> Iterator[None]:
    """Turn the hub's refusals, an unreachable hub and wrong keys into one clear message and exit 1."""
    try:
        yield
    except (HubClientError, HubUnreachableError) as error:
        raise click.ClickException(str(explain(error, config.hub_url))) from None
    except (SettlementError, ConfigError, AnswerFileError) as error:
        raise click.ClickException(str(error)) from None
    except ma.ValidationError as error:  # a sealed part's content (a note too long, a malformed e-mail)
        problems = "; ".join(f"{name}: {' '.join(map(str, why))}" for name, why in _flat(error.messages))
        raise click.ClickException(f"not sent: {problems}") from None


def _flat(messages: Any, prefix: str = "") -> Iterator[tuple[str, list[Any]]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from _flat(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".") or "input", messages if isinstance(messages, list) else [messages]


def percent(basis_points: int) -> str:
    """``37,50%``."""
    return f"{basis_points // 100},{basis_points % 100:02d}%"


def pick(items: Iterable[T], wanted: str, ident: str, what: str) -> T:
    """The one item whose ``ident`` attribute is ``wanted`` or starts with it (at least 4 characters)."""
    items = list(items)
    found = [item for item in items if str(getattr(item, ident)) == wanted]
    if not found and len(wanted) >= 4:
        found = [item for item in items if str(getattr(item, ident)).startswith(wanted)]
    if len(found) != 1:
        problem = "no" if not found else "more than one"
        raise click.ClickException(f"{problem} {what} matches {wanted}; give more of its id")
    return found[0]


def household_lines(household: Mapping[str, Any]) -> list[str]:
    """The debtors and the address of a referral identity or notice, one line each (shown on request only)."""
    lines = []
    for debtor in household["debtors"]:
        given = debtor.get("first_names") or debtor.get("initials") or ""
        name = " ".join(p for p in (given, debtor.get("name_prefix"), debtor["surname"]) if p)
        born = f", born {debtor['date_of_birth']}" if debtor.get("date_of_birth") else ""
        lines.append(f"debtor: {name}{born}")
    address = household["address"]
    number = f"{address['house_number']}{address.get('house_number_addition') or ''}"
    lines.append(f"address: {address['street']} {number}, {address['postcode']} {address['town']}")
    return lines

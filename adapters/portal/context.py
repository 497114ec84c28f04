"""The portal's per-application context: the organisation's configuration, its accounts and its hub client."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from flask import current_app, g

from adapters.client import HubClient
from adapters.config import SECTOR_OF_KIND, Config
from adapters.portal.accounts import AccountStore

ACCOUNTS_FILE: Final = "accounts.sqlite3"


def accounts_path(config: Config) -> Path:
    """Where the portal's accounts of this organisation live (``data/portal/accounts.sqlite3``)."""
    return config.data_dir / "portal" / ACCOUNTS_FILE


@dataclass
class Portal:
    """What every view needs: the organisation's configuration, its accounts, and one hub client."""

    config: Config
    accounts: AccountStore

    @property
    def folder(self) -> Path:
        return self.config.data_dir / "portal"

    @property
    def section(self) -> str:
        """``municipality``, ``debt_help`` or ``creditor``: which part of the portal this organisation uses."""
        return "creditor" if self.config.kind in SECTOR_OF_KIND else self.config.kind

    def client(self) -> HubClient:
        """The signing client for the hub, one per request (its HTTP session is not shared between the
        server's threads), built on first use in the request (reading the signing key)."""
        if "hub_client" not in g:
            g.hub_client = self.config.client()
        client: HubClient = g.hub_client
        return client


def current_portal() -> Portal:
    portal: Portal = current_app.extensions["portal"]
    return portal

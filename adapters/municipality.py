"""The municipality's side of ``signaal``: its configuration, store, client and key in one place, and a
pull that also writes the case-system files. Shared by ``signaal reports pull`` and ``reports serve``."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from adapters.casefiles import write_case_files
from adapters.client import HubClient
from adapters.config import Config, ConfigError
from adapters.inbox import Keys, PullResult, pull
from adapters.localstore import LocalStore

CASE_FILES_DIR: Final = "case-system"


@dataclass(frozen=True)
class PullRun:
    """One pull with the case-system files it wrote."""

    result: PullResult
    files: list[Path]


@dataclass
class Municipality:
    """A municipality's Signaal directory, opened: ``ConfigError`` when it is not a municipality's, or a
    key file is missing or wrong."""

    config: Config
    store: LocalStore = field(init=False)
    client: HubClient = field(init=False)
    keys: Keys = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.config.kind != "municipality":
            raise ConfigError(
                f"this command is for a municipality; {self.config.home} is set up for a {self.config.kind}"
            )
        self.keys = Keys(self.config.organisation_id, self.config.encryption_key_id, self.config.encryption_key())
        self.client = self.config.client()
        self.store = LocalStore.for_config(self.config)

    def case_files_dir(self, out: Path | None = None) -> Path:
        return out or self.config.data_dir / CASE_FILES_DIR

    def learn_identity(self) -> None:
        """Remember our municipality code and name from the hub's directory (for the DDAS delivery)."""
        if self.store.setting("municipality_code") is not None:
            return
        for organisation in self.client.get("/v1/directory").json()["organisations"]:
            if organisation["id"] == self.config.organisation_id and organisation.get("municipality_code"):
                self.store.remember("municipality_code", str(organisation["municipality_code"]))
                self.store.remember("organisation_name", str(organisation["name"]))

    def pull(self, out: Path | None = None) -> PullRun:
        """Pull, then write the case-system files of the report versions stored (one pull at a time)."""
        with self._lock:
            self.learn_identity()
            result = pull(self.client, self.store, self.keys)
            case_ids = [case_id for case_id, _ in result.stored]
            files = write_case_files(self.store, case_ids, self.case_files_dir(out), dt.datetime.now(dt.UTC))
            return PullRun(result, files)

"""Verifying the evidence log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from hub import crypto
from hub.db import evidence as repo
from hub.domain.evidence import ChainBreak, find_break


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_break: ChainBreak | None


class EvidenceService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def verify(self) -> ChainReport:
        """Recompute every entry's hash and link; report the first that does not hold."""
        with self._engine.connect() as conn:
            return ChainReport(entries=repo.count(conn), first_break=find_break(repo.entries(conn), crypto.digest))

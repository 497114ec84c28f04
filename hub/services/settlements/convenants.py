"""Convenants as data, administered by the hub's operators: create one with its terms, and let creditors
and debt-help organisations join or leave it. Terms never change once created (dossiers keep the terms they
started under); a new version of a convenant is a new convenant that the parties move to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hub.db import directory as directory_repo
from hub.db import evidence as evidence_repo
from hub.db import settlements as repo
from hub.domain import convenants as rules
from hub.domain.directory import CREDITOR_KINDS
from hub.domain.evidence import Actor
from hub.errors import Conflict, InvalidParam, NotFound, ValidationFailed

#: Who can be party to a convenant: the creditors that commit, and the debt-help organisations they commit to.
PARTY_KINDS = CREDITOR_KINDS | {"debt_help"}


def convenant_view(convenant: rules.Convenant, parties: Sequence[str]) -> dict[str, Any]:
    return {**convenant.__dict__, "parties": list(parties)}


class ConvenantService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    def create(self, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
        """A new convenant with its terms and its first parties."""
        convenant = rules.Convenant(**{k: v for k, v in body.items() if k != "parties"})
        problems = [InvalidParam(name, reason) for name, reason in rules.check_terms(convenant)]
        if problems:
            raise ValidationFailed("The convenant's terms are not valid.", invalid_params=problems)
        now = self._clock()
        with self._engine.begin() as conn:
            if repo.get_convenant(conn, convenant.id) is not None:
                raise Conflict(f"Convenant {convenant.id} exists; its terms cannot change.", code="convenant_exists")
            repo.insert_convenant(conn, convenant, now)
            for index, org_id in enumerate(dict.fromkeys(body.get("parties", []))):
                self._check_party(conn, org_id, f"parties.{index}")
                repo.add_party(conn, convenant.id, org_id, now)
            evidence_repo.append(
                conn, actor, "convenant.create", object_type="convenant", object_id=convenant.id, at=now
            )
            return self._view(conn, convenant.id)

    def list(self) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            found = repo.list_convenants(conn)
            parties = repo.parties(conn, [c.id for c in found])
        return [convenant_view(c, parties[c.id]) for c in found]

    def show(self, convenant_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            return self._view(conn, convenant_id)

    def join(self, actor: Actor, convenant_id: str, org_id: str) -> dict[str, Any]:
        now = self._clock()
        with self._engine.begin() as conn:
            self._view(conn, convenant_id)
            self._check_party(conn, org_id, "organisation_id")
            if repo.add_party(conn, convenant_id, org_id, now):
                evidence_repo.append(
                    conn, actor, "convenant.join", object_type="convenant", object_id=convenant_id, at=now
                )
            return self._view(conn, convenant_id)

    def leave(self, actor: Actor, convenant_id: str, org_id: str) -> dict[str, Any]:
        """The party leaves; dossiers already under the convenant keep it (their terms were fixed)."""
        now = self._clock()
        with self._engine.begin() as conn:
            self._view(conn, convenant_id)
            if not repo.remove_party(conn, convenant_id, org_id):
                raise NotFound(f"{org_id} is not a party to {convenant_id}.", code="party_unknown")
            evidence_repo.append(
                conn, actor, "convenant.leave", object_type="convenant", object_id=convenant_id, at=now
            )
            return self._view(conn, convenant_id)

    def _view(self, conn: sa.Connection, convenant_id: str) -> dict[str, Any]:
        found = repo.get_convenant(conn, convenant_id)
        if found is None:
            raise NotFound(f"No convenant {convenant_id}.", code="convenant_unknown")
        return convenant_view(found, repo.parties(conn, [convenant_id])[convenant_id])

    @staticmethod
    def _check_party(conn: sa.Connection, org_id: str, name: str) -> None:
        org = directory_repo.get_organisation(conn, org_id)
        if org is None or org.kind not in PARTY_KINDS:
            reason = "Parties are registered creditors and debt-help organisations."
            raise ValidationFailed(reason, invalid_params=[InvalidParam(name, reason)])

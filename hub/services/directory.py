"""Use cases of the directory: register organisations, manage their keys, publish the directory."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from base64 import b64encode
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from hub import crypto
from hub.db import directory as repo
from hub.db import evidence as evidence_repo
from hub.domain.directory import (
    DEFAULT_SUITE,
    DirectoryRuleError,
    Organisation,
    OrganisationKey,
    check_key,
    check_organisation,
    generated_key_id,
)
from hub.domain.evidence import Actor
from hub.errors import Conflict, InvalidParam, NotFound, ValidationFailed


def _invalid(exc: DirectoryRuleError | crypto.KeyFormatError, field: str = "public_key") -> ValidationFailed:
    if isinstance(exc, DirectoryRuleError):
        return ValidationFailed(str(exc), invalid_params=[InvalidParam(exc.field, exc.reason)])
    return ValidationFailed(str(exc), invalid_params=[InvalidParam(field, str(exc))])


@dataclass(frozen=True)
class DirectoryDocument:
    body: dict[str, object]
    etag: str


class DirectoryService:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime]) -> None:
        self._engine, self._clock = engine, clock

    # --- organisations ------------------------------------------------------------------------
    def add_organisation(
        self, actor: Actor, org_id: str, name: str, kind: str, municipality_code: str | None = None
    ) -> Organisation:
        try:
            check_organisation(org_id, name, kind, municipality_code)
        except DirectoryRuleError as exc:
            raise _invalid(exc) from exc
        now = self._clock()
        org = Organisation(
            id=org_id,
            name=name.strip(),
            kind=kind,
            municipality_code=municipality_code,
            disabled=False,
            created_at=now,
            updated_at=now,
        )
        with self._engine.begin() as conn:
            if repo.get_organisation(conn, org_id) is not None:
                raise Conflict(f"An organisation with id {org_id!r} already exists.", code="organisation_exists")
            repo.insert_organisation(conn, org)
            evidence_repo.append(conn, actor, "organisation.add", object_type="organisation", object_id=org_id, at=now)
        return org

    def organisation(self, org_id: str) -> tuple[Organisation, list[OrganisationKey]]:
        with self._engine.connect() as conn:
            org = repo.get_organisation(conn, org_id)
            if org is None:
                raise NotFound(f"No organisation {org_id!r}.", code="organisation_unknown")
            return org, repo.keys_of(conn, [org_id])

    def organisations(self, kind: str | None = None) -> list[Organisation]:
        with self._engine.connect() as conn:
            return repo.list_organisations(conn, kind=kind)

    def set_disabled(self, actor: Actor, org_id: str, disabled: bool) -> Organisation:
        now = self._clock()
        with self._engine.begin() as conn:
            if repo.get_organisation(conn, org_id) is None:
                raise NotFound(f"No organisation {org_id!r}.", code="organisation_unknown")
            repo.set_disabled(conn, org_id, disabled, now)
            action = "organisation.disable" if disabled else "organisation.enable"
            evidence_repo.append(conn, actor, action, object_type="organisation", object_id=org_id, at=now)
            org = repo.get_organisation(conn, org_id)
        assert org is not None
        return org

    def set_retention(self, actor: Actor, org_id: str, days: int | None) -> Organisation:
        """A municipality's own retention term for cases without help (None: the hub's default)."""
        now = self._clock()
        with self._engine.begin() as conn:
            org = repo.get_organisation(conn, org_id)
            if org is None or org.kind != "municipality":
                raise NotFound(f"No municipality {org_id!r}.", code="organisation_unknown")
            repo.set_retention(conn, org_id, days, now)
            evidence_repo.append(
                conn, actor, "organisation.retention", object_type="organisation", object_id=org_id, at=now
            )
            updated = repo.get_organisation(conn, org_id)
        assert updated is not None
        return updated

    # --- keys ---------------------------------------------------------------------------------
    def add_key(
        self,
        actor: Actor,
        org_id: str,
        use: str,
        public_key: bytes,
        *,
        suite: str | None = None,
        key_id: str | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> OrganisationKey:
        now = self._clock()
        suite = suite or DEFAULT_SUITE.get(use, "")
        key_id = key_id or generated_key_id(org_id, use, now, secrets.token_hex(2))
        not_before = not_before or now
        try:
            check_key(key_id, use, suite, not_before, not_after)
            raw = crypto.parse_public_key(suite, public_key)
        except (DirectoryRuleError, crypto.KeyFormatError) as exc:
            raise _invalid(exc) from exc
        key = OrganisationKey(
            key_id=key_id,
            organisation_id=org_id,
            use=use,
            suite=suite,
            public_key=raw,
            not_before=not_before,
            not_after=not_after,
            revoked_at=None,
            created_at=now,
        )
        with self._engine.begin() as conn:
            if repo.get_organisation(conn, org_id) is None:
                raise NotFound(f"No organisation {org_id!r}.", code="organisation_unknown")
            if repo.get_key(conn, key_id) is not None:
                raise Conflict(f"A key with id {key_id!r} already exists.", code="key_exists")
            repo.insert_key(conn, key)
            evidence_repo.append(conn, actor, "key.add", object_type="key", object_id=key_id, at=now)
        return key

    def rotate_key(
        self,
        actor: Actor,
        old_key_id: str,
        public_key: bytes,
        *,
        grace: dt.timedelta,
        new_key_id: str | None = None,
    ) -> OrganisationKey:
        """Add a successor to ``old_key_id`` (same organisation, use and suite) and let the old key
        expire after ``grace``, so that both are valid while partners switch."""
        now = self._clock()
        with self._engine.connect() as conn:
            old = repo.get_key(conn, old_key_id)
        if old is None:
            raise NotFound(f"No key {old_key_id!r}.", code="key_unknown")
        if old.state_at(now) != "valid":
            raise Conflict(f"Key {old_key_id!r} is {old.state_at(now)}; add a new key instead.", code="key_not_valid")
        new = self.add_key(actor, old.organisation_id, old.use, public_key, suite=old.suite, key_id=new_key_id)
        ends = now + grace
        if old.not_after is None or old.not_after > ends:
            with self._engine.begin() as conn:
                repo.end_key(conn, old_key_id, ends)
                evidence_repo.append(conn, actor, "key.rotate", object_type="key", object_id=old_key_id, at=now)
        return new

    def revoke_key(self, actor: Actor, key_id: str) -> OrganisationKey:
        now = self._clock()
        with self._engine.begin() as conn:
            key = repo.get_key(conn, key_id)
            if key is None:
                raise NotFound(f"No key {key_id!r}.", code="key_unknown")
            if key.revoked_at is None:
                repo.revoke_key(conn, key_id, now)
                evidence_repo.append(conn, actor, "key.revoke", object_type="key", object_id=key_id, at=now)
            revoked = repo.get_key(conn, key_id)
        assert revoked is not None
        return revoked

    # --- the public directory -----------------------------------------------------------------
    def document(self) -> DirectoryDocument:
        """Active organisations with their currently valid public encryption keys, and its ETag."""
        now = self._clock()
        with self._engine.connect() as conn:
            orgs = [o for o in repo.list_organisations(conn) if not o.disabled]
            keys = repo.keys_of(conn, [o.id for o in orgs], use="encryption")
        by_org: dict[str, list[dict[str, object]]] = {o.id: [] for o in orgs}
        for key in keys:
            if key.state_at(now) == "valid":
                by_org[key.organisation_id].append(
                    {
                        "key_id": key.key_id,
                        "suite": key.suite,
                        "public_key": b64encode(key.public_key).decode("ascii"),
                        "not_before": key.not_before.isoformat(),
                        "not_after": key.not_after.isoformat() if key.not_after else None,
                    }
                )
        body: dict[str, object] = {
            "organisations": [
                {
                    "id": o.id,
                    "name": o.name,
                    "kind": o.kind,
                    "municipality_code": o.municipality_code,
                    "encryption_keys": by_org[o.id],
                }
                for o in orgs
            ]
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return DirectoryDocument(body=body, etag=crypto.digest(canonical).hex()[:32])

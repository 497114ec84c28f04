"""Administration of the directory, for organisations of kind ``hub_admin``. The same operations are on
the CLI (``hub org ...``, ``hub key ...``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.domain.directory import Organisation, OrganisationKey
from hub.services import current_services
from schemas.v1 import directory as schemas

blp = Blueprint("admin", __name__, url_prefix="/v1/admin", description="Directory administration")


def key_view(key: OrganisationKey, now: dt.datetime) -> dict[str, Any]:
    view = dict(key.__dict__)
    view["state"] = key.state_at(now)
    return view


def organisation_view(org: Organisation, keys: list[OrganisationKey] | None = None) -> dict[str, Any]:
    view = dict(org.__dict__)
    if keys is not None:
        now = current_services().clock()
        view["key_list"] = [key_view(k, now) for k in keys]
    return view


@blp.route("/organisations")
@blp.response(200, schemas.OrganisationOut(many=True))
def list_organisations() -> list[dict[str, Any]]:
    """Every registered organisation."""
    return [organisation_view(o) for o in current_services().directory.organisations()]


@blp.route("/organisations", methods=["POST"])
@blp.arguments(schemas.OrganisationIn)
@blp.response(201, schemas.OrganisationOut)
def add_organisation(body: dict[str, Any]) -> dict[str, Any]:
    """Register an organisation (without keys; add them next)."""
    org = current_services().directory.add_organisation(
        current_actor(), body["id"], body["name"], body["kind"], body["municipality_code"]
    )
    return organisation_view(org, [])


@blp.route("/organisations/<org_id>")
@blp.response(200, schemas.OrganisationOut)
def show_organisation(org_id: str) -> dict[str, Any]:
    """One organisation with all its keys, valid or not."""
    org, keys = current_services().directory.organisation(org_id)
    return organisation_view(org, keys)


@blp.route("/organisations/<org_id>/disable", methods=["POST"])
@blp.response(200, schemas.OrganisationOut)
def disable_organisation(org_id: str) -> dict[str, Any]:
    """Disable an organisation: its keys stop working at once and it leaves the directory."""
    return organisation_view(current_services().directory.set_disabled(current_actor(), org_id, True))


@blp.route("/organisations/<org_id>/enable", methods=["POST"])
@blp.response(200, schemas.OrganisationOut)
def enable_organisation(org_id: str) -> dict[str, Any]:
    """Enable a disabled organisation again."""
    return organisation_view(current_services().directory.set_disabled(current_actor(), org_id, False))


@blp.route("/organisations/<org_id>/keys", methods=["POST"])
@blp.arguments(schemas.KeyIn)
@blp.response(201, schemas.KeyOut)
def add_key(body: dict[str, Any], org_id: str) -> dict[str, Any]:
    """Register a public key (signing or encryption) for an organisation."""
    services = current_services()
    key = services.directory.add_key(
        current_actor(),
        org_id,
        body["use"],
        body["public_key"],
        suite=body["suite"],
        key_id=body["key_id"],
        not_before=body["not_before"],
        not_after=body["not_after"],
    )
    return key_view(key, services.clock())


@blp.route("/keys/<key_id>/rotate", methods=["POST"])
@blp.arguments(schemas.KeyRotateIn)
@blp.response(201, schemas.KeyOut)
def rotate_key(body: dict[str, Any], key_id: str) -> dict[str, Any]:
    """Add a successor key; the old one stays valid for ``grace_hours`` (default a week)."""
    services = current_services()
    key = services.directory.rotate_key(
        current_actor(),
        key_id,
        body["public_key"],
        grace=dt.timedelta(hours=body["grace_hours"]),
        new_key_id=body["new_key_id"],
    )
    return key_view(key, services.clock())


@blp.route("/keys/<key_id>/revoke", methods=["POST"])
@blp.response(200, schemas.KeyOut)
def revoke_key(key_id: str) -> dict[str, Any]:
    """Revoke a key at once (compromise, departure)."""
    services = current_services()
    return key_view(services.directory.revoke_key(current_actor(), key_id), services.clock())

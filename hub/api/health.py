"""Liveness and readiness."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from hub.services import current_services

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)


class ReadySchema(ma.Schema):
    status = ma.fields.String(required=True)
    database = ma.fields.String(required=True)
    migration = ma.fields.String(required=True, allow_none=True)
    scheduler_heartbeat = ma.fields.String(
        allow_none=True,
        metadata={"description": "when the scheduler process last reported in (null: no scheduler has run)"},
    )


@blp.route("/healthz")
@blp.response(200, HealthSchema)
def healthz() -> dict[str, str]:
    """The process is alive (it answers; nothing else is checked)."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, ReadySchema)
@blp.alt_response(503, description="The database is unreachable or not migrated to head")
def readyz() -> dict[str, str | None]:
    """The database is reachable and its schema is at the newest migration."""
    return current_services().health.readiness()

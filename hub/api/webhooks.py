"""Webhook endpoints and the events behind them."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from hub.api.access import current_actor
from hub.services import current_services
from schemas.v1 import webhooks_api as schemas

blp = Blueprint("webhooks", __name__, url_prefix="/v1", description="Webhook notifications and events")


@blp.route("/webhooks")
@blp.response(200, schemas.EndpointOut(many=True))
def list_endpoints() -> list[dict[str, Any]]:
    """Your webhook endpoints (without secrets)."""
    return current_services().webhooks.endpoints_of(current_actor())


@blp.route("/webhooks", methods=["POST"])
@blp.arguments(schemas.EndpointIn)
@blp.response(201, schemas.EndpointOut)
def register_endpoint(body: dict[str, Any]) -> dict[str, Any]:
    """Register an endpoint. Keep the returned `secret`: it verifies every notification's signature."""
    return current_services().webhooks.register(current_actor(), body["url"])


@blp.route("/webhooks/<endpoint_id>", methods=["DELETE"])
@blp.response(204)
def delete_endpoint(endpoint_id: str) -> None:
    """Remove an endpoint and its pending deliveries."""
    current_services().webhooks.delete(current_actor(), endpoint_id)


@blp.route("/webhooks/<endpoint_id>/rotate-secret", methods=["POST"])
@blp.response(200, schemas.EndpointOut)
def rotate_secret(endpoint_id: str) -> dict[str, Any]:
    """A new secret, effective for every notification from now on."""
    return current_services().webhooks.rotate_secret(current_actor(), endpoint_id)


@blp.route("/webhooks/<endpoint_id>/enable", methods=["POST"])
@blp.response(200, schemas.EndpointOut)
def enable_endpoint(endpoint_id: str) -> dict[str, Any]:
    """Enable an endpoint the hub disabled (it answered 410 Gone)."""
    return current_services().webhooks.enable(current_actor(), endpoint_id)


@blp.route("/events")
@blp.arguments(schemas.EventsArgs, location="query")
@blp.response(200, schemas.EventOut(many=True))
def list_events(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Your events in order (what the webhooks notified, or would have): catch up after an outage by
    paging with `after` = the last `seq` you handled."""
    return current_services().webhooks.events(current_actor(), args["after"], args["limit"])


@blp.route("/admin/webhooks")
@blp.response(200, schemas.EndpointOut(many=True))
def admin_endpoints() -> list[dict[str, Any]]:
    """Every endpoint with its delivery counts: disabled and failing ones need attention."""
    return current_services().webhooks.all_for_admin()

"""API bodies of webhook endpoints and the events listing."""

from __future__ import annotations

import marshmallow as ma

from schemas.v1.directory import Strict


class EndpointIn(Strict):
    url = ma.fields.Url(
        required=True,
        schemes={"https", "http"},
        require_tld=False,
        metadata={"description": "https; plain http only to loopback outside production"},
    )


class EndpointOut(Strict):
    id = ma.fields.String(required=True)
    url = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    disabled_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    last_success_at = ma.fields.AwareDateTime(allow_none=True)
    failing_since = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "set when a notification gave up after the retry period; cleared by the next success"},
    )
    secret = ma.fields.String(
        metadata={
            "description": "whsec_...: only on registration and rotation; verify "
            "webhook-signature with it (Standard Webhooks)"
        }
    )
    organisation_id = ma.fields.String(metadata={"description": "admin view only"})
    deliveries = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "admin view only: deliveries by status"},
    )


class EventData(Strict):
    object = ma.fields.String(required=True)
    id = ma.fields.String(required=True)
    version = ma.fields.Integer()


class EventOut(Strict):
    event_id = ma.fields.String(required=True, metadata={"description": "the webhook-id of its notification"})
    seq = ma.fields.Integer(required=True, metadata={"description": "pass as `after` to page"})
    type = ma.fields.String(required=True)
    data = ma.fields.Nested(EventData, required=True)
    timestamp = ma.fields.AwareDateTime(required=True)


class EventsArgs(Strict):
    after = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**63 - 1))  # a BIGINT seq
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))

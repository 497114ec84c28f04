"""API body of the routing table (``schemas.v1.routing`` is the model and the lookup)."""

from __future__ import annotations

import marshmallow as ma

from schemas.v1.directory import Strict


class RoutingEntryOut(Strict):
    postcode_from = ma.fields.String(required=True, metadata={"example": "1011AA"})
    postcode_to = ma.fields.String(required=True, metadata={"example": "1011ZZ"})
    house_number_from = ma.fields.Integer(allow_none=True)
    house_number_to = ma.fields.Integer(allow_none=True)
    municipality_code = ma.fields.String(required=True, metadata={"example": "0363"})
    valid_from = ma.fields.String(required=True, metadata={"description": "ISO date, inclusive"})
    valid_to = ma.fields.String(allow_none=True, metadata={"description": "ISO date, exclusive; null: open"})


class RoutingTableOut(Strict):
    version = ma.fields.String(required=True)
    entries = ma.fields.List(ma.fields.Nested(RoutingEntryOut), required=True)

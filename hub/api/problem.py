"""The problem+json schema, for the OpenAPI document, and the Api that renders every error with it."""

from __future__ import annotations

import marshmallow as ma
from flask import Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from hub import errors


class InvalidParamSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "Dotted path of the bad field"})
    reason = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, with the hub's stable ``code``."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    code = ma.fields.String(required=True, metadata={"description": "Stable machine-readable error code"})
    instance = ma.fields.String()
    invalid_params = ma.fields.List(ma.fields.Nested(InvalidParamSchema))


class HubApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, with problem+json instead of its own error payload."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return errors.http_exception_response(error)

"""The problem+json schema, for the OpenAPI document, and the Api that renders every error with it."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from apispec import BasePlugin
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


class ProblemMediaTypePlugin(BasePlugin):
    """Documents every error body as ``application/problem+json``, the media type the hub sends (flask-smorest
    would document ``application/json`` for its default error responses and for ``alt_response``)."""

    @staticmethod
    def _is_problem(schema: Any) -> bool:
        if isinstance(schema, ProblemSchema) or schema is ProblemSchema:
            return True
        if isinstance(schema, dict):
            return str(schema.get("$ref", "")).endswith("/Problem")
        return bool(schema == "Problem")

    def _fix(self, response: dict[str, Any]) -> None:
        content = response.get("content") or {}
        body = content.get("application/json")
        if body is not None and self._is_problem(body.get("schema")):
            content[errors.PROBLEM_MEDIA_TYPE] = content.pop("application/json")

    def response_helper(self, response: dict[str, Any], **_kwargs: Any) -> None:
        self._fix(response)

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            for response in (operation.get("responses") or {}).values():
                if isinstance(response, dict):
                    self._fix(response)


class HubApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, with problem+json instead of its own error payload."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Any = None, *, spec_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), ProblemMediaTypePlugin()]
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def handle_http_exception(self, error: HTTPException) -> Response:
        return errors.http_exception_response(error)

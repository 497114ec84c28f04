"""One error tree for the hub, rendered as RFC 9457 problem+json.

Every error the hub returns, including Werkzeug's 404/405/413/415 and marshmallow's 422, goes through
:func:`problem_response`, so clients see one shape: ``type``, ``title``, ``status``, ``detail``, a
stable ``code`` and, for validation errors, ``invalid_params`` as ``[{name, reason}]``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE_BASE = "https://signaalhub.nl/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InvalidParam:
    name: str
    reason: str


class HubError(Exception):
    """Base of every error the hub raises on purpose. Subclasses fix ``status``, ``code`` and ``title``."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        invalid_params: Iterable[InvalidParam] = (),
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.invalid_params = list(invalid_params)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})  # extension members of the problem (RFC 9457 section 3.2)
        if code is not None:
            self.code = code


class MalformedRequest(HubError):
    status, code, title = 400, "malformed_request", "The request could not be read"


class Unauthenticated(HubError):
    status, code, title = 401, "unauthenticated", "The request is not signed by a known organisation"


class Forbidden(HubError):
    status, code, title = 403, "forbidden", "This organisation may not do this"


class NotFound(HubError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(HubError):
    status, code, title = 409, "conflict", "The request conflicts with what the hub already holds"


class Gone(HubError):
    status, code, title = 410, "gone", "It was here and has been erased"


class PayloadTooLarge(HubError):
    status, code, title = 413, "payload_too_large", "The request body is too large"


class UnsupportedMediaType(HubError):
    status, code, title = 415, "unsupported_media_type", "The request body must be application/json"


class ValidationFailed(HubError):
    status, code, title = 422, "validation_failed", "The request has invalid fields"


class TooManyRequests(HubError):
    status, code, title = 429, "rate_limited", "Too many requests"


class ServiceUnavailable(HubError):
    status, code, title = 503, "unavailable", "The service is not ready"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    invalid_params: Iterable[InvalidParam] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        **(extra or {}),
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    params = [{"name": p.name, "reason": p.reason} for p in invalid_params]
    if params:
        body["invalid_params"] = params
    if request:
        body["instance"] = request.path
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> list[InvalidParam]:
    """Turn marshmallow's nested error dict into ``name``/``reason`` pairs with dotted paths.

    ``{"debtors": {0: {"surname": ["Missing data."]}}}`` becomes ``debtors.0.surname``.
    """
    if isinstance(messages, Mapping):
        out: list[InvalidParam] = []
        for key, value in messages.items():
            name = str(key) if key != "_schema" else prefix.rstrip(".") or "body"
            child = f"{prefix}{key}." if key != "_schema" else prefix
            if isinstance(value, Mapping):
                out.extend(flatten_messages(value, child))
            elif isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
                out.extend(InvalidParam(name if key == "_schema" else f"{prefix}{key}", str(v)) for v in value)
            else:
                out.extend(flatten_messages(value, child))
        return out
    if isinstance(messages, list | tuple):
        return [InvalidParam(prefix.rstrip(".") or "body", str(m)) for m in messages]
    return [InvalidParam(prefix.rstrip(".") or "body", str(messages))]


def http_exception_response(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if status == 422 and messages is not None:
        # webargs nests errors by location ("json", "query"); the location is not part of the name.
        params = []
        for location, fields in messages.items() if isinstance(messages, Mapping) else [("", messages)]:
            prefix = "" if location == "json" else f"{location}."
            params.extend(flatten_messages(fields, prefix))
        return problem_response(
            422,
            "validation_failed",
            ValidationFailed.title,
            f"{len(params)} invalid field(s)",
            invalid_params=params,
        )
    if status == 400 and messages is not None:
        return problem_response(
            400,
            "malformed_json",
            "The request body is not valid JSON",
            "The body could not be parsed as JSON.",
        )
    headers = {}
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    code = _HTTP_CODES.get(status, f"http_{status}")
    detail = error.description or error.name
    if status == 413:
        detail = "The request body exceeds the configured limit (HUB_MAX_BODY_BYTES)."
    return problem_response(status, code, error.name, detail, headers=headers)


def _from_hub_error(error: HubError) -> Response:
    return problem_response(
        error.status,
        error.code,
        error.title,
        error.detail,
        invalid_params=error.invalid_params,
        headers=error.headers,
        extra=error.extra,
    )


#: Seconds a client should wait before retrying while the database is away (503 Retry-After).
DATABASE_RETRY_AFTER_SECONDS = 2


def _from_database_unavailable(error: sa.exc.DBAPIError) -> Response:
    """The database refused or dropped the connection (restart, failover, network): 503, retry later.

    The request's transaction did not complete (when the connection died during COMMIT it may have; a retry
    with the same signal or message ids then answers "duplicate"), and the engine's pool discards the dead
    connections (a disconnect renews it; idle ones are pinged, hub/db/engine.py), so the hub recovers by
    itself when the database is back. The log names only the error's class: SQLAlchemy's message carries
    the statement's parameters.
    """
    log.warning(
        "database unavailable on %s %s (%s: %s)",
        request.method,
        request.url_rule or "<no route>",
        type(error).__name__,
        type(error.orig).__name__,
    )
    return problem_response(
        503,
        "database_unavailable",
        ServiceUnavailable.title,
        "The database is unavailable; retry later (with the same ids: a retry is never stored twice).",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def _from_recursion(_error: RecursionError) -> Response:
    """JSON nested thousands deep makes the parser (json.loads, via webargs) recurse past Python's limit: the
    body is unusable, not the hub broken. No schema of the hub nests more than a few levels."""
    log.warning("request body nested too deeply on %s %s", request.method, request.url_rule or "<no route>")
    return problem_response(
        400,
        "malformed_json",
        "The request body is not valid JSON",
        "The body is nested too deeply to be read.",
    )


def _from_value_error(error: ValueError) -> Response:
    """json.loads refuses integers of more than 4,300 digits (CPython's guard against quadratic conversion)
    with a plain ValueError that the argument parser does not catch: a bad body, not a hub error."""
    if "integer string conversion" in str(error):
        return problem_response(
            400,
            "malformed_json",
            "The request body is not valid JSON",
            "A number in the body has too many digits to be read.",
        )
    return _from_unexpected(error)


def _from_unexpected(error: Exception) -> Response:
    # The traceback goes to the log (which never carries request bodies); the client learns nothing
    # about internals.
    log.exception("unhandled error on %s %s", request.method, request.url_rule or "<no route>")
    return problem_response(
        500,
        "internal_error",
        "Internal server error",
        "The hub could not complete the request; it has been logged.",
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(HubError, _from_hub_error)
    app.register_error_handler(HTTPException, http_exception_response)
    # connection-level failures only: OperationalError (refused, dropped, shut down) and InterfaceError
    # (a closed connection); a constraint violation or a bad statement stays a logged 500
    app.register_error_handler(sa.exc.OperationalError, _from_database_unavailable)
    app.register_error_handler(sa.exc.InterfaceError, _from_database_unavailable)
    app.register_error_handler(RecursionError, _from_recursion)
    app.register_error_handler(ValueError, _from_value_error)
    app.register_error_handler(Exception, _from_unexpected)

"""Structured JSON logs with a request id. Configured by the entry points (``hub serve``, ``hub scheduler``,
``hub/wsgi.py``), never at import time.

Log lines carry the logger's message and fixed fields only. Nothing in the hub logs request bodies, query
strings, tokens or keys; request lines name the route pattern (``/v1/signals/<signal_id>``), not the path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is None and has_request_context():
            request_id = g.get("request_id")
        if request_id:
            entry["request_id"] = request_id
        for key in ("route", "method", "status", "duration_ms", "organisation"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    """Send every log line to standard error as JSON."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """A request id on every request (the caller's X-Request-ID if well-formed) and one line per request."""
    access = logging.getLogger("hub.access")

    @app.before_request
    def _request_id() -> None:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        actor = g.get("actor")
        access.info(
            "request",
            extra={
                "route": request.url_rule.rule if request.url_rule else "<unmatched>",
                "method": request.method,
                "status": response.status_code,
                "organisation": actor.organisation_id if actor else None,
                "request_id": g.get("request_id"),
            },
        )
        return response

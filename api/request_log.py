"""One structured log line per request: never bodies, tokens, query strings or health data."""
from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid

from flask import Flask, g, has_request_context, request

log = logging.getLogger("peerless.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request it was logged in (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonLineFormatter(logging.Formatter):
    """One JSON object a line; the request log's lines are JSON already."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == log.name:
            return record.getMessage()
        line = {"event": "log", "level": record.levelname.lower(), "logger": record.name,
                "request_id": getattr(record, "request_id", None), "message": record.getMessage()}
        if record.exc_info:
            # Where and what, never the exception's message or source lines: either can quote what
            # someone wrote (a test's literal, an IntegrityError's refused values).
            kind, _, trace = record.exc_info
            frames = [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(trace)]
            line["exception"] = {"type": getattr(kind, "__name__", "Exception"), "stack": frames}
        return json.dumps(line)


def install_log_handler() -> None:
    """Every `peerless.*` logger writes through one handler: JSON lines that carry the request id."""
    root = logging.getLogger("peerless")
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLineFormatter())
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def register_request_log(app: Flask) -> None:
    install_log_handler()

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def log_request(response):
        started = g.get("request_started", time.perf_counter())
        response.headers["X-Request-ID"] = g.get("request_id", "")
        log.info(json.dumps({
            "event": "request",
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,  # never the query string: searches can name a condition
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }))
        return response

"""One structured log line per request: never bodies, tokens, query strings or health data."""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("peerless.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def register_request_log(app: Flask) -> None:
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = True

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

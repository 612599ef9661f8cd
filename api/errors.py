"""The one place where exceptions become RFC 9457 problem documents."""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, g, has_request_context, jsonify
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from models import db
from services.errors import ServiceError

PROBLEM_MIMETYPE = "application/problem+json"
log = logging.getLogger("peerless.errors")

_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "permission_denied", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_failed", 429: "rate_limited", 500: "internal_error", 503: "service_unavailable",
}


def problem(status: int, *, title: str, detail: str | None = None, code: str | None = None,
            errors: dict | None = None, headers: dict | None = None):
    """Build a problem+json response."""
    code = code or _CODES.get(status, "error")
    body = {"type": f"urn:peerless:problem:{code}", "title": title, "status": status,
            "detail": detail or title, "code": code}
    if has_request_context() and g.get("request_id"):
        body["instance"] = f"urn:peerless:request:{g.request_id}"  # the X-Request-ID an operator greps for
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    response.headers.update(headers or {})
    return response


def http_problem(error: HTTPException):
    """Werkzeug/smorest/limiter HTTP errors, with their validation messages flattened."""
    headers = {}
    if getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    data = getattr(error, "data", None) or {}
    errors = flatten_errors(data.get("errors") or data.get("messages") or {})
    status = error.code or 500
    if status >= 500:
        log.error("server error", exc_info=getattr(error, "original_exception", None))
    detail = data.get("message") or _detail(status, error, errors)
    title = "The request has invalid fields" if status == 422 else error.name
    headers.update(data.get("headers") or {})
    retry_after = _retry_after(error)
    if retry_after:
        headers["Retry-After"] = retry_after
    return problem(status, title=title, detail=detail, errors=errors or None, headers=headers)


def _detail(status: int, error: HTTPException, errors: dict) -> str:
    if status == 400 and "json" in errors:
        return "The body is not valid JSON."
    if status == 422 and errors:
        field, messages = next(iter(errors.items()))
        return f"{field}: {messages[0]}"
    return error.description or error.name


def _retry_after(error: HTTPException) -> str | None:
    """Seconds until the breached window resets: the real wait, not the window's length."""
    if error.code != 429 or getattr(error, "limit", None) is None:
        return None
    from api.extensions import limiter  # noqa: PLC0415  (extensions imports this module)

    current = limiter.current_limit
    if current is None:
        return str(int(error.limit.limit.get_expiry()))
    return str(max(1, math.ceil(current.reset_at - time.time())))


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests errors by location and field (`{"json": {"a": {"0": ["..."]}}}`); flatten to dotted paths."""
    if isinstance(messages, (list, tuple)):
        return {prefix or "_body": [str(m) for m in messages if not isinstance(m, (dict, list))]} | {
            k: v for m in messages if isinstance(m, dict) for k, v in flatten_errors(m, prefix).items()
        }
    if not isinstance(messages, dict):
        return {prefix or "_body": [str(messages)]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if not prefix and key in ("json", "query", "view_args", "headers", "form"):
            name = key if isinstance(value, list) else ""
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if key == "_schema":
            name = prefix or "_body"
        flat.update(flatten_errors(value, name))
    return flat


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        db.session.rollback()
        return problem(error.status, title=error.title, detail=error.detail, code=error.code,
                       errors=error.errors, headers=error.headers)

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        db.session.rollback()
        return problem(409, title="Conflict", detail="This conflicts with something that already exists.")

    @app.errorhandler(DataError)
    def data_error(error: DataError):
        db.session.rollback()
        return problem(422, title="The request has invalid fields", detail="A value is out of range for its field.")

    @app.errorhandler(RecursionError)
    def too_deeply_nested(error: RecursionError):
        # json.loads recurses once per nesting level: "[[[[...]]]]" in a body overflows the stack.
        if "JSON" not in str(error):
            raise error
        return problem(400, title="Bad Request", detail="The body is not valid JSON: it is nested too deeply.")

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        log.error("database unavailable: %s", error.orig)
        return problem(503, title="Service unavailable", code="database_unavailable",
                       detail="The database did not answer; try again shortly.", headers={"Retry-After": "5"})

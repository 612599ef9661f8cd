"""Optional crash reports to Sentry (`SENTRY_DSN`), with nothing a person wrote or is in them.

A crash can happen mid-way through anything: a message send, a check-in, an export. So an event
keeps only what locates the bug (exception type, the stack as file, function and line, route,
request id) and drops what could carry health data or identify someone: request bodies, query
strings, headers, cookies, the user, local variables, source lines (a test's or a template's may
hold data), exception messages (an IntegrityError quotes the values it refused), formatted log
arguments and breadcrumbs (SQL, HTTP and log trails).
"""
from __future__ import annotations

from flask import Flask, g, has_request_context

SCRUBBED = "[scrubbed]"


def init_error_reporting(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    import sentry_sdk  # noqa: PLC0415 - only deployments that report crashes load it
    from sentry_sdk.integrations.flask import FlaskIntegration  # noqa: PLC0415

    sentry_sdk.init(
        dsn=dsn, environment=app.config["PEERLESS_ENV"], integrations=[FlaskIntegration()],
        data_collection={"user_info": False, "http_bodies": [], "database_query_data": False,
                         "stack_frame_variables": False, "queues": False, "frame_context_lines": 0},
        traces_sample_rate=0.0,
        before_send=scrub_event, before_breadcrumb=lambda crumb, hint: None,
        transport=app.config.get("SENTRY_TRANSPORT"),  # tests capture events instead of sending them
    )


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request") or {}
    event["request"] = {key: request[key] for key in ("method", "url") if key in request}
    for key in ("user", "extra", "breadcrumbs", "server_name"):
        event.pop(key, None)
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = SCRUBBED
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    if "logentry" in event:
        event["logentry"] = {"message": (event["logentry"] or {}).get("message", SCRUBBED), "params": []}
    if has_request_context() and g.get("request_id"):
        event.setdefault("tags", {})["request_id"] = g.request_id
    return event

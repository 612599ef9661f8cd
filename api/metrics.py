"""`GET /metrics` for Prometheus, and the per-request counters behind it (docs/operations.md).

Not public: it answers only `Authorization: Bearer <METRICS_TOKEN>`, and 404 when no token is set.
Request figures are labelled by route template (`/api/v1/conversations/<id:conversation_id>`), never
by path, so ids never reach the metrics and their number stays bounded.
"""
from __future__ import annotations

import hmac
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from api.errors import problem
from models import db
from services import health, metrics, realtime

UNMATCHED = "<unmatched>"  # 404s for paths no route knows: one label, however many are probed


def register_metrics(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_count)
    app.add_url_rule("/metrics", "metrics", read_metrics, methods=["GET"])


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count(response):
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    if route != "/metrics":
        elapsed = time.perf_counter() - g.get("metrics_started", time.perf_counter())
        metrics.HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(route, request.method).observe(elapsed)
    return response


def read_metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return problem(404, title="Not Found", detail="Metrics are not enabled (set METRICS_TOKEN).")
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(sent.encode(), token.encode()):
        return problem(401, title="Authentication required", detail="Send the metrics token as a bearer token.",
                       headers={"WWW-Authenticate": "Bearer"})
    service = CollectorRegistry()
    service.register(metrics.ServiceCollector(
        sockets_open=realtime.open_socket_count(), pool=metrics.pool_status(db.engine),
        ready=all(state == "ok" for state in health.dependency_status().values())))
    body = generate_latest(metrics.REGISTRY) + generate_latest(service)
    db.session.rollback()  # the scrape's reads end here; nothing was written
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})

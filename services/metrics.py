"""What operators watch (docs/operations.md): counters this process keeps, and figures about the
whole service read from the database when Prometheus scrapes.

Process figures (requests, pushes settled here, sockets held here) live in `REGISTRY`; each API
process and each push worker is scraped on its own and Prometheus sums them. Service figures
(outbox backlog, dead letters, open crisis alerts, scheduled jobs) are the same from every
process, so dashboards take `max` of them, never `sum`.
"""
from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from models import OutboxStatus, PushOutbox, Report, ReportStatus, ScheduledRun, Severity, db, utcnow

REGISTRY = CollectorRegistry()

HTTP_REQUESTS = Counter(
    "peerless_http_requests", "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram(
    "peerless_http_request_duration_seconds", "Time to answer an HTTP request, by route template and method.",
    ["route", "method"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
PUSH_SENDS = Counter(
    "peerless_push_sends", "Outbox rows settled by this process: sent, retried (rescheduled) or dead (gave up).",
    ["outcome"], registry=REGISTRY)
for _outcome in ("sent", "retried", "dead"):
    PUSH_SENDS.labels(_outcome)  # present at 0 from the start, so rate() works before the first push
PUSH_DEVICES_REMOVED = Counter(
    "peerless_push_devices_removed", "Devices deleted because FCM said the token is gone.", registry=REGISTRY)


def record_drain(stats) -> None:
    """Count what one drain of the push outbox settled (a DrainStats)."""
    for outcome, count in (("sent", stats.sent), ("retried", stats.retried), ("dead", stats.dead)):
        if count:
            PUSH_SENDS.labels(outcome).inc(count)
    if stats.devices_removed:
        PUSH_DEVICES_REMOVED.inc(stats.devices_removed)


def _age_seconds(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


class ServiceCollector:
    """Read at scrape time, inside the /metrics request (so with the app's database session)."""

    def __init__(self, *, sockets_open: int, pool: dict[str, int], ready: bool):
        self.sockets_open, self.pool, self.ready = sockets_open, pool, ready

    def collect(self):
        now = utcnow()
        yield from self._outbox(now)
        yield from self._crisis_alerts(now)
        yield from self._scheduled_runs()
        yield _gauge("peerless_socketio_connections", "Socket.IO connections held by this process.",
                     self.sockets_open)
        pool = GaugeMetricFamily("peerless_db_pool_connections", "Database pool connections by state.",
                                 labels=["state"])
        for state, value in self.pool.items():
            pool.add_metric([state], value)
        yield pool
        yield _gauge("peerless_ready", "1 when the database (and Redis, when configured) answer.", int(self.ready))

    def _outbox(self, now):
        due = select(func.count(), func.min(PushOutbox.next_attempt_at)).where(
            PushOutbox.status == OutboxStatus.PENDING, PushOutbox.next_attempt_at <= now)
        count, oldest = db.session.execute(due).one()
        dead = db.session.scalar(select(func.count()).where(PushOutbox.status == OutboxStatus.DEAD))
        yield _gauge("peerless_push_outbox_due", "Pushes due now and not yet sent.", count)
        yield _gauge("peerless_push_outbox_oldest_due_age_seconds",
                     "How long the oldest due push has waited (0 when none is due).", _age_seconds(now, oldest))
        yield _gauge("peerless_push_dead_letters", "Pushes given up on, waiting for an operator.", dead)

    def _crisis_alerts(self, now):
        open_high = (Report.status == ReportStatus.OPEN, Report.severity == Severity.HIGH)
        count = db.session.scalar(select(func.count()).where(*open_high))
        oldest = db.session.scalar(select(func.min(Report.created_at)).where(
            *open_high, Report.acknowledged_at.is_(None)))
        yield _gauge("peerless_crisis_alerts_open", "Open high-severity alerts (crisis and risk to self).", count)
        yield _gauge("peerless_crisis_alert_oldest_unacknowledged_age_seconds",
                     "Age of the oldest open high-severity alert nobody acknowledged (0 when none).",
                     _age_seconds(now, oldest))

    def _scheduled_runs(self):
        runs = CounterMetricFamily("peerless_scheduled_job_runs", "Runs of each scheduled job, by outcome.",
                                   labels=["job", "outcome"])
        last_ok = GaugeMetricFamily("peerless_scheduled_job_last_success_timestamp_seconds",
                                    "When each scheduled job last finished without an error.", labels=["job"])
        for run in db.session.scalars(select(ScheduledRun)):
            runs.add_metric([run.job, "ok"], run.succeeded)
            runs.add_metric([run.job, "error"], run.failed)
            if run.last_succeeded_at is not None:
                last_ok.add_metric([run.job], run.last_succeeded_at.timestamp())
        yield runs
        yield last_ok


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def pool_status(engine) -> dict[str, int]:
    """Checked-out and idle connections of a QueuePool (other pools report nothing)."""
    pool = engine.pool
    if not hasattr(pool, "checkedout"):
        return {}
    return {"in_use": pool.checkedout(), "idle": pool.checkedin(), "overflow": max(0, pool.overflow())}

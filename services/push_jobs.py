"""RQ mode: commits that write push outbox rows nudge a drain job onto Redis at once.

The polling worker (`flask push-worker`) needs no Redis and is enough on its own; with Redis,
`flask push-worker --rq` runs an RQ worker for these jobs, and each job schedules a follow-up at
the next retry time, so rows waiting on backoff are drained without polling.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import current_app
from rq import Queue

from services.redis_client import redis_client

log = logging.getLogger("peerless.push")
QUEUE = "push"
NUDGE_KEY = "push:nudge"
FOLLOW_UP_KEY = "push:follow-up"  # when the one scheduled follow-up runs; expires at that moment


def nudge() -> None:
    """Ask for a drain soon; at most one queued nudge a second. Best effort: the rows are safe in the outbox."""
    client = redis_client(current_app.config.get("REDIS_URL"))
    if client is None:
        return
    try:
        if client.set(NUDGE_KEY, "1", nx=True, px=1000):
            Queue(QUEUE, connection=client).enqueue(drain_job, job_timeout=300)
    except Exception:  # noqa: BLE001 - Redis down: the polling worker or the next nudge drains the row
        log.warning("could not enqueue a push drain; the outbox keeps the rows", exc_info=True)


def drain_job() -> dict:
    """RQ job: drain what is due, then schedule a follow-up for the earliest pending retry."""
    from api import create_app
    from services.push_worker import next_due_at, worker_for

    app = _app_for_jobs(create_app)
    with app.app_context():
        stats = worker_for(app.config).drain()
        due = next_due_at()
        if due is not None:
            schedule_follow_up(redis_client(app.config.get("REDIS_URL")), due)
    return vars(stats)


def schedule_follow_up(client, due: datetime) -> bool:
    """Schedule a drain at `due` unless one is already scheduled no later; return whether one was added.

    Every drain job (one per nudge) ends here, so without this each nudge during an FCM outage
    would start its own chain of follow-ups and the scheduled jobs would grow without bound.
    """
    at = max(due, datetime.now(timezone.utc))
    at_ms = int(at.timestamp() * 1000)
    current = client.get(FOLLOW_UP_KEY)
    if current is not None and int(current) <= at_ms:
        return False
    if at_ms > int(datetime.now(timezone.utc).timestamp() * 1000) + 1000:
        client.set(FOLLOW_UP_KEY, at_ms, pxat=at_ms)  # gone by the time that follow-up runs
    Queue(QUEUE, connection=client).enqueue_at(at, drain_job)
    return True


_cached_app = None


def _app_for_jobs(factory):
    global _cached_app  # noqa: PLW0603 - one app per RQ worker process
    if _cached_app is None:
        _cached_app = factory()
    return _cached_app

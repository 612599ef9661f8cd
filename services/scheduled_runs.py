"""A record of each scheduled job's runs, so operators can see one that stopped running or keeps failing
(`peerless_scheduled_job_*` on /metrics; the alert rules in docs/deploy/prometheus-rules.yml)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from models import ScheduledRun, db, utcnow


@contextmanager
def recorded(job: str):
    """Run the body as one run of `job`: a failure is rolled back, recorded by class name (never its
    message, which may quote data) and raised again."""
    started = utcnow()
    try:
        yield
    except Exception as error:
        db.session.rollback()
        _save(job, started=started, error=type(error).__name__)
        raise
    _save(job, started=started)


def _save(job: str, *, started, error: str | None = None) -> None:
    now = utcnow()
    if error is None:
        values = {"succeeded": ScheduledRun.succeeded + 1, "last_succeeded_at": now}
    else:
        values = {"failed": ScheduledRun.failed + 1, "last_failed_at": now, "last_error": error}
    # Several hosts may run the same job at once: count with one UPDATE; the first run ever inserts.
    if not _bump(job, started, values):
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledRun(job=job, succeeded=0, failed=0))
        except IntegrityError:
            pass  # another host inserted it first
        _bump(job, started, values)
    db.session.commit()


def _bump(job: str, started, values: dict) -> bool:
    result = db.session.execute(update(ScheduledRun).where(ScheduledRun.job == job)
                                .values(last_started_at=started, **values))
    return result.rowcount > 0

"""`flask --app wsgi push-worker` and the dead-letter commands for operators."""
from __future__ import annotations

import atexit
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from prometheus_client import start_http_server

from services import metrics
from services.push_worker import dead_letters, requeue_dead_letters, run_forever, worker_for
from services.scheduled import run_scheduled


@click.command("push-worker")
@click.option("--once", is_flag=True, help="Drain what is due now, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--rq", "use_rq", is_flag=True, help="Run as an RQ worker for drain jobs (needs REDIS_URL).")
@with_appcontext
def push_worker(once: bool, interval: float, use_rq: bool) -> None:
    """Drain the push outbox (several may run on PostgreSQL; SIGTERM finishes the current batch)."""
    app = current_app._get_current_object()
    if use_rq:
        _run_rq(app)
        return
    worker = worker_for(app.config)
    if app.config.get("METRICS_PORT") and not once:
        # This process's push counters for Prometheus; loopback only, scraped by a local agent.
        start_http_server(app.config["METRICS_PORT"], addr="127.0.0.1", registry=metrics.REGISTRY)
    if once:
        stats = worker.drain()
        click.echo(f"sent {stats.sent}, retried {stats.retried}, dead {stats.dead}, messages {stats.messages}")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Only a flag: the loop finishes a batch it is sending, releases one it has not started, then returns (exit 0).
        signal.signal(sig, lambda *_: stop.set())
    click.echo("push worker draining the outbox; Ctrl-C to stop")
    run_forever(worker, interval=interval, stop=stop)
    click.echo("push worker stopped")


def _run_rq(app) -> None:
    from rq import Worker

    from services.push_jobs import QUEUE
    from services.redis_client import redis_client

    client = redis_client(app.config.get("REDIS_URL"))
    if client is None:
        raise click.ClickException("--rq needs REDIS_URL")
    Worker([QUEUE], connection=client).work(with_scheduler=True)


@click.command("push-dead-letters")
@click.option("--requeue", is_flag=True, help="Give every dead-lettered push a fresh set of attempts.")
@with_appcontext
def push_dead_letters(requeue: bool) -> None:
    """List pushes that were given up on (or requeue them once the cause is fixed)."""
    if requeue:
        click.echo(f"requeued {requeue_dead_letters()} pushes")
        return
    rows = dead_letters()
    for row in rows:
        click.echo(f"{row.id}  user {row.user_id}  attempts {row.attempts}  {row.finished_at:%Y-%m-%d %H:%M}Z  {row.last_error}")
    click.echo(f"{len(rows)} dead-lettered pushes")


class InProcessWorker(threading.Thread):
    """`make run`: drain pushes and run scheduled jobs on a thread of the API process, so the embedded
    default needs no second process or cron. A daemon thread (it never holds the process open), but
    stopped at interpreter exit so a batch is finished or released rather than cut off mid-transaction."""

    def __init__(self, app):
        super().__init__(name="push-worker", daemon=True)
        self.app, self.stopping = app, threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            run_forever(worker_for(self.app.config), interval=1.0, stop=self.stopping, every_minute=run_scheduled)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.join(timeout)


def start_in_process_worker(app) -> InProcessWorker:
    worker = InProcessWorker(app)
    worker.start()
    atexit.register(worker.stop)  # Ctrl-C on `make run`: atexit runs while daemon threads still do
    return worker


@click.command("run-scheduled")
@with_appcontext
def run_scheduled_command() -> None:
    """Expire unanswered mentorship requests, remind mentors, warn of expiring accreditations (cron-safe)."""
    for job, count in run_scheduled().items():
        click.echo(f"{job}: {count}")


commands = [push_worker, push_dead_letters, run_scheduled_command]

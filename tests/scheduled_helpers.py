"""Two hosts running `flask run-scheduled` at the same moment, for the cron-safety tests."""
from __future__ import annotations

import threading
from datetime import datetime

from services import scheduled


def run_on_two_hosts_at_once(monkeypatch, apps, now: datetime) -> None:
    """Both runners list the same due rows before either claims one, so only the claim can keep a job single."""
    barrier = threading.Barrier(2, timeout=2)
    real_claim = scheduled._claim

    def meet_then_claim(*args, **kwargs):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other runner waits on our lock (SQLite), so it cannot meet us
        return real_claim(*args, **kwargs)

    def run(app):
        with app.app_context():
            scheduled.run_scheduled(now=now)

    monkeypatch.setattr(scheduled, "_claim", meet_then_claim)
    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

"""A push worker told to stop finishes the batch it is sending, gives back rows it claimed but did not
send (so another worker takes them at once, not when the lease ends), and exits 0."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from api import push_cli
from models import OutboxStatus
from services import push_gateway
from services.push_worker import PushWorker
from tests.push.conftest import befriend, drain, outbox, register_device, send
from tests.push.conftest import fcm, make_httpserver, no_sdk_backoff  # noqa: F401 - the fake FCM fixtures


@pytest.fixture
def pending(app, client, people):
    """Ada wrote to Bea: the request, its acceptance (to Ada, who has no phone) and the message wait in the outbox."""
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    register_device(client, bea, "bea-phone")
    send(client, ada, conversation_id)
    rows = outbox(app)
    assert len(rows) == 3 and {row.status for row in rows} == {OutboxStatus.PENDING}
    return bea


def test_rows_claimed_when_the_stop_comes_are_released_unsent(app, pending, fcm):
    stop = threading.Event()
    stop.set()  # arrives after the loop decided to drain: the batch is claimed, then given back
    with app.app_context():
        stats = PushWorker(fcm.gateway).drain_once(stop)
    assert (stats.claimed, stats.released, stats.messages) == (3, 3, 0)
    assert fcm.messages == []
    rows = outbox(app)
    assert {(row.status, row.claimed_until, row.attempts) for row in rows} == {(OutboxStatus.PENDING, None, 0)}

    # no lease to wait out: the next worker sends them straight away
    assert drain(app, fcm.gateway).sent == 3
    assert fcm.tokens == ["bea-phone", "bea-phone"]


class SigtermMidSend:
    """A gateway during whose send the process receives SIGTERM (as systemd stops the worker)."""

    def __init__(self, gateway):
        self.gateway, self.batches = gateway, 0

    def send(self, messages):
        self.batches += 1
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)  # the handler runs now, in the middle of the batch
        return self.gateway.send(messages)


@pytest.fixture
def restore_signal_handlers():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_sigterm_while_sending_finishes_the_batch_and_exits_0(app, pending, fcm, monkeypatch,
                                                               restore_signal_handlers):
    gateway = SigtermMidSend(fcm.gateway)
    monkeypatch.setattr(push_gateway, "build_gateway", lambda config: gateway)
    result = app.test_cli_runner().invoke(args=["push-worker", "--interval", "0.1"])
    assert result.exit_code == 0, result.output
    assert "push worker stopped" in result.output
    assert gateway.batches == 1  # stopped claiming after the signal
    assert fcm.tokens == ["bea-phone", "bea-phone"]
    assert {(row.status, row.claimed_until) for row in outbox(app)} == {(OutboxStatus.SENT, None)}


def test_the_in_process_worker_thread_stops_when_asked(app, pending):
    worker = push_cli.start_in_process_worker(app)
    try:
        deadline = time.monotonic() + 20
        while {row.status for row in outbox(app)} != {OutboxStatus.SENT}:
            assert time.monotonic() < deadline, "the in-process worker never drained the outbox"
            time.sleep(0.05)
    finally:
        worker.stop(timeout=10)
    assert not worker.is_alive()

"""An API process stopped with SIGTERM finishes what it is serving, refuses new connections at once,
and exits 0 without waiting out graceful_timeout for its Socket.IO connections."""
from __future__ import annotations

import contextlib
import json
import signal
import socket
import threading
import time

import httpx
import simple_websocket

from tests.deploy.conftest import receive, wait_until

GRACEFUL_TIMEOUT = 30  # far above the slow request, so "stopped early" is clear even on a loaded machine
SLOW_SECONDS = 6


def _refuses(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_finishes_in_flight_requests_then_exits_0(gunicorn, tmp_path, people):
    started_file = tmp_path / "slow-started"
    api = gunicorn("tests.deploy.slow_app:app", SLOW_STARTED_FILE=str(started_file),
                   GUNICORN_GRACEFUL_TIMEOUT=str(GRACEFUL_TIMEOUT))
    # a phone on a WebSocket: it never ends by itself, so only closing it lets the process stop early
    phone = simple_websocket.Client.connect(f"ws://127.0.0.1:{api.port}/socket.io/?EIO=4&transport=websocket")
    assert (receive(phone, timeout=30) or "").startswith("0{")  # a fresh worker may import lazily
    phone.send("40" + json.dumps({"token": people.make().access_token}))
    connected = receive(phone, timeout=30)
    assert (connected or "").startswith("40{"), connected

    answers = []
    slow = threading.Thread(target=lambda: answers.append(
        httpx.get(f"{api.base}/__test/slow", params={"seconds": SLOW_SECONDS}, timeout=GRACEFUL_TIMEOUT + 10)))
    slow.start()
    try:
        wait_until(started_file.exists, 10, "the slow request reaching the app", api.log_path)
        stopped_at = time.monotonic()
        api.process.send_signal(signal.SIGTERM)

        wait_until(lambda: _refuses(api.port), 4, "new connections being refused", api.log_path)
        assert slow.is_alive(), "the slow request should still be in flight while new connections are refused"
        assert _phone_was_closed(phone), "the WebSocket should be closed by the server on SIGTERM"

        slow.join(timeout=GRACEFUL_TIMEOUT + 10)
        assert answers and answers[0].status_code == 200, api.log
        assert answers[0].json() == {"slept": SLOW_SECONDS}
        assert api.process.wait(timeout=GRACEFUL_TIMEOUT + 5) == 0, api.log
        assert "Traceback" not in api.log, api.log
        # the open WebSocket did not hold the process until graceful_timeout
        assert time.monotonic() - stopped_at < SLOW_SECONDS + (GRACEFUL_TIMEOUT - SLOW_SECONDS) / 2, api.log
    finally:
        slow.join(timeout=GRACEFUL_TIMEOUT + 10)
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            phone.close()


def _phone_was_closed(phone) -> bool:
    try:
        while True:
            packet = receive(phone, timeout=5)
            if packet is None:
                return False  # nothing within 5 s: still open
            if packet == "1":  # engine.io CLOSE from the server
                return True
    except simple_websocket.ConnectionClosed:
        return True

"""Two real server processes sharing Redis: a phone connected to one hears a message sent through the
other, and is disconnected when its session ends through the other.

Runs only with REDIS_URL set (CI's second pass); the in-process Socket.IO tests cover the rest.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import socketio as python_socketio

from api.config import TestConfig

REDIS_URL = os.environ.get("REDIS_URL")
ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys
from api import create_app
from services.realtime import socketio
app = create_app()
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True)
"""

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL: two server processes share events through Redis")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start_servers(database_url, tmp_path):
    """Start `count` server processes of the app on free loopback ports, in parallel; return their base
    URLs once all answer /healthz. Every process is stopped at the end, whatever happened."""
    processes = []

    def start(count: int, **settings: str) -> list[str]:
        env = os.environ | {
            "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "PEERLESS_ENV": "testing",
            "JWT_SECRET_KEY": TestConfig.JWT_SECRET_KEY, "RATELIMIT_ENABLED": "false", "PYTHONPATH": str(ROOT),
        } | settings
        bases = []
        for _ in range(count):
            port = _free_port()
            log_path = tmp_path / f"server-{port}.log"
            log = open(log_path, "wb")
            process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
            processes.append((process, log))
            bases.append((f"http://127.0.0.1:{port}", process, log_path))
        deadline = time.monotonic() + 20
        for base, process, log_path in bases:
            while True:
                if process.poll() is not None:
                    pytest.fail(f"server exited early:\n{log_path.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"server on {base} did not start in time:\n{log_path.read_text()}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
        return [base for base, _, _ in bases]

    yield start
    for process, log in processes:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def test_a_message_sent_through_one_process_reaches_a_phone_on_another(start_servers, people):
    server_a, server_b = start_servers(2)
    ada, bea = people.make(), people.make()
    with httpx.Client(base_url=server_b, timeout=10) as http:
        request_id = http.post("/api/v1/connections", json={"user_id": bea.id}, headers=ada.headers).json()["id"]
        conversation_id = http.post(f"/api/v1/connections/{request_id}/accept",
                                    headers=bea.headers).json()["conversation_id"]

        received, arrived = [], threading.Event()
        phone = python_socketio.Client(reconnection=False)

        @phone.on("message.created")
        def on_message(payload):
            received.append(payload)
            arrived.set()

        phone.connect(server_a, auth={"token": bea.access_token}, wait_timeout=10)
        try:
            # The room is joined during the connect handshake; give process A's Redis listener a moment.
            time.sleep(0.3)
            sent = http.post(f"/api/v1/conversations/{conversation_id}/messages",
                             json={"client_msg_id": str(uuid.uuid4()), "body": "across processes"},
                             headers=ada.headers)
            assert sent.status_code == 201, sent.text
            assert arrived.wait(timeout=10), "the phone on process A never heard the message sent through B"
            assert received == [sent.json()]
        finally:
            phone.disconnect()


def test_logging_out_through_one_process_disconnects_the_phone_on_another(start_servers, people):
    """The session ends in process B; process A, holding the socket, drops it at once through Redis
    (the sweep, which would also catch it, is set to an hour so that it cannot be what passes this)."""
    server_a, server_b = start_servers(2, REALTIME_SWEEP_SECONDS="3600")
    bea = people.make()
    ended, gone = threading.Event(), threading.Event()
    phone = python_socketio.Client(reconnection=False)
    phone.on("session.ended", lambda payload: ended.set())
    phone.on("disconnect", lambda *args: gone.set())
    phone.connect(server_a, auth={"token": bea.access_token}, wait_timeout=10)
    try:
        time.sleep(0.3)
        assert httpx.post(f"{server_b}/api/v1/auth/logout", headers=bea.headers, timeout=10).status_code == 204
        assert gone.wait(timeout=10), "the socket on process A outlived a logout through process B"
    finally:
        if phone.connected:
            phone.disconnect()

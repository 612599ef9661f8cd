"""Real gunicorn processes of the app, started with the production settings (api/gunicorn_config.py).

`gunicorn(app="wsgi:app", **env)` starts one on a free 127.0.0.1 port, waits for /healthz and returns
a `Gunicorn`; at the end of the test each is stopped (SIGTERM, then SIGKILL to its process group).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.config import TestConfig

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60  # the machine is shared; a cold start under load is slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, log_path: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s" +
                        (f"\n{log_path.read_text(errors='replace')}" if log_path else ""))
        time.sleep(0.05)


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn on {self.port} exited with {self.process.returncode}:\n{self.log}")
        try:
            return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False


def production_env(database_url: str, **overrides) -> dict[str, str]:
    """What a deployment sets (docs/deploy/peerless.env.example), on the test's database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GUNICORN_", "PYTEST_"))}
    env |= {
        "PEERLESS_ENV": "production", "DATABASE_URL": database_url,
        # the fixtures' secret (long enough for production), so tokens made by `people` work here
        "JWT_SECRET_KEY": TestConfig.JWT_SECRET_KEY, "PASSWORD_HASH_PROFILE": "cheapest",
        "RATELIMIT_ENABLED": "false", "TRUSTED_PROXIES": "1", "PYTHONPATH": str(ROOT),
    }
    return env | overrides


@pytest.fixture
def gunicorn(database_url, tmp_path):
    started: list[Gunicorn] = []

    def start(app: str = "wsgi:app", **env) -> Gunicorn:
        port = free_port()
        log_path = tmp_path / f"gunicorn-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "api/gunicorn_config.py", app], cwd=ROOT,
                env=production_env(database_url, PORT=str(port), **env), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own process group: the teardown can reach the worker too
        server = Gunicorn(port, process, log_path)
        started.append(server)
        wait_until(server.answers, START_TIMEOUT, f"gunicorn on port {port} answering /healthz", log_path)
        return server

    yield start
    stop_all([server.process for server in started])


def stop_all(processes: list[subprocess.Popen], grace: float = 5) -> None:
    """SIGTERM each gunicorn master (all at once: they stop in parallel), then SIGKILL the process
    group of any that lingers."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the group we started: master and worker, nothing else
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

def receive(ws, timeout: float = 10):
    """The next engine.io packet other than a ping (pings are answered), or None after `timeout`.
    simple_websocket's own receive() may also return None early, on an already-emptied buffer."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        message = ws.receive(timeout=left)
        if message == "2":
            ws.send("3")
        elif message is not None:
            return message
    return None

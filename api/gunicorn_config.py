"""Production gunicorn settings: `gunicorn -c api/gunicorn_config.py wsgi:app`.

Loaded by file path on purpose: `-c python:api.gunicorn_config` works too, but importing it as a
module imports the whole `api` package into gunicorn's master, which only supervises (measured: 65 MB
PSS for the master instead of 13 MB, about 38 MB more per API process). So this file imports nothing
from the project at module level.

One worker process with many threads per gunicorn: Flask-SocketIO's threading mode keeps each
Socket.IO session (and its long-polling state) in the memory of the process that opened it, and
gunicorn's own balancing across workers is not sticky. Scale out by running several of these
processes on different ports behind nginx with sticky sessions (docs/deploy.md). Every setting
can be changed through the environment; the table in docs/deploy.md lists them.
"""
from __future__ import annotations

import os
import select
import signal
import threading


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}"
worker_class = "gthread"
workers = 1  # not configurable: see the module docstring
# An open WebSocket holds a thread for as long as the phone stays connected; the rest serve REST
# and long-polling. Threads idle cheaply, so size this for the sockets one process should carry.
threads = _env_int("GUNICORN_THREADS", 100)
worker_connections = _env_int("GUNICORN_WORKER_CONNECTIONS", 1000)  # open connections, kept-alive ones included
backlog = _env_int("GUNICORN_BACKLOG", 2048)

# Seconds a stopping process gives in-flight requests. WebSockets never finish on their own, so a
# process with phones connected takes this long to stop; keep systemd's TimeoutStopSec above it.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 20)
timeout = _env_int("GUNICORN_TIMEOUT", 30)  # a worker silent this long is killed and replaced
# Longer than nginx's upstream keepalive_timeout (4 s in docs/deploy/nginx.conf), so nginx, not
# gunicorn, closes an idle connection: otherwise nginx may send a request down a socket gunicorn
# is just closing, and a POST there is answered 502 (nginx retries only idempotent requests).
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)

# Recycling after N requests is off by default: with one worker per process a recycle drops every
# open Socket.IO session of that process and accepts nothing until the old worker has drained (up
# to graceful_timeout). Turn it on only to contain a leak, with jitter so processes don't recycle together.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", max(1, max_requests // 10) if max_requests else 0)

# nginx on the same host. X-Forwarded-Proto from these addresses sets wsgi.url_scheme (HSTS, redirects).
# The client address for rate limits comes from the app's TRUSTED_PROXIES setting (ProxyFix), not from here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

accesslog = None  # the app writes one structured line per request (api/request_log.py)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
proc_name = os.environ.get("GUNICORN_PROC_NAME") or f"peerless-api:{bind.rsplit(':', 1)[-1]}"

# gunicorn's control socket defaults to one path per user: several processes on a host would fight over it.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]


def post_worker_init(worker) -> None:
    """Make SIGTERM a quick, clean stop for a process behind nginx.

    gunicorn stops accepting but keeps its listening socket open while in-flight requests finish, so
    the kernel goes on queueing new connections that are reset when the worker exits: nginx would
    wait on them and could not retry a POST elsewhere. Closing the listener refuses them at once, and
    nginx sends them to another process. An open WebSocket or a parked long-poll never finishes by
    itself, so this process's Socket.IO connections are closed too (phones reconnect elsewhere);
    without that every stop would last graceful_timeout.
    """
    begin_graceful_stop = worker.handle_exit

    def handle_exit(sig, frame):
        first = worker.alive  # a second SIGTERM (systemd and the master both sending one) changes nothing
        begin_graceful_stop(sig, frame)
        if first:
            worker.method_queue.defer(_stop_listening, worker)  # on the worker's main loop, not in the handler
            threading.Thread(target=_close_realtime_connections, name="close-sockets", daemon=True).start()

    accept = worker.accept

    def accept_unless_closed(listener):
        # The poller may already hold a "ready" event for a listener that `_stop_listening` closed in
        # the same round of events: there is nothing left to accept from it.
        if getattr(listener, "sock", None) is not None:
            accept(listener)

    worker.accept = accept_unless_closed
    worker.handle_exit = handle_exit
    signal.signal(signal.SIGTERM, handle_exit)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn has it: don't break in-flight system calls


def _stop_listening(worker) -> None:
    """Serve the connections the kernel already queued (they are in flight), then close the listeners."""
    worker.set_accept_enabled(False)
    for listener in worker.sockets:
        for _ in range(worker_connections):
            if not select.select([listener], [], [], 0)[0]:
                break
            worker.accept(listener)
        listener.close()


def _close_realtime_connections() -> None:
    from services.realtime import socketio

    if socketio.server is not None:
        socketio.server.eio.disconnect()  # this process's clients only, not through the Redis queue

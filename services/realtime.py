"""Real-time delivery over Socket.IO: the one adapter that emits to connected phones, and the place
that ends a socket when its session ends.

With REDIS_URL set, Socket.IO uses Redis as its message queue, so an event emitted by any
process (API or worker) reaches a phone connected to any other process, and `disconnect(sid)`
reaches the process that holds the socket.

A socket belongs to the sign-in session of the access token it connected with. Whoever ends a
session (logout, a replayed refresh token, suspension, erasure, a password reset) calls
`end_session` or `end_user_sessions` after the commit; the sockets are found through a registry
(Redis sets shared by every process, or this process's table) and dropped at once. A sweep in each
process is the backstop: every `REALTIME_SWEEP_SECONDS` it drops its sockets whose access token has
expired without an `auth.renew`, or whose session the database no longer honours.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import select

from models import AuthSession, User, db

log = logging.getLogger("peerless.realtime")
socketio = SocketIO()

# How long a registry set outlives its last write: stale sids in it are harmless (disconnecting a
# sid nobody holds does nothing), so this only bounds Redis memory.
REGISTRY_TTL_SECONDS = 24 * 3600


@dataclass
class LiveSocket:
    user_id: str
    session_id: str
    expires_at: float  # epoch seconds: the access token's `exp`, moved on by `auth.renew`
    app: Flask


_live: dict[str, LiveSocket] = {}  # sid -> socket, the sockets THIS process holds
_lock = threading.Lock()
_sweeper: threading.Thread | None = None
_interval = float("inf")  # seconds between sweeps: the shortest any app here asked for


def user_room(user_id: str) -> str:
    return f"user:{user_id}"


def publish(user_ids: list[str], event: str, payload: dict) -> None:
    """Emit `event` to every connected device of each user, in one emit (through Redis, one publish
    for a whole circle). Best effort: `/sync` is the safety net."""
    if not user_ids:
        return
    try:
        socketio.emit(event, payload, to=[user_room(user_id) for user_id in user_ids])
    except Exception:  # noqa: BLE001 - a dead queue must not fail a committed request
        log.warning("could not emit %s; clients will catch up through /sync", event, exc_info=True)


# --- ending sessions -------------------------------------------------------------------------

def end_session(session_id: str) -> None:
    """Disconnect every socket of this sign-in session, in whichever process holds it.

    Call after the commit that ended the session: a socket dropped before it could reconnect
    with a token that still works."""
    _drop(_registry_sids(f"session:{session_id}") | _local_sids(lambda s: s.session_id == session_id))


def end_user_sessions(user_id: str) -> None:
    """Disconnect every socket of this person (suspension, erasure, password reset); after the commit."""
    _drop(_registry_sids(f"user:{user_id}") | _local_sids(lambda s: s.user_id == user_id))


disconnect_user = end_user_sessions  # the name moderation and password reset first used


def _drop(sids: set[str]) -> None:
    for sid in sids:
        try:
            socketio.emit("session.ended", {}, to=sid)
            socketio.server.disconnect(sid, namespace="/")  # through the queue to the holding process
        except Exception:  # noqa: BLE001 - the session has ended whatever the socket does; the sweep follows
            log.warning("could not drop a socket of an ended session", exc_info=True)


def _local_sids(matches) -> set[str]:
    with _lock:
        return {sid for sid, live in _live.items() if matches(live)}


# --- the registry: which sids belong to which session and person ----------------------------------

def register_socket(sid: str, *, user_id: str, session_id: str, expires_at: float, app: Flask) -> None:
    """Remember a newly authenticated socket, here and in the shared registry."""
    with _lock:
        _live[sid] = LiveSocket(user_id, session_id, expires_at, app)
    client = _redis(app)
    if client is not None:
        try:
            pipe = client.pipeline()
            for key in (f"session:{session_id}", f"user:{user_id}"):
                pipe.sadd(_registry_key(key), sid)
                pipe.expire(_registry_key(key), REGISTRY_TTL_SECONDS)
            pipe.execute()
        except Exception:  # noqa: BLE001 - the sweep still ends it, a few seconds later
            log.warning("could not register a socket in Redis", exc_info=True)
    _start_sweeper(app)


def live_socket(sid: str) -> LiveSocket | None:
    with _lock:
        return _live.get(sid)


def renew_socket(sid: str, *, expires_at: float) -> None:
    """The client proved it holds a fresh access token of the same session: the socket lives on."""
    with _lock:
        if sid in _live:
            _live[sid].expires_at = max(_live[sid].expires_at, expires_at)


def forget_socket(sid: str) -> None:
    with _lock:
        live = _live.pop(sid, None)
    client = _redis(live.app) if live else None
    if client is not None:
        try:
            client.srem(_registry_key(f"session:{live.session_id}"), sid)
            client.srem(_registry_key(f"user:{live.user_id}"), sid)
        except Exception:  # noqa: BLE001 - a stale sid in the set is harmless
            log.debug("could not forget a socket in Redis", exc_info=True)


def _registry_sids(key: str) -> set[str]:
    apps = {id(live.app): live.app for live in list(_live.values())}
    client = _redis(_any_app(apps))
    if client is None:
        return set()
    try:
        return {sid.decode() for sid in client.smembers(_registry_key(key))}
    except Exception:  # noqa: BLE001 - the sweep in each process ends the sockets instead
        log.warning("could not read the socket registry", exc_info=True)
        return set()


def _registry_key(key: str) -> str:
    return f"realtime:sockets:{key}"


def _any_app(apps: dict) -> Flask | None:
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    return next(iter(apps.values()), None)


def _redis(app: Flask | None):
    from services.redis_client import redis_client

    return redis_client(app.config.get("REDIS_URL")) if app is not None else None


# --- the sweep: expired tokens, and sessions ended where no event reached us -----------------------

def sweep(*, automatic: bool = False) -> int:
    """Drop this process's sockets whose token expired or whose session ended; return how many.

    The sweeper thread passes `automatic`, and leaves alone the sockets of apps that turned it off."""
    now = time.time()
    with _lock:
        snapshot = {sid: live for sid, live in _live.items()
                    if not automatic or _interval_of(live.app) > 0}
    doomed = {sid for sid, live in snapshot.items() if live.expires_at <= now}
    by_app: dict[int, list[tuple[str, LiveSocket]]] = {}
    for sid, live in snapshot.items():
        if sid not in doomed:
            by_app.setdefault(id(live.app), []).append((sid, live))
    for sockets in by_app.values():
        honoured = _honoured_sessions(sockets[0][1].app, {live.session_id for _, live in sockets})
        doomed |= {sid for sid, live in sockets if honoured is not None and live.session_id not in honoured}
    for sid in doomed:
        try:
            socketio.emit("session.ended", {}, to=sid)
            socketio.server.disconnect(sid, namespace="/", ignore_queue=True)
        except Exception:  # noqa: BLE001 - try again on the next sweep
            log.warning("could not drop an expired socket", exc_info=True)
        forget_socket(sid)
    return len(doomed)


def _honoured_sessions(app: Flask, session_ids: set[str]) -> set[str] | None:
    """The sessions among these that still work (None when the database cannot say)."""
    try:
        with app.app_context():
            try:
                return set(db.session.scalars(
                    select(AuthSession.id).join(User, User.id == AuthSession.user_id)
                    .where(AuthSession.id.in_(session_ids), AuthSession.revoked_at.is_(None),
                           User.suspended_at.is_(None), User.erased_at.is_(None))))
            finally:
                db.session.remove()
    except Exception:  # noqa: BLE001 - keep the sockets until the database answers again
        log.warning("could not check the sessions of live sockets", exc_info=True)
        return None


def _interval_of(app: Flask) -> float:
    return float(app.config.get("REALTIME_SWEEP_SECONDS", 5))


def _start_sweeper(app: Flask) -> None:
    global _sweeper, _interval
    interval = _interval_of(app)
    if interval <= 0:
        return
    with _lock:
        _interval = min(_interval, interval)
        if _sweeper is not None and _sweeper.is_alive():
            return
        _sweeper = threading.Thread(target=_sweep_forever, name="realtime-sweep", daemon=True)
        _sweeper.start()


def _sweep_forever() -> None:
    while True:
        time.sleep(_interval)
        try:
            sweep(automatic=True)
        except Exception:  # noqa: BLE001 - the sweeper must outlive one bad round
            log.exception("socket sweep failed")


def open_socket_count() -> int:
    """How many authenticated sockets this process holds (for /metrics)."""
    with _lock:
        return len(_live)

"""Real-time delivery over Socket.IO: the one adapter that emits to connected phones.

With REDIS_URL set, Socket.IO uses Redis as its message queue, so an event emitted by any
process (API or worker) reaches a phone connected to any other process.
"""
from __future__ import annotations

import logging

from flask_socketio import SocketIO

log = logging.getLogger("peerless.realtime")
socketio = SocketIO()


def user_room(user_id: str) -> str:
    return f"user:{user_id}"


def publish(user_ids: list[str], event: str, payload: dict) -> None:
    """Emit `event` to every connected device of each user. Best effort: `/sync` is the safety net."""
    for user_id in user_ids:
        try:
            socketio.emit(event, payload, to=user_room(user_id))
        except Exception:  # noqa: BLE001 - a dead queue must not fail a committed request
            log.warning("could not emit %s; clients will catch up through /sync", event, exc_info=True)
            return


def disconnect_user(user_id: str) -> None:
    """Drop the user's live connections (suspension). Sockets held by other processes are told
    `session.ended` through the queue; their tokens are already revoked, so a reconnect is refused."""
    room = user_room(user_id)
    try:
        socketio.emit("session.ended", {}, to=room)
        server = socketio.server
        for sid, _eio_sid in list(server.manager.get_participants("/", room)):
            server.disconnect(sid, namespace="/")
    except Exception:  # noqa: BLE001 - the suspension stands whatever the sockets do
        log.warning("could not drop the live connections of a suspended user", exc_info=True)

"""Socket.IO events from the app saying which conversation is on screen (see services/presence.py)."""
from __future__ import annotations

from flask_socketio import rooms

from services import presence
from services.realtime import socketio


def _user_id() -> str | None:
    return next((room.split(":", 1)[1] for room in rooms() if room.startswith("user:")), None)


def _conversation_id(data) -> str | None:
    value = data.get("conversation_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and len(value) <= 64 else None


def _on(event_name: str):
    """`socketio.on`, but reaching every app's Socket.IO server, not only the first one's.

    `socketio.on` keeps a handler for later `init_app` calls only while no server exists yet; this
    module is imported (by `register_blueprints`) after `init_app` has made the first app's server,
    so a second app in the same process (tests, `make_app`) would silently lack these handlers.
    """
    def decorator(handler):
        server, socketio.server = socketio.server, None
        try:
            socketio.on(event_name)(handler)  # no server: queued in `socketio.handlers` for every init_app
        finally:
            socketio.server = server
        if server is not None:
            name, wrapped, namespace = socketio.handlers[-1]
            server.on(name, wrapped, namespace=namespace)
        return handler
    return decorator


@_on("conversation.focus")
def focus(data):
    user_id, conversation_id = _user_id(), _conversation_id(data)
    if user_id and conversation_id:
        presence.focus(user_id, conversation_id)


@_on("conversation.blur")
def blur(data):
    user_id, conversation_id = _user_id(), _conversation_id(data)
    if user_id and conversation_id:
        presence.blur(user_id, conversation_id)

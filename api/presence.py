"""Socket.IO events from the app saying which conversation is on screen (see services/presence.py)."""
from __future__ import annotations

from flask_socketio import rooms

from api.extensions import socket_event_limit
from services import presence
from services.realtime import socketio


def _user_id() -> str | None:
    return next((room.split(":", 1)[1] for room in rooms() if room.startswith("user:")), None)


def _conversation_id(data) -> str | None:
    value = data.get("conversation_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and len(value) <= 64 else None


@socketio.on("conversation.focus")
@socket_event_limit("SOCKET_EVENT_RATE_LIMIT")
def focus(data):
    user_id, conversation_id = _user_id(), _conversation_id(data)
    if user_id and conversation_id:
        presence.focus(user_id, conversation_id)


@socketio.on("conversation.blur")
@socket_event_limit("SOCKET_EVENT_RATE_LIMIT")
def blur(data):
    user_id, conversation_id = _user_id(), _conversation_id(data)
    if user_id and conversation_id:
        presence.blur(user_id, conversation_id)

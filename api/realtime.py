"""Socket.IO at /socket.io: phones authenticate with their access token and join their own room."""
from __future__ import annotations

from flask import Flask
from flask_jwt_extended import decode_token
from flask_socketio import ConnectionRefusedError, join_room
from jwt import PyJWTError
from flask_jwt_extended.exceptions import JWTExtendedException

from api.schemas.mentoring import MentorshipSchema
from api.schemas.messaging import ConnectionSchema, MessageSchema, ReadPositionSchema
from models import db
from services import accounts, changes
from services.realtime import socketio, user_room

EVENT_SCHEMAS = {
    "message.created": MessageSchema(),
    "message.updated": MessageSchema(),
    "read.updated": ReadPositionSchema(),
    "connection.updated": ConnectionSchema(),
    "mentorship.updated": MentorshipSchema(),
}


def init_realtime(app: Flask) -> None:
    # `socketio` is module-global and `init_app` merges into the options an earlier app left
    # (tests build many apps): forget that app's queue, so this one gets its own REDIS_URL or none.
    for option in ("client_manager", "message_queue"):
        socketio.server_options.pop(option, None)
    socketio.init_app(app, async_mode="threading", message_queue=app.config.get("REDIS_URL"),
                      cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"))
    for event_name, schema in EVENT_SCHEMAS.items():
        changes.register_serializer(event_name, schema.dump)
    changes.install(db.session)


@socketio.on("connect")
def connect(auth):
    """Accept a connection only with a valid, unrevoked access token in the auth payload."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str):
        raise ConnectionRefusedError("unauthorized")
    try:
        claims = decode_token(token)
    except (PyJWTError, JWTExtendedException):
        raise ConnectionRefusedError("unauthorized") from None
    user = accounts.user_for_token(user_id=claims["sub"], session_id=claims.get("sid")) \
        if claims.get("type") == "access" else None
    db.session.remove()
    if user is None:
        raise ConnectionRefusedError("unauthorized")
    join_room(user_room(claims["sub"]))

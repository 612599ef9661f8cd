"""Socket.IO at /socket.io: phones authenticate with their access token and join their own room."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_jwt_extended import decode_token
from flask_socketio import ConnectionRefusedError, join_room
from jwt import PyJWTError
from flask_jwt_extended.exceptions import JWTExtendedException

from api.extensions import socket_event_limit
from api.schemas.mentoring import MentorshipSchema
from api.schemas.messaging import ConnectionSchema, MessageSchema, ReadPositionSchema
from models import db
from services import accounts, changes, realtime
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
    """Accept a connection only with a valid, unrevoked access token in the auth payload; the socket
    then belongs to that token's session and lives until the token expires (see `auth.renew`)."""
    claims = _access_claims(auth.get("token") if isinstance(auth, dict) else None)
    if claims is None:
        raise ConnectionRefusedError("unauthorized")
    join_room(user_room(claims["sub"]))
    realtime.register_socket(request.sid, user_id=claims["sub"], session_id=claims["sid"],
                             expires_at=float(claims["exp"]), app=current_app._get_current_object())


@socketio.on("auth.renew")
@socket_event_limit("SOCKET_EVENT_RATE_LIMIT")
def renew(data):
    """`{token}`: a fresh access token of the same session keeps the socket open past the old one's
    expiry. Answers `{ok, expires_at}` through the acknowledgement; a bad token changes nothing."""
    live = realtime.live_socket(request.sid)
    claims = _access_claims(data.get("token") if isinstance(data, dict) else None)
    if live is None or claims is None or claims["sid"] != live.session_id or claims["sub"] != live.user_id:
        return {"ok": False}
    realtime.renew_socket(request.sid, expires_at=float(claims["exp"]))
    return {"ok": True, "expires_at": int(claims["exp"])}


@socketio.on("disconnect")
def disconnect(reason=None):
    realtime.forget_socket(request.sid)


def _access_claims(token) -> dict | None:
    """The claims of a valid access token whose session and person are still active, else None."""
    if not isinstance(token, str):
        return None
    try:
        claims = decode_token(token)
    except (PyJWTError, JWTExtendedException):
        return None
    if claims.get("type") != "access" or not claims.get("sid"):
        return None
    user = accounts.user_for_token(user_id=claims["sub"], session_id=claims["sid"])
    db.session.remove()
    return claims if user is not None else None

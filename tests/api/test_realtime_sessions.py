"""A socket lives no longer than its session (issue 13, finding 3).

Written as the person whose session ended, or whoever holds their phone: after logout, a replayed
refresh token, suspension or erasure, an open socket is disconnected and hears nothing more; once
its access token expires it is disconnected unless renewed over the socket with `auth.renew`.
Built without REDIS_URL (the in-process test client); tests/test_cross_process_realtime.py covers Redis.
"""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token

from models import AuthSession, PasswordResetToken, User, db, utcnow
from services import moderation, password_reset, realtime
from services.realtime import socketio
from tests.factories import befriend, send

API = "/api/v1"


@pytest.fixture
def rt_app(app, make_app):
    # The last app built owns the global Socket.IO server; no sweeper thread: tests call sweep().
    return make_app(REDIS_URL=None, REALTIME_SWEEP_SECONDS=0)


@pytest.fixture
def http(rt_app):
    return rt_app.test_client()


@pytest.fixture
def connect(rt_app):
    sockets = []

    def open_socket(token):
        socket = socketio.test_client(rt_app, auth={"token": token})
        sockets.append(socket)
        return socket

    yield open_socket
    for socket in sockets:
        if socket.is_connected():
            socket.disconnect()


def names(socket) -> list[str]:
    """Event names the socket received, read even after it was disconnected (get_received refuses)."""
    received, socket.queue = socket.queue, []
    return [packet["name"] for packet in received]


def access_token(app, person, *, seconds: float, session_id: str | None = None) -> str:
    """An access token for `person` in their session (or another), expiring in `seconds`."""
    with app.app_context():
        sid = session_id or db.session.scalar(db.select(AuthSession.id).where(AuthSession.user_id == person.id))
        return create_access_token(identity=person.id, additional_claims={"sid": sid},
                                   expires_delta=timedelta(seconds=seconds))


def login(http, person) -> dict:
    return http.post(f"{API}/auth/login", json={"email": person.email, "password": person.password}).json


def test_logout_disconnects_the_sessions_open_socket(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    socket = connect(bea.access_token)
    assert http.post(f"{API}/auth/logout", headers=bea.headers).status_code == 204
    assert not socket.is_connected()
    assert names(socket) == ["session.ended"]  # told why, just before the server hung up
    send(http, ada, conversation_id, "after logout")
    assert "message.created" not in names(socket)


def test_logout_leaves_the_persons_other_sessions_connected(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    tablet_token = login(http, bea)["access_token"]
    phone, tablet = connect(bea.access_token), connect(tablet_token)
    http.post(f"{API}/auth/logout", headers=bea.headers)
    send(http, ada, conversation_id, "still here")
    assert not phone.is_connected()
    assert tablet.is_connected() and names(tablet) == ["message.created"]


def test_a_replayed_refresh_token_disconnects_the_familys_sockets(connect, http, people):
    bea = people.make()
    socket = connect(bea.access_token)
    refresh = {"Authorization": f"Bearer {bea.refresh_token}"}
    assert http.post(f"{API}/auth/refresh", headers=refresh).status_code == 200
    assert socket.is_connected()
    assert http.post(f"{API}/auth/refresh", headers=refresh).status_code == 401  # the replay
    assert not socket.is_connected()


def test_suspension_disconnects_every_socket_of_the_person(rt_app, connect, http, people):
    bea = people.make()
    phone, tablet = connect(bea.access_token), connect(login(http, bea)["access_token"])
    with rt_app.app_context():
        moderation.suspend(db.session.get(User, bea.id))
        db.session.commit()
    assert not phone.is_connected() and not tablet.is_connected()


def test_a_password_reset_disconnects_every_socket_of_the_person(rt_app, connect, http, people):
    bea = people.make()
    phone, tablet = connect(bea.access_token), connect(login(http, bea)["access_token"])
    with rt_app.app_context():
        db.session.add(PasswordResetToken(user_id=bea.id, token_hash=password_reset.hash_token("reset-me"),
                                          expires_at=utcnow() + timedelta(minutes=5)))
        db.session.commit()
        password_reset.confirm_reset(token="reset-me", password="another-long-passphrase-42")
    assert not phone.is_connected() and not tablet.is_connected()


def test_erasure_ends_the_socket_by_the_next_sweep_at_the_latest(connect, http, people):
    bea = people.make()
    socket = connect(bea.access_token)
    assert http.delete(f"{API}/me", headers=bea.headers, json={"password": bea.password}).status_code == 204
    realtime.sweep()
    assert not socket.is_connected()


def test_a_session_revoked_without_any_event_is_swept(rt_app, connect, people):
    """Another process ended the session and its message never arrived: the sweep still drops it."""
    bea = people.make()
    socket = connect(bea.access_token)
    with rt_app.app_context():
        db.session.execute(db.update(AuthSession).where(AuthSession.user_id == bea.id).values(revoked_at=utcnow()))
        db.session.commit()
    assert socket.is_connected()
    assert realtime.sweep() == 1
    assert not socket.is_connected()


def test_the_sweep_keeps_sockets_whose_session_and_token_are_good(connect, people):
    socket = connect(people.make().access_token)
    assert realtime.sweep() == 0 and socket.is_connected()


def test_a_socket_is_disconnected_once_its_access_token_expires(rt_app, connect, people):
    bea = people.make()
    socket = connect(access_token(rt_app, bea, seconds=1))
    time.sleep(1.2)
    realtime.sweep()
    assert not socket.is_connected()


def test_auth_renew_with_a_fresh_token_of_the_same_session_keeps_the_socket(rt_app, connect, people):
    bea = people.make()
    socket = connect(access_token(rt_app, bea, seconds=1))
    answer = socket.emit("auth.renew", {"token": access_token(rt_app, bea, seconds=600)}, callback=True)
    assert answer["ok"] is True and answer["expires_at"] > time.time() + 500
    time.sleep(1.2)
    realtime.sweep()
    assert socket.is_connected()


def test_auth_renew_with_another_sessions_token_is_refused(rt_app, connect, http, people):
    bea = people.make()
    socket = connect(access_token(rt_app, bea, seconds=1))
    other_session = login(http, bea)["access_token"]
    assert socket.emit("auth.renew", {"token": other_session}, callback=True) == {"ok": False}
    time.sleep(1.2)
    realtime.sweep()
    assert not socket.is_connected()


@pytest.mark.parametrize("payload", [None, {}, {"token": 3}, {"token": "not.a.jwt"}, "text"])
def test_auth_renew_with_a_bad_payload_changes_nothing(rt_app, connect, people, payload):
    bea = people.make()
    socket = connect(access_token(rt_app, bea, seconds=1))
    assert socket.emit("auth.renew", payload, callback=True) == {"ok": False}
    time.sleep(1.2)
    realtime.sweep()
    assert not socket.is_connected()


def test_auth_renew_with_a_refresh_token_is_refused(rt_app, connect, people):
    bea = people.make()
    socket = connect(access_token(rt_app, bea, seconds=600))
    assert socket.emit("auth.renew", {"token": bea.refresh_token}, callback=True) == {"ok": False}


def test_the_sweeper_thread_drops_an_expired_socket_within_seconds(app, make_app, people):
    fast = make_app(REDIS_URL=None, REALTIME_SWEEP_SECONDS=0.2)
    bea = people.make()
    socket = socketio.test_client(fast, auth={"token": access_token(fast, bea, seconds=1)})
    try:
        assert socket.is_connected()
        deadline = time.monotonic() + 5
        while socket.is_connected() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not socket.is_connected()
    finally:
        if socket.is_connected():
            socket.disconnect()

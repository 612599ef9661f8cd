"""Socket.IO: token-authenticated connections, each person's events, only after the commit.

These tests build their app without REDIS_URL so deliveries to the in-process test client stay
synchronous (with a Redis queue they arrive later, from the queue's listener thread).
"""
from __future__ import annotations


import pytest

from services.realtime import socketio
from tests.factories import befriend, send

API = "/api/v1"


@pytest.fixture
def rt_app(app, make_app):
    # Built after `app` (which `people` uses): the last app built owns the global Socket.IO server.
    return make_app(REDIS_URL=None)


@pytest.fixture
def http(rt_app):
    return rt_app.test_client()


@pytest.fixture
def connect(rt_app):
    """Open a Socket.IO test connection; every one opened is closed at the end."""
    sockets = []

    def open_socket(auth=None):
        socket = socketio.test_client(rt_app, auth=auth)
        sockets.append(socket)
        return socket

    yield open_socket
    for socket in sockets:
        if socket.is_connected():
            socket.disconnect()


def events(socket) -> list[tuple[str, dict]]:
    return [(packet["name"], packet["args"][0]) for packet in socket.get_received()]


def test_a_connection_without_a_token_is_refused(connect):
    assert not connect().is_connected()


def test_a_connection_with_a_garbage_token_is_refused(connect):
    assert not connect({"token": "not.a.jwt"}).is_connected()


def test_a_connection_with_a_refresh_token_is_refused(connect, people):
    ada = people.make()
    assert not connect({"token": ada.refresh_token}).is_connected()


def test_a_connection_with_a_logged_out_sessions_token_is_refused(connect, http, people):
    ada = people.make()
    assert http.post(f"{API}/auth/logout", headers=ada.headers).status_code == 204
    assert not connect({"token": ada.access_token}).is_connected()


def test_a_connection_with_a_valid_access_token_is_accepted(connect, people):
    ada = people.make()
    socket = connect({"token": ada.access_token})
    assert socket.is_connected() and socket.get_received() == []


def test_members_receive_message_created(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    ada_socket, bea_socket = connect({"token": ada.access_token}), connect({"token": bea.access_token})
    message = send(http, ada, conversation_id, "hi Bea").json
    assert events(bea_socket) == [("message.created", message)]
    assert events(ada_socket) == [("message.created", message)]


def test_a_retried_send_emits_nothing_new(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    body = {"client_msg_id": "once", "body": "hi"}
    http.post(f"{API}/conversations/{conversation_id}/messages", json=body, headers=ada.headers)
    bea_socket = connect({"token": bea.access_token})
    retry = http.post(f"{API}/conversations/{conversation_id}/messages", json=body, headers=ada.headers)
    assert retry.status_code == 200 and bea_socket.get_received() == []


def test_members_receive_message_updated_for_edits_and_deletes(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    message_id = send(http, ada, conversation_id, "helo").json["id"]
    bea_socket = connect({"token": bea.access_token})
    edited = http.patch(f"{API}/messages/{message_id}", json={"body": "hello"}, headers=ada.headers).json
    http.delete(f"{API}/messages/{message_id}", headers=ada.headers)
    received = events(bea_socket)
    assert [name for name, _ in received] == ["message.updated", "message.updated"]
    assert received[0][1] == edited
    assert received[1][1]["deleted"] is True and received[1][1]["body"] is None


def test_members_receive_read_updated(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    send(http, ada, conversation_id)
    ada_socket = connect({"token": ada.access_token})
    http.post(f"{API}/conversations/{conversation_id}/read", json={"seq": 1}, headers=bea.headers)
    assert events(ada_socket) == [("read.updated", {"conversation_id": conversation_id, "user_id": bea.id, "seq": 1})]


def test_a_read_that_does_not_move_emits_nothing(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    send(http, ada, conversation_id)
    http.post(f"{API}/conversations/{conversation_id}/read", json={"seq": 1}, headers=bea.headers)
    ada_socket = connect({"token": ada.access_token})
    http.post(f"{API}/conversations/{conversation_id}/read", json={"seq": 1}, headers=bea.headers)
    assert ada_socket.get_received() == []


def test_both_sides_receive_connection_updated(connect, http, people):
    ada, bea = people.make(), people.make()
    ada_socket, bea_socket = connect({"token": ada.access_token}), connect({"token": bea.access_token})
    request = http.post(f"{API}/connections", json={"user_id": bea.id}, headers=ada.headers).json
    accepted = http.post(f"{API}/connections/{request['id']}/accept", headers=bea.headers).json
    for socket in (ada_socket, bea_socket):
        received = events(socket)
        assert [(name, payload["status"]) for name, payload in received] == \
            [("connection.updated", "pending"), ("connection.updated", "accepted")]
        assert received[1][1] == accepted


def test_a_non_member_receives_nothing(connect, http, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    cat_socket = connect({"token": cat.access_token})
    message_id = send(http, ada, conversation_id).json["id"]
    http.patch(f"{API}/messages/{message_id}", json={"body": "edited"}, headers=ada.headers)
    http.post(f"{API}/conversations/{conversation_id}/read", json={"seq": 1}, headers=bea.headers)
    assert cat_socket.get_received() == []


def test_a_refused_send_emits_nothing(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    http.post(f"{API}/blocks", json={"user_id": bea.id}, headers=ada.headers)
    ada_socket, bea_socket = connect({"token": ada.access_token}), connect({"token": bea.access_token})
    assert send(http, bea, conversation_id).status_code == 403
    assert ada_socket.get_received() == [] and bea_socket.get_received() == []


def test_a_rolled_back_change_emits_nothing(rt_app, connect, people):
    """Events recorded in a transaction that rolls back are discarded, not published later."""
    from models import db
    from services import changes
    from services.changes import Change

    ada = people.make()
    ada_socket = connect({"token": ada.access_token})
    with rt_app.app_context():
        changes.record(Change([ada.id], "connection", "x", event="test.event", entity=None))
        db.session.rollback()
        db.session.commit()
    assert ada_socket.get_received() == []


def test_events_reach_every_device_of_the_person(connect, http, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(http, ada, bea)
    phone, tablet = connect({"token": bea.access_token}), connect({"token": bea.access_token})
    send(http, ada, conversation_id)
    assert [name for name, _ in events(phone)] == ["message.created"]
    assert [name for name, _ in events(tablet)] == ["message.created"]

"""Messages: idempotent sends, gap-free seqs, pages, edits, tombstones, read positions, BOLA."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from models import Message, db
from services.conversations import open_direct_conversation
from tests.factories import befriend, send

API = "/api/v1"


@pytest.fixture
def pair(client, people):
    """Two connected people and their direct conversation's id."""
    ada, bea = people.make(display_name="Ada"), people.make(display_name="Bea")
    return ada, bea, befriend(client, ada, bea)


def test_sending_returns_201_with_seqs_1_2_3(client, pair):
    ada, bea, conversation_id = pair
    responses = [send(client, ada, conversation_id), send(client, bea, conversation_id), send(client, ada, conversation_id)]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert [r.json["seq"] for r in responses] == [1, 2, 3]
    first = responses[0].json
    assert first["conversation_id"] == conversation_id and first["sender_id"] == ada.id
    assert first["deleted"] is False and first["edited_at"] is None and first["created_at"].endswith("Z")


def test_resending_a_client_msg_id_returns_the_original(client, pair):
    ada, _, conversation_id = pair
    first = send(client, ada, conversation_id, "once", client_msg_id="m-1")
    again = send(client, ada, conversation_id, "once", client_msg_id="m-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert send(client, ada, conversation_id, "next").json["seq"] == 2


def test_the_same_client_msg_id_from_the_other_member_is_a_new_message(client, pair):
    ada, bea, conversation_id = pair
    first = send(client, ada, conversation_id, client_msg_id="m-1")
    other = send(client, bea, conversation_id, client_msg_id="m-1")
    assert other.status_code == 201
    assert other.json["id"] != first.json["id"] and other.json["seq"] == 2


@pytest.mark.parametrize("length,status", [(0, 422), (1, 201), (4000, 201), (4001, 422)])
def test_body_length_is_1_to_4000_characters(client, pair, length, status):
    ada, _, conversation_id = pair
    response = send(client, ada, conversation_id, "x" * length)
    assert response.status_code == status
    if status == 422:
        assert "body" in response.json["errors"]


def test_body_is_stored_and_returned_exactly_as_sent(client, pair):
    ada, bea, conversation_id = pair
    body = "<b>hi</b>\n  spaced  \t& \"quoted\" 😀"
    sent = send(client, ada, conversation_id, body)
    assert sent.mimetype == "application/json" and sent.json["body"] == body
    listed = client.get(f"{API}/conversations/{conversation_id}/messages", headers=bea.headers)
    assert listed.mimetype == "application/json" and listed.json["items"][0]["body"] == body


def test_direct_messages_need_an_accepted_connection(app, client, people):
    ada, bea = people.make(), people.make()
    with app.app_context():
        conversation_id = open_direct_conversation(ada.id, bea.id).id
        db.session.commit()
    response = send(client, ada, conversation_id)
    assert response.status_code == 403
    assert client.get(f"{API}/conversations/{conversation_id}/messages", headers=ada.headers).json["items"] == []


def test_messages_page_newest_first_with_before_seq(client, pair):
    ada, _, conversation_id = pair
    for n in range(1, 8):
        send(client, ada, conversation_id, f"m{n}")
    url = f"{API}/conversations/{conversation_id}/messages"
    page = client.get(url, query_string={"limit": 3}, headers=ada.headers).json
    assert [m["seq"] for m in page["items"]] == [7, 6, 5] and page["next_cursor"]
    older = client.get(url, query_string={"before_seq": 5, "limit": 3}, headers=ada.headers).json
    assert [m["seq"] for m in older["items"]] == [4, 3, 2]


def test_messages_page_oldest_first_with_after_seq(client, pair):
    ada, _, conversation_id = pair
    for n in range(1, 8):
        send(client, ada, conversation_id, f"m{n}")
    page = client.get(f"{API}/conversations/{conversation_id}/messages",
                      query_string={"after_seq": 2, "limit": 3}, headers=ada.headers).json
    assert [m["seq"] for m in page["items"]] == [3, 4, 5]


@pytest.mark.parametrize("query,expected", [
    ({}, [7, 6, 5, 4, 3, 2, 1]),
    ({"after_seq": 0}, [1, 2, 3, 4, 5, 6, 7]),
    ({"after_seq": 2, "before_seq": 7}, [3, 4, 5, 6]),
    ({"before_seq": 6}, [5, 4, 3, 2, 1]),
])
def test_next_cursor_walks_every_message_once_in_order(client, pair, query, expected):
    ada, _, conversation_id = pair
    for n in range(1, 8):
        send(client, ada, conversation_id, f"m{n}")
    seen, cursor = [], None
    while True:
        args = query | {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}/conversations/{conversation_id}/messages", query_string=args,
                          headers=ada.headers).json
        seen += [m["seq"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_a_forged_message_cursor_is_a_400(client, pair):
    ada, _, conversation_id = pair
    response = client.get(f"{API}/conversations/{conversation_id}/messages", query_string={"cursor": "forged"},
                          headers=ada.headers)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_the_sender_edits_within_15_minutes(client, pair):
    ada, bea, conversation_id = pair
    message = send(client, ada, conversation_id, "helo").json
    response = client.patch(f"{API}/messages/{message['id']}", json={"body": "hello"}, headers=ada.headers)
    assert response.status_code == 200
    assert response.json["body"] == "hello" and response.json["edited_at"] and response.json["seq"] == message["seq"]
    listed = client.get(f"{API}/conversations/{conversation_id}/messages", headers=bea.headers).json["items"][0]
    assert listed["body"] == "hello" and listed["edited_at"] == response.json["edited_at"]


def test_the_other_member_cannot_edit(client, pair):
    ada, bea, conversation_id = pair
    message = send(client, ada, conversation_id, "mine").json
    response = client.patch(f"{API}/messages/{message['id']}", json={"body": "yours"}, headers=bea.headers)
    assert response.status_code == 403


def test_editing_after_15_minutes_is_refused(app, client, pair):
    ada, _, conversation_id = pair
    message = send(client, ada, conversation_id, "old news").json
    with app.app_context():
        db.session.get(Message, message["id"]).created_at -= timedelta(minutes=16)
        db.session.commit()
    response = client.patch(f"{API}/messages/{message['id']}", json={"body": "new news"}, headers=ada.headers)
    assert response.status_code == 403


def test_deleting_leaves_a_tombstone_in_the_list(client, pair):
    ada, bea, conversation_id = pair
    send(client, ada, conversation_id, "first")
    message = send(client, ada, conversation_id, "oops").json
    assert client.delete(f"{API}/messages/{message['id']}", headers=ada.headers).status_code == 204
    items = client.get(f"{API}/conversations/{conversation_id}/messages", headers=bea.headers).json["items"]
    assert [(m["seq"], m["deleted"], m["body"]) for m in items] == [(2, True, None), (1, False, "first")]


def test_a_tombstone_cannot_be_edited(client, pair):
    ada, _, conversation_id = pair
    message = send(client, ada, conversation_id, "gone").json
    client.delete(f"{API}/messages/{message['id']}", headers=ada.headers)
    response = client.patch(f"{API}/messages/{message['id']}", json={"body": "back"}, headers=ada.headers)
    assert response.status_code == 409


def test_the_other_member_cannot_delete(client, pair):
    ada, bea, conversation_id = pair
    message = send(client, ada, conversation_id).json
    assert client.delete(f"{API}/messages/{message['id']}", headers=bea.headers).status_code == 403


def test_a_moderator_can_delete_any_message(client, people, pair):
    ada, bea, conversation_id = pair
    moderator = people.make(roles=("moderator",))
    message = send(client, ada, conversation_id, "something harmful").json
    assert client.delete(f"{API}/messages/{message['id']}", headers=moderator.headers).status_code == 204
    item = client.get(f"{API}/conversations/{conversation_id}/messages", headers=bea.headers).json["items"][0]
    assert item["deleted"] is True and item["body"] is None


def test_the_read_position_only_moves_forward(client, pair):
    ada, bea, conversation_id = pair
    for _ in range(6):
        send(client, ada, conversation_id)
    url = f"{API}/conversations/{conversation_id}/read"
    assert client.post(url, json={"seq": 5}, headers=bea.headers).status_code == 204
    assert client.post(url, json={"seq": 3}, headers=bea.headers).status_code == 204
    conversation = client.get(f"{API}/conversations/{conversation_id}", headers=bea.headers).json
    assert next(m["read_seq"] for m in conversation["members"] if m["id"] == bea.id) == 5
    assert conversation["unread_count"] == 1


def test_the_read_position_stops_at_the_last_message(client, pair):
    ada, bea, conversation_id = pair
    for _ in range(2):
        send(client, ada, conversation_id)
    client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": 99}, headers=bea.headers)
    conversation = client.get(f"{API}/conversations/{conversation_id}", headers=bea.headers).json
    assert next(m["read_seq"] for m in conversation["members"] if m["id"] == bea.id) == 2
    send(client, ada, conversation_id)
    assert client.get(f"{API}/conversations/{conversation_id}", headers=bea.headers).json["unread_count"] == 1


def test_a_read_position_must_be_an_integer(client, pair):
    _, bea, conversation_id = pair
    response = client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": "5"}, headers=bea.headers)
    assert response.status_code == 422


NON_MEMBER_REQUESTS = {
    "get conversation": ("GET", "/conversations/{conversation}", None),
    "mute conversation": ("PATCH", "/conversations/{conversation}", {"muted": True}),
    "list messages": ("GET", "/conversations/{conversation}/messages", None),
    "send message": ("POST", "/conversations/{conversation}/messages", {"client_msg_id": "x", "body": "hi"}),
    "mark read": ("POST", "/conversations/{conversation}/read", {"seq": 1}),
    "edit message": ("PATCH", "/messages/{message}", {"body": "mine now"}),
    "delete message": ("DELETE", "/messages/{message}", None),
}


@pytest.mark.parametrize("endpoint", NON_MEMBER_REQUESTS)
def test_a_non_member_gets_404_on_every_conversation_endpoint(client, people, pair, endpoint):
    ada, _, conversation_id = pair
    message_id = send(client, ada, conversation_id).json["id"]
    stranger = people.make()
    method, path, body = NON_MEMBER_REQUESTS[endpoint]
    url = API + path.format(conversation=conversation_id, message=message_id)
    response = client.open(url, method=method, json=body, headers=stranger.headers)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    # Nothing changed behind the 404.
    item = client.get(f"{API}/conversations/{conversation_id}/messages", headers=ada.headers).json["items"]
    assert [(m["seq"], m["body"], m["deleted"]) for m in item] == [(1, "hello", False)]


def test_an_unknown_message_is_404(client, pair):
    ada, _, _ = pair
    assert client.delete(f"{API}/messages/{uuid.uuid4()}", headers=ada.headers).status_code == 404


def test_messages_need_a_token(client, pair):
    _, _, conversation_id = pair
    assert client.get(f"{API}/conversations/{conversation_id}/messages").status_code == 401


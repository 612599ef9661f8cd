"""Conversations: the list a phone shows, one conversation, mute, unread counts."""
from __future__ import annotations

from tests.factories import befriend, send

API = "/api/v1"


def test_listed_conversation_has_the_documented_shape(client, people):
    ada, bea = people.make(display_name="Ada"), people.make(display_name="Bea")
    conversation_id = befriend(client, ada, bea)
    message = send(client, bea, conversation_id, "hi Ada").json
    item = client.get(f"{API}/conversations", headers=ada.headers).json["items"][0]
    assert {"id", "kind", "title", "members", "last_message", "unread_count", "muted"} <= item.keys()
    assert item["id"] == conversation_id and item["kind"] == "direct" and item["title"] is None
    assert sorted(m["display_name"] for m in item["members"]) == ["Ada", "Bea"]
    assert item["last_message"] == message
    assert item["unread_count"] == 1 and item["muted"] is False


def test_conversations_are_listed_most_recent_activity_first(client, people):
    ada, bea, cat, dan = people.make(), people.make(), people.make(), people.make()
    with_bea, with_cat, with_dan = befriend(client, ada, bea), befriend(client, ada, cat), befriend(client, ada, dan)
    send(client, cat, with_cat)
    send(client, ada, with_bea)
    ids = [c["id"] for c in client.get(f"{API}/conversations", headers=ada.headers).json["items"]]
    assert ids == [with_bea, with_cat, with_dan]


def test_conversation_pages_walk_every_conversation_once(client, people):
    ada = people.make()
    expected = {befriend(client, ada, people.make()) for _ in range(5)}
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}/conversations", query_string=query, headers=ada.headers).json
        assert len(page["items"]) <= 2
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(expected) and set(seen) == expected


def test_a_member_sees_one_conversation(client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    response = client.get(f"{API}/conversations/{conversation_id}", headers=bea.headers)
    assert response.status_code == 200 and response.json["id"] == conversation_id


def test_a_non_member_does_not_see_the_conversation(client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    assert client.get(f"{API}/conversations/{conversation_id}", headers=cat.headers).status_code == 404
    assert client.get(f"{API}/conversations", headers=cat.headers).json["items"] == []


def test_muting_is_per_member(client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    response = client.patch(f"{API}/conversations/{conversation_id}", json={"muted": True}, headers=ada.headers)
    assert response.status_code == 200 and response.json["muted"] is True
    assert client.get(f"{API}/conversations/{conversation_id}", headers=ada.headers).json["muted"] is True
    assert client.get(f"{API}/conversations/{conversation_id}", headers=bea.headers).json["muted"] is False
    unmuted = client.patch(f"{API}/conversations/{conversation_id}", json={"muted": False}, headers=ada.headers)
    assert unmuted.json["muted"] is False


def test_muted_must_be_a_boolean(client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    response = client.patch(f"{API}/conversations/{conversation_id}", json={"muted": "yes"}, headers=ada.headers)
    assert response.status_code == 422


def test_unread_count_is_last_seq_minus_read_seq(client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    for n in range(5):
        send(client, bea, conversation_id, f"message {n}")
    client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": 2}, headers=ada.headers)
    assert client.get(f"{API}/conversations/{conversation_id}", headers=ada.headers).json["unread_count"] == 3


def test_your_own_messages_are_not_unread_for_you(client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    send(client, bea, conversation_id)
    send(client, ada, conversation_id)
    send(client, ada, conversation_id)
    assert client.get(f"{API}/conversations/{conversation_id}", headers=ada.headers).json["unread_count"] == 0
    assert client.get(f"{API}/conversations/{conversation_id}", headers=bea.headers).json["unread_count"] == 2

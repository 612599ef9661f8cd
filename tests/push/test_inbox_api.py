"""The in-app inbox: which events write which notifications, GET /notifications and POST /notifications/read."""
from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.push.conftest import API, befriend, outbox, send


def inbox(client, person, **params) -> dict:
    response = client.get(f"{API}/notifications", query_string=params, headers=person.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def types(client, person) -> list[str]:
    return [item["type"] for item in inbox(client, person)["items"]]


@pytest.fixture
def pair(client, people):
    ada, bea = people.make(), people.make()
    return ada, bea, befriend(client, ada, bea)


def test_a_message_notifies_the_other_member_with_opaque_ids_only(client, pair):
    ada, bea, conversation_id = pair
    message = send(client, ada, conversation_id, "private words")
    [item] = [i for i in inbox(client, bea)["items"] if i["type"] == "message"]
    assert item["data"] == {"conversation_id": conversation_id, "message_id": message["id"]}
    assert item["read_at"] is None and item["created_at"].endswith("Z")
    assert "message" not in types(client, ada)


def test_a_connection_request_notifies_the_addressee_and_acceptance_the_requester(client, people):
    ada, bea = people.make(), people.make()
    request_id = client.post(f"{API}/connections", json={"user_id": bea.id}, headers=ada.headers).json["id"]
    [asked] = inbox(client, bea)["items"]
    assert asked["type"] == "connection_request" and asked["data"] == {"connection_id": request_id}
    assert types(client, ada) == []
    conversation_id = client.post(f"{API}/connections/{request_id}/accept", headers=bea.headers).json["conversation_id"]
    [accepted] = inbox(client, ada)["items"]
    assert accepted["type"] == "connection_accepted"
    assert accepted["data"] == {"connection_id": request_id, "conversation_id": conversation_id}


def test_a_declined_request_lands_in_the_inbox_without_a_push(app, client, people):
    ada, bea = people.make(), people.make()
    request_id = client.post(f"{API}/connections", json={"user_id": bea.id}, headers=ada.headers).json["id"]
    assert client.post(f"{API}/connections/{request_id}/decline", headers=bea.headers).status_code == 200
    [declined] = inbox(client, ada)["items"]
    assert declined["type"] == "connection_declined" and declined["data"] == {"connection_id": request_id}
    assert outbox(app, ada.id) == []


def test_the_inbox_is_newest_first_with_the_unread_count_and_pages(client, pair):
    ada, bea, conversation_id = pair
    ids = [send(client, ada, conversation_id, f"m{n}")["id"] for n in range(3)]
    first = inbox(client, bea, limit=2)
    assert first["unread_count"] == 4  # the request and three messages
    assert [i["data"]["message_id"] for i in first["items"]] == [ids[2], ids[1]]
    assert first["next_cursor"]
    second = inbox(client, bea, limit=2, cursor=first["next_cursor"])
    assert [i["data"].get("message_id") for i in second["items"]] == [ids[0], None]
    assert second["items"][1]["type"] == "connection_request"
    assert second["next_cursor"] is None


def test_marking_ids_read_returns_204_and_lowers_the_badge(client, pair):
    ada, bea, conversation_id = pair
    send(client, ada, conversation_id)
    items = inbox(client, bea)["items"]
    response = client.post(f"{API}/notifications/read", json={"ids": [items[0]["id"]]}, headers=bea.headers)
    assert response.status_code == 204
    after = inbox(client, bea)
    assert after["unread_count"] == 1 and after["items"][0]["read_at"] is not None
    assert [i["id"] for i in inbox(client, bea, unread_only="true")["items"]] == [items[1]["id"]]


def test_someone_elses_notification_ids_are_ignored(client, pair):
    ada, bea, conversation_id = pair
    send(client, ada, conversation_id)
    beas = [i["id"] for i in inbox(client, bea)["items"]]
    response = client.post(f"{API}/notifications/read", json={"ids": beas}, headers=ada.headers)
    assert response.status_code == 204
    assert inbox(client, bea)["unread_count"] == 2


def test_marking_all_read_clears_the_badge(client, pair):
    ada, bea, conversation_id = pair
    send(client, ada, conversation_id)
    assert client.post(f"{API}/notifications/read", json={"all": True}, headers=bea.headers).status_code == 204
    assert inbox(client, bea)["unread_count"] == 0
    assert inbox(client, ada)["unread_count"] == 1  # Ada's own stays


def test_a_read_request_without_ids_or_all_true_is_422(client, people):
    ada = people.make()
    for body in [{}, {"ids": []}, {"all": False}, {"all": 1}, {"ids": ["not-an-id"]}]:
        assert_problem(client.post(f"{API}/notifications/read", json=body, headers=ada.headers), 422)


def test_reading_the_conversation_marks_its_message_notifications_up_to_that_seq(client, pair):
    ada, bea, conversation_id = pair
    seqs = [send(client, ada, conversation_id, f"m{n}")["seq"] for n in range(3)]
    response = client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": seqs[1]}, headers=bea.headers)
    assert response.status_code == 204
    unread = {i["data"].get("message_id") for i in inbox(client, bea, unread_only="true")["items"]}
    assert inbox(client, bea)["unread_count"] == 2  # the third message and the connection request
    messages = [i for i in inbox(client, bea)["items"] if i["type"] == "message"]
    assert [m["read_at"] is None for m in messages] == [True, False, False]
    assert len(unread) == 2


def test_the_inbox_needs_a_signed_in_person(client):
    assert client.get(f"{API}/notifications").status_code == 401
    assert client.post(f"{API}/notifications/read", json={"all": True}).status_code == 401

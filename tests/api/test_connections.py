"""Peer connections: ask with a note, accept or decline; accepting opens a direct conversation."""
from __future__ import annotations

import uuid
from datetime import timedelta

from models import Connection, db

API = "/api/v1"


def ask(client, requester, addressee, **body):
    return client.post(f"{API}/connections", json={"user_id": addressee.id, **body}, headers=requester.headers)


def test_request_with_a_note_is_pending(client, people):
    ada, bea = people.make(), people.make()
    response = ask(client, ada, bea, message="We both live with MS; fancy a chat?")
    assert response.status_code == 201
    assert response.json["status"] == "pending" and response.json["id"]
    assert response.json["message"] == "We both live with MS; fancy a chat?"
    assert (response.json["requester_id"], response.json["addressee_id"]) == (ada.id, bea.id)


def test_asking_twice_while_pending_is_a_conflict(client, people):
    ada, bea = people.make(), people.make()
    ask(client, ada, bea)
    assert ask(client, ada, bea).status_code == 409


def test_asking_back_while_a_request_is_pending_is_a_conflict(client, people):
    ada, bea = people.make(), people.make()
    ask(client, ada, bea)
    assert ask(client, bea, ada).status_code == 409


def test_the_addressee_accepts(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    response = client.post(f"{API}/connections/{request_id}/accept", headers=bea.headers)
    assert response.status_code == 200
    assert response.json["status"] == "accepted" and response.json["responded_at"]


def test_the_requester_cannot_accept_their_own_request(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    response = client.post(f"{API}/connections/{request_id}/accept", headers=ada.headers)
    assert response.status_code == 403


def test_a_stranger_cannot_see_someone_elses_request(client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    for action in ("accept", "decline"):
        response = client.post(f"{API}/connections/{request_id}/{action}", headers=cat.headers)
        assert response.status_code == 404


def test_accepting_opens_a_direct_conversation_listed_for_both(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    conversation_id = client.post(f"{API}/connections/{request_id}/accept", headers=bea.headers).json["conversation_id"]
    assert conversation_id
    for person in (ada, bea):
        listed = client.get(f"{API}/conversations", headers=person.headers).json["items"]
        assert [c["id"] for c in listed] == [conversation_id]
        assert listed[0]["kind"] == "direct"
        assert {m["id"] for m in listed[0]["members"]} == {ada.id, bea.id}


def test_the_addressee_declines(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    response = client.post(f"{API}/connections/{request_id}/decline", headers=bea.headers)
    assert response.status_code == 200 and response.json["status"] == "declined"
    assert response.json["conversation_id"] is None
    assert client.get(f"{API}/conversations", headers=ada.headers).json["items"] == []


def test_answering_twice_is_a_conflict(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    client.post(f"{API}/connections/{request_id}/decline", headers=bea.headers)
    assert client.post(f"{API}/connections/{request_id}/accept", headers=bea.headers).status_code == 409


def test_asking_yourself_is_invalid(client, people):
    ada = people.make()
    response = ask(client, ada, ada)
    assert response.status_code == 422 and "user_id" in response.json["errors"]


def test_asking_an_unknown_person_is_not_found(client, people):
    ada = people.make()
    response = client.post(f"{API}/connections", json={"user_id": str(uuid.uuid4())}, headers=ada.headers)
    assert response.status_code == 404


def test_a_declined_requester_cannot_ask_again_for_30_days(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    client.post(f"{API}/connections/{request_id}/decline", headers=bea.headers)
    assert ask(client, ada, bea).status_code == 409


def test_a_declined_requester_may_ask_again_after_30_days(app, client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    client.post(f"{API}/connections/{request_id}/decline", headers=bea.headers)
    with app.app_context():
        connection = db.session.get(Connection, request_id)
        connection.responded_at -= timedelta(days=31)
        db.session.commit()
    assert ask(client, ada, bea).status_code == 201


def test_the_person_who_declined_may_ask_themselves(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    client.post(f"{API}/connections/{request_id}/decline", headers=bea.headers)
    response = ask(client, bea, ada)
    assert response.status_code == 201
    assert (response.json["requester_id"], response.json["status"]) == (bea.id, "pending")


def test_asking_someone_you_are_connected_to_is_a_conflict(client, people):
    ada, bea = people.make(), people.make()
    request_id = ask(client, ada, bea).json["id"]
    client.post(f"{API}/connections/{request_id}/accept", headers=bea.headers)
    assert ask(client, bea, ada).status_code == 409


def test_listing_shows_requests_sent_and_received(client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    sent = ask(client, ada, bea).json["id"]
    received = ask(client, cat, ada).json["id"]
    ask(client, bea, cat)  # not Ada's business
    response = client.get(f"{API}/connections", headers=ada.headers)
    assert response.status_code == 200
    assert {c["id"] for c in response.json["items"]} == {sent, received}


def test_listing_filters_by_status_and_pages(client, people):
    ada = people.make()
    others = [people.make() for _ in range(5)]
    for other in others:
        ask(client, other, ada)
    seen, cursor = [], None
    while True:
        query = {"limit": 2, "status": "pending"} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}/connections", query_string=query, headers=ada.headers).json
        seen += [c["requester_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(o.id for o in others)
    accepted = client.get(f"{API}/connections", query_string={"status": "accepted"}, headers=ada.headers)
    assert accepted.json["items"] == []

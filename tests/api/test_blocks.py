"""Blocks: a silent, two-way wall."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.realtime import socketio
from tests.factories import befriend, send

API = "/api/v1"


def block(client, blocker, blocked):
    return client.post(f"{API}/blocks", json={"user_id": blocked.id}, headers=blocker.headers)


def test_blocking_someone_is_created_then_idempotent(client, people):
    ada, bea = people.make(), people.make(display_name="Bea")
    first, again = block(client, ada, bea), block(client, ada, bea)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["user_id"] == bea.id and first.json["display_name"] == "Bea"
    assert again.json == first.json


def test_blocks_are_listed_for_the_blocker_only(client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    block(client, ada, bea)
    block(client, ada, cat)
    listed = client.get(f"{API}/blocks", headers=ada.headers).json
    assert {b["user_id"] for b in listed["items"]} == {bea.id, cat.id} and listed["next_cursor"] is None
    assert client.get(f"{API}/blocks", headers=bea.headers).json["items"] == []


def test_unblocking_lifts_the_block(client, people):
    ada, bea = people.make(), people.make()
    block(client, ada, bea)
    assert client.delete(f"{API}/blocks/{bea.id}", headers=ada.headers).status_code == 204
    assert client.get(f"{API}/blocks", headers=ada.headers).json["items"] == []
    assert client.get(f"{API}/users/{ada.id}", headers=bea.headers).status_code == 200
    assert client.delete(f"{API}/blocks/{bea.id}", headers=ada.headers).status_code == 204


def test_blocking_yourself_is_invalid(client, people):
    ada = people.make()
    assert block(client, ada, ada).status_code == 422


def test_blocking_an_unknown_person_is_not_found(client, people):
    ada = people.make()
    response = client.post(f"{API}/blocks", json={"user_id": str(uuid.uuid4())}, headers=ada.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("direction", ["blocker looks", "blocked looks"])
def test_a_block_hides_profiles_both_ways(client, people, direction):
    ada, bea = people.make(), people.make()
    block(client, ada, bea)
    viewer, target = (ada, bea) if direction == "blocker looks" else (bea, ada)
    assert client.get(f"{API}/users/{target.id}", headers=viewer.headers).status_code == 404


@pytest.mark.parametrize("direction", ["blocker asks", "blocked asks"])
def test_a_block_stops_connection_requests_both_ways(client, people, direction):
    ada, bea = people.make(), people.make()
    block(client, ada, bea)
    asker, target = (ada, bea) if direction == "blocker asks" else (bea, ada)
    response = client.post(f"{API}/connections", json={"user_id": target.id}, headers=asker.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("direction", ["blocker sends", "blocked sends"])
def test_a_block_stops_sending_in_the_shared_direct_conversation(client, people, direction):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    block(client, ada, bea)
    sender = ada if direction == "blocker sends" else bea
    assert send(client, sender, conversation_id).status_code == 403


def test_a_block_withdraws_a_pending_request(client, people):
    ada, bea = people.make(), people.make()
    request_id = client.post(f"{API}/connections", json={"user_id": ada.id}, headers=bea.headers).json["id"]
    block(client, ada, bea)
    for person in (ada, bea):
        assert client.get(f"{API}/connections", headers=person.headers).json["items"] == []
    assert client.post(f"{API}/connections/{request_id}/accept", headers=ada.headers).status_code == 404


def test_after_unblocking_either_may_ask_again(client, people):
    ada, bea = people.make(), people.make()
    client.post(f"{API}/connections", json={"user_id": ada.id}, headers=bea.headers)
    block(client, ada, bea)
    client.delete(f"{API}/blocks/{bea.id}", headers=ada.headers)
    assert client.post(f"{API}/connections", json={"user_id": ada.id}, headers=bea.headers).status_code == 201


def test_the_blocked_person_is_not_told(make_app, people):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    send(client, ada, conversation_id)
    since = client.get(f"{API}/sync", headers=bea.headers).json["next_since"]
    socket = socketio.test_client(app, auth={"token": bea.access_token})
    assert socket.is_connected()

    assert block(client, ada, bea).status_code == 201

    assert socket.get_received() == []
    changes = client.get(f"{API}/sync", query_string={"since": since}, headers=bea.headers).json
    assert (changes["messages"], changes["connections"], changes["conversations"], changes["read_positions"]) == \
        ([], [], [], [])
    assert client.get(f"{API}/conversations/{conversation_id}", headers=bea.headers).status_code == 200
    socket.disconnect()


def test_the_blocked_person_is_not_told_when_a_pending_request_is_withdrawn(make_app, people):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    ada, bea = people.make(), people.make()
    client.post(f"{API}/connections", json={"user_id": ada.id}, headers=bea.headers)
    since = client.get(f"{API}/sync", headers=bea.headers).json["next_since"]
    socket = socketio.test_client(app, auth={"token": bea.access_token})

    block(client, ada, bea)

    assert socket.get_received() == []
    changes = client.get(f"{API}/sync", query_string={"since": since}, headers=bea.headers).json
    assert changes["connections"] == []
    socket.disconnect()


def test_blocking_twice_at_once_is_created_once_and_idempotent(make_app, people):
    app = make_app()
    ada, bea = people.make(), people.make()
    barrier = threading.Barrier(4)

    def tap(_):
        client = app.test_client()
        barrier.wait()
        return block(client, ada, bea).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(tap, range(4)))
    assert statuses == [200, 200, 200, 201]


def test_the_blockers_own_devices_learn_that_a_pending_request_was_withdrawn(make_app, people):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    ada, bea = people.make(), people.make()
    request_id = client.post(f"{API}/connections", json={"user_id": ada.id}, headers=bea.headers).json["id"]
    since = client.get(f"{API}/sync", headers=ada.headers).json["next_since"]
    other_phone = socketio.test_client(app, auth={"token": ada.access_token})

    block(client, ada, bea)

    assert [(p["name"], p["args"][0]["id"], p["args"][0]["status"]) for p in other_phone.get_received()] == \
        [("connection.updated", request_id, "cancelled")]
    changes = client.get(f"{API}/sync", query_string={"since": since}, headers=ada.headers).json
    assert [(c["id"], c["status"]) for c in changes["connections"]] == [(request_id, "cancelled")]
    other_phone.disconnect()


def test_blocking_ends_an_active_mentorship_and_frees_the_mentors_place(client, people, app):
    from models import MentorProfile, db
    from tests.mentoring_helpers import DIABETES_T1, make_mentor, set_conditions, start_mentorship

    mentor = make_mentor(client, people)
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    active = start_mentorship(client, mentee, mentor)
    assert client.post("/api/v1/blocks", json={"user_id": mentor.id}, headers=mentee.headers).status_code == 201
    mine = client.get("/api/v1/mentorships", headers=mentee.headers).json["items"]
    assert [(m["id"], m["status"]) for m in mine] == [(active["id"], "ended")]
    with app.app_context():
        assert db.session.get(MentorProfile, mentor.id).active_mentees == 0


def test_blocking_withdraws_a_mentorship_request_without_telling_the_mentor(client, people):
    from tests.mentoring_helpers import make_mentor, request_mentorship, set_conditions, DIABETES_T1

    mentor = make_mentor(client, people)
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    asked = request_mentorship(client, mentee, mentor).json
    since = client.get("/api/v1/sync", headers=mentor.headers).json["next_since"]
    assert client.post("/api/v1/blocks", json={"user_id": mentor.id}, headers=mentee.headers).status_code == 201
    assert client.post(f"/api/v1/mentorships/{asked['id']}/accept", headers=mentor.headers).status_code == 404
    assert client.get(f"/api/v1/sync?since={since}", headers=mentor.headers).json["mentorships"] == []

"""/sync: a snapshot, then each change once, through an opaque, tamper-evident token."""
from __future__ import annotations

import base64
import json
import uuid

import pytest
from itsdangerous import URLSafeSerializer
from tests.factories import befriend

API = "/api/v1"


def send(client, person, conversation_id, body="hello"):
    return client.post(f"{API}/conversations/{conversation_id}/messages",
                       json={"client_msg_id": str(uuid.uuid4()), "body": body}, headers=person.headers).json


def sync(client, person, since=None):
    response = client.get(f"{API}/sync", query_string={"since": since} if since else {}, headers=person.headers)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def pair(client, people):
    ada, bea = people.make(), people.make()
    return ada, bea, befriend(client, ada, bea)


def test_first_sync_is_a_snapshot(client, pair):
    ada, bea, conversation_id = pair
    first, second = send(client, ada, conversation_id, "one"), send(client, bea, conversation_id, "two")
    snapshot = sync(client, ada)
    assert snapshot["next_since"]
    assert {"messages", "read_positions", "conversations", "connections", "mentorships", "notifications"} <= snapshot.keys()
    assert [m["id"] for m in snapshot["messages"]] == [first["id"], second["id"]]
    assert [c["id"] for c in snapshot["conversations"]] == [conversation_id]
    assert snapshot["conversations"][0]["unread_count"] == 1
    assert {(r["user_id"], r["seq"]) for r in snapshot["read_positions"]} == {(ada.id, 1), (bea.id, 2)}
    assert [c["status"] for c in snapshot["connections"]] == ["accepted"]


def test_syncing_again_with_nothing_new_returns_empty_lists(client, pair):
    ada, _, conversation_id = pair
    send(client, ada, conversation_id)
    token = sync(client, ada)["next_since"]
    again = sync(client, ada, token)
    assert all(again[key] == [] for key in ("messages", "read_positions", "conversations", "connections"))
    assert sync(client, ada, again["next_since"])["messages"] == []


def test_sync_returns_new_messages_since_the_token(client, pair):
    ada, bea, conversation_id = pair
    old = send(client, ada, conversation_id, "old")
    token = sync(client, bea)["next_since"]
    new = send(client, ada, conversation_id, "new")
    changes = sync(client, bea, token)
    assert [m["id"] for m in changes["messages"]] == [new["id"]] and old["id"] != new["id"]
    assert changes["conversations"][0]["last_message"]["id"] == new["id"]
    assert changes["conversations"][0]["unread_count"] == 2


def test_sync_returns_edits_and_tombstones(client, pair):
    ada, bea, conversation_id = pair
    edited, deleted = send(client, ada, conversation_id, "helo"), send(client, ada, conversation_id, "oops")
    token = sync(client, bea)["next_since"]
    client.patch(f"{API}/messages/{edited['id']}", json={"body": "hello"}, headers=ada.headers)
    client.delete(f"{API}/messages/{deleted['id']}", headers=ada.headers)
    by_id = {m["id"]: m for m in sync(client, bea, token)["messages"]}
    assert by_id[edited["id"]]["body"] == "hello" and by_id[edited["id"]]["edited_at"]
    assert by_id[deleted["id"]]["deleted"] is True and by_id[deleted["id"]]["body"] is None


def test_sync_returns_the_other_members_read_position(client, pair):
    ada, bea, conversation_id = pair
    send(client, ada, conversation_id)
    send(client, ada, conversation_id)
    token = sync(client, ada)["next_since"]
    client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": 2}, headers=bea.headers)
    changes = sync(client, ada, token)
    assert {"conversation_id": conversation_id, "user_id": bea.id, "seq": 2} in changes["read_positions"]
    assert changes["messages"] == []


def test_sync_returns_a_mute_to_the_member_who_muted(client, pair):
    ada, bea, conversation_id = pair
    ada_token, bea_token = sync(client, ada)["next_since"], sync(client, bea)["next_since"]
    client.patch(f"{API}/conversations/{conversation_id}", json={"muted": True}, headers=ada.headers)
    assert [(c["id"], c["muted"]) for c in sync(client, ada, ada_token)["conversations"]] == [(conversation_id, True)]
    assert sync(client, bea, bea_token)["conversations"] == []


def test_sync_returns_connection_requests_and_answers(client, people):
    ada, bea = people.make(), people.make()
    ada_token, bea_token = sync(client, ada)["next_since"], sync(client, bea)["next_since"]
    request_id = client.post(f"{API}/connections", json={"user_id": bea.id, "message": "hi"},
                             headers=ada.headers).json["id"]
    received = sync(client, bea, bea_token)
    assert [(c["id"], c["status"], c["message"]) for c in received["connections"]] == [(request_id, "pending", "hi")]
    client.post(f"{API}/connections/{request_id}/accept", headers=bea.headers)
    answered = sync(client, ada, ada_token)
    assert [(c["id"], c["status"]) for c in answered["connections"]] == [(request_id, "accepted")]
    assert [c["id"] for c in answered["conversations"]] == [answered["connections"][0]["conversation_id"]]


def test_an_edited_message_appears_once_with_its_latest_body(client, pair):
    ada, bea, conversation_id = pair
    token = sync(client, bea)["next_since"]
    message = send(client, ada, conversation_id, "v1")
    for body in ("v2", "v3"):
        client.patch(f"{API}/messages/{message['id']}", json={"body": body}, headers=ada.headers)
    changes = sync(client, bea, token)
    assert [(m["id"], m["body"]) for m in changes["messages"]] == [(message["id"], "v3")]
    assert len(changes["conversations"]) == 1 and len(changes["read_positions"]) == 2


def test_a_stranger_syncs_nothing_of_others_conversations(client, pair, people):
    ada, _, conversation_id = pair
    stranger = people.make()
    token = sync(client, stranger)["next_since"]
    send(client, ada, conversation_id)
    changes = sync(client, stranger, token)
    assert (changes["messages"], changes["conversations"], changes["read_positions"]) == ([], [], [])


def _with_payload(token: str, **changes) -> str:
    """The token's payload edited, its signature kept: what a client tampering with it would send."""
    payload, signature = token.rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) | changes
    edited = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{edited}.{signature}"


TAMPERINGS = {
    "garbage": lambda token, user_id: "forged",
    "signature changed": lambda token, user_id: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
    "position rewound": lambda token, user_id: _with_payload(token, p=0),
    "signed with another key": lambda token, user_id: URLSafeSerializer("not-our-secret", salt="peerless.sync")
    .dumps({"u": user_id, "p": 0}),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_a_forged_or_tampered_token_is_a_400_problem(client, pair, tampering):
    ada, _, _ = pair
    token = sync(client, ada)["next_since"]
    forged = TAMPERINGS[tampering](token, ada.id)
    assert forged != token
    response = client.get(f"{API}/sync", query_string={"since": forged}, headers=ada.headers)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_another_persons_token_is_a_400(client, pair):
    ada, bea, _ = pair
    bea_token = sync(client, bea)["next_since"]
    response = client.get(f"{API}/sync", query_string={"since": bea_token}, headers=ada.headers)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_sync_needs_a_token(client):
    assert client.get(f"{API}/sync").status_code == 401


def test_a_long_backlog_comes_in_pages_with_has_more(client, pair, monkeypatch):
    ada, bea, conversation_id = pair
    monkeypatch.setattr("services.sync.MAX_CHANGES", 3)
    token = sync(client, bea)["next_since"]
    sent = [send(client, ada, conversation_id, f"m{n}")["id"] for n in range(7)]
    received, pages = [], 0
    while True:
        page = sync(client, bea, token)
        received += [m["id"] for m in page["messages"]]
        token, pages = page["next_since"], pages + 1
        if not page["has_more"]:
            break
    assert received == sent and pages >= 3


def test_sync_carries_mentorship_changes_and_inbox_entries_to_both_sides(client, people):
    from tests.mentoring_helpers import make_mentor, request_mentorship, set_conditions, DIABETES_T1

    mentor = make_mentor(client, people)
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    mentor_since = client.get("/api/v1/sync", headers=mentor.headers).json["next_since"]
    mentee_since = client.get("/api/v1/sync", headers=mentee.headers).json["next_since"]

    asked = request_mentorship(client, mentee, mentor).json

    for_mentor = client.get(f"/api/v1/sync?since={mentor_since}", headers=mentor.headers).json
    assert [(m["id"], m["status"]) for m in for_mentor["mentorships"]] == [(asked["id"], "requested")]
    assert [n["type"] for n in for_mentor["notifications"]] == ["mentorship_request"]
    for_mentee = client.get(f"/api/v1/sync?since={mentee_since}", headers=mentee.headers).json
    assert [m["id"] for m in for_mentee["mentorships"]] == [asked["id"]]
    assert for_mentee["notifications"] == []


def test_the_snapshot_includes_mentorships_and_recent_inbox_entries(client, people):
    from tests.mentoring_helpers import make_mentor, request_mentorship, set_conditions, DIABETES_T1

    mentor = make_mentor(client, people)
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    asked = request_mentorship(client, mentee, mentor).json
    snapshot = client.get("/api/v1/sync", headers=mentor.headers).json
    assert [m["id"] for m in snapshot["mentorships"]] == [asked["id"]]
    assert "mentorship_request" in [n["type"] for n in snapshot["notifications"]]

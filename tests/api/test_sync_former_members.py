"""After leaving or being removed from a circle, a person learns nothing more about its conversation
(issue 13, finding 2), whichever way they ask: `/sync` with an old token, a snapshot, the conversation
list, message pages, the socket, the inbox and the push outbox. The change stream says once that
they left, with the conversation's id and nothing else.

Written as the former member, who kept a `since` token from before they left.
"""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from models import ConversationMember, Notification, PushOutbox, db
from services.realtime import socketio
from tests.api.test_groups import join, leave, make_mentor, start_circle
from tests.factories import send

API = "/api/v1"


def sync(client, person, since=None) -> dict:
    response = client.get(f"{API}/sync", query_string={"since": since} if since else {}, headers=person.headers)
    assert response.status_code == 200, response.json
    return response.json


def secret() -> str:
    return f"secret-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def circle(app, client, people):
    """A public circle with a host, Dan and Cat; Cat has read and synced everything so far."""
    host = make_mentor(app, people, client)
    group = start_circle(client, host)
    cat, dan = people.make(), people.make()
    for person in (cat, dan):
        assert join(client, person, group["id"]).status_code == 200
    conversation_id = client.get(f"{API}/groups/{group['id']}", headers=cat.headers).json["conversation_id"]
    first = send(client, dan, conversation_id, "before Cat left").json
    client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": first["seq"]}, headers=cat.headers)
    return {"host": host, "group": group, "cat": cat, "dan": dan, "conversation_id": conversation_id,
            "first": first, "token": sync(client, cat)["next_since"]}


def depart(client, circle, how: str) -> None:
    cat, group = circle["cat"], circle["group"]
    if how == "left":
        assert leave(client, cat, group["id"]).status_code == 200
    else:
        response = client.delete(f"{API}/groups/{group['id']}/members/{cat.id}", headers=circle["host"].headers)
        assert response.status_code == 204, response.json


def life_goes_on(client, people, circle) -> dict:
    """What happens in the circle after Cat is gone: a newcomer, messages, an edit, reads."""
    dan, conversation_id = circle["dan"], circle["conversation_id"]
    eve = people.make(display_name=f"Eve {secret()}")
    join(client, eve, circle["group"]["id"])
    later = secret()
    sent = send(client, dan, conversation_id, later).json
    edit = secret()
    assert client.patch(f"{API}/messages/{circle['first']['id']}", json={"body": edit},
                        headers=dan.headers).status_code == 200
    client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": sent["seq"]}, headers=eve.headers)
    return {"eve": eve, "texts": [later, edit], "ids": [eve.id, sent["id"]]}


def assert_nothing_about(answer: dict, after: dict) -> None:
    text = json.dumps(answer)
    for leaked in (*after["texts"], *after["ids"]):
        assert leaked not in text


@pytest.mark.parametrize("how", ["left", "removed"])
def test_an_old_since_token_returns_nothing_that_happened_after_leaving(client, people, circle, how):
    depart(client, circle, how)
    after = life_goes_on(client, people, circle)
    answer = sync(client, circle["cat"], circle["token"])
    assert_nothing_about(answer, after)
    assert circle["conversation_id"] not in [c["id"] for c in answer["conversations"]]
    assert all(r["conversation_id"] != circle["conversation_id"] for r in answer["read_positions"])
    assert all(m["conversation_id"] != circle["conversation_id"] for m in answer["messages"])


@pytest.mark.parametrize("how", ["left", "removed"])
def test_the_stream_says_once_that_the_person_left(client, people, circle, how):
    depart(client, circle, how)
    life_goes_on(client, people, circle)
    told = sync(client, circle["cat"], circle["token"])
    assert told["left_conversations"] == [circle["conversation_id"]]
    assert sync(client, circle["cat"], told["next_since"])["left_conversations"] == []


def test_an_old_token_from_long_before_still_says_only_that_they_left(client, people, circle):
    """Entries about the conversation from before leaving no longer bring back its current state."""
    cat, dan, conversation_id = circle["cat"], circle["dan"], circle["conversation_id"]
    send(client, dan, conversation_id, "while Cat was there")
    leave(client, cat, circle["group"]["id"])
    after = life_goes_on(client, people, circle)
    answer = sync(client, cat, circle["token"])
    assert_nothing_about(answer, after)
    assert answer["messages"] == [] and answer["left_conversations"] == [conversation_id]


def test_a_snapshot_after_leaving_has_nothing_of_the_conversation(client, people, circle):
    depart(client, circle, "left")
    after = life_goes_on(client, people, circle)
    snapshot = sync(client, circle["cat"])
    assert_nothing_about(snapshot, after)
    assert circle["conversation_id"] not in json.dumps(snapshot["conversations"] + snapshot["messages"]
                                                       + snapshot["read_positions"])
    assert snapshot["left_conversations"] == []


def test_the_list_and_the_pages_are_closed_to_the_former_member(client, people, circle):
    cat, conversation_id = circle["cat"], circle["conversation_id"]
    depart(client, circle, "removed")
    life_goes_on(client, people, circle)
    listed = client.get(f"{API}/conversations", headers=cat.headers).json["items"]
    assert conversation_id not in [c["id"] for c in listed]
    for path in (f"/conversations/{conversation_id}", f"/conversations/{conversation_id}/messages"):
        assert client.get(f"{API}{path}", headers=cat.headers).status_code == 404


def test_no_inbox_entry_or_push_is_made_for_the_former_member(app, client, people, circle):
    depart(client, circle, "left")
    with app.app_context():
        before = (db.session.scalar(select(db.func.count()).select_from(Notification)
                                    .where(Notification.user_id == circle["cat"].id)),
                  db.session.scalar(select(db.func.count()).select_from(PushOutbox)
                                    .where(PushOutbox.user_id == circle["cat"].id)))
    life_goes_on(client, people, circle)
    with app.app_context():
        after = (db.session.scalar(select(db.func.count()).select_from(Notification)
                                   .where(Notification.user_id == circle["cat"].id)),
                 db.session.scalar(select(db.func.count()).select_from(PushOutbox)
                                   .where(PushOutbox.user_id == circle["cat"].id)))
    assert after == before


def test_the_former_members_socket_hears_nothing_more(app, make_app, people, circle):
    rt_app = make_app(REDIS_URL=None, REALTIME_SWEEP_SECONDS=0)
    client = rt_app.test_client()
    socket = socketio.test_client(rt_app, auth={"token": circle["cat"].access_token})
    try:
        depart(client, circle, "left")
        socket.get_received()
        life_goes_on(client, people, circle)
        assert socket.get_received() == []
    finally:
        socket.disconnect()


def test_rejoining_brings_the_conversation_back_cleanly(app, client, people, circle):
    cat, dan, conversation_id = circle["cat"], circle["dan"], circle["conversation_id"]
    leave(client, cat, circle["group"]["id"])
    told = sync(client, cat, circle["token"])
    assert told["left_conversations"] == [conversation_id]
    assert join(client, cat, circle["group"]["id"]).status_code == 200
    welcome = send(client, dan, conversation_id, "welcome back").json
    back = sync(client, cat, told["next_since"])
    assert back["left_conversations"] == []
    assert [c["id"] for c in back["conversations"]] == [conversation_id]
    assert [m["id"] for m in back["messages"]] == [welcome["id"]]
    assert back["conversations"][0]["unread_count"] == 1
    # One old token spanning the leave and the return: the conversation as it is, not "left".
    spanning = sync(client, cat, circle["token"])
    assert spanning["left_conversations"] == [] and conversation_id in [c["id"] for c in spanning["conversations"]]
    with app.app_context():
        assert db.session.get(ConversationMember, (conversation_id, cat.id)).left_at is None


def test_leaving_clears_the_conversations_unread_entries_and_drops_unsent_pushes(app, client, people, circle):
    cat, dan, conversation_id = circle["cat"], circle["dan"], circle["conversation_id"]
    send(client, dan, conversation_id, "sent while Cat was there, not yet read or pushed")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(PushOutbox).where(
            PushOutbox.user_id == cat.id, PushOutbox.status == "pending")) >= 1
    depart(client, circle, "left")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(PushOutbox).where(
            PushOutbox.user_id == cat.id, PushOutbox.status == "pending")) == 0
        assert db.session.scalar(select(db.func.count()).select_from(Notification).where(
            Notification.user_id == cat.id, Notification.conversation_id == conversation_id,
            Notification.read_at.is_(None))) == 0

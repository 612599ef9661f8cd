"""The compiled `dump` of api/schemas/fastdump.py answers exactly what marshmallow itself would."""
from __future__ import annotations

import base64
import json
from contextlib import contextmanager

import pytest
from marshmallow import Schema, fields

from api.schemas import messaging
from api.schemas.fastdump import FastDump
from tests.factories import befriend, send


@contextmanager
def marshmallow_only(monkeypatch):
    """Inside the block every FastDump schema dumps through marshmallow's own Schema.dump."""
    with monkeypatch.context() as patch:
        patch.setattr(FastDump, "dump", Schema.dump)
        yield


@pytest.fixture
def network(client, people):
    """Two conversations with plain, edited, labelled and deleted messages, a read position and a block."""
    ann, bob, cat = people.make(), people.make(), people.make()
    with_bob, with_cat = befriend(client, ann, bob), befriend(client, ann, cat)
    since = client.get("/api/v1/sync", headers=ann.headers).json["next_since"]
    send(client, ann, with_bob, "hello Bob")
    edited = send(client, bob, with_bob, "hi Ann").json["id"]
    client.patch(f"/api/v1/messages/{edited}", json={"body": "hi Ann, edited"}, headers=bob.headers)
    send(client, bob, with_bob, "Take 20mg of sertraline every morning")  # labelled as advice
    deleted = send(client, cat, with_cat, "oops").json["id"]
    client.delete(f"/api/v1/messages/{deleted}", headers=cat.headers)
    client.post(f"/api/v1/conversations/{with_bob}/read", json={"seq": 2}, headers=ann.headers)
    client.post("/api/v1/blocks", json={"user_id": cat.id}, headers=bob.headers)
    return {"ann": ann, "bob": bob, "since": since, "with_bob": with_bob}


def _same_position(document: dict) -> dict:
    """A sync token holds the second it was issued: the two answers may straddle a second, so compare
    the stream position it carries, not its bytes."""
    if "next_since" not in document:
        return document
    payload = document["next_since"].split(".")[0]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return document | {"next_since": (claims["u"], claims["p"])}


def test_answers_are_the_same_document_with_and_without_the_fast_path(client, network, monkeypatch):
    ann, bob, with_bob = network["ann"], network["bob"], network["with_bob"]
    reads = [
        ("/api/v1/sync", ann), (f"/api/v1/sync?since={network['since']}", ann), ("/api/v1/sync", bob),
        ("/api/v1/conversations", ann), (f"/api/v1/conversations/{with_bob}", bob),
        (f"/api/v1/conversations/{with_bob}/messages?limit=2", ann), ("/api/v1/connections", ann),
        ("/api/v1/blocks", bob),
    ]
    fast = [client.get(path, headers=who.headers) for path, who in reads]
    with marshmallow_only(monkeypatch):
        slow = [client.get(path, headers=who.headers) for path, who in reads]
    for (path, _), a, b in zip(reads, fast, slow):
        assert a.status_code == b.status_code == 200, path
        assert _same_position(a.json) == _same_position(b.json), path
    snapshot = fast[0].json
    assert {m["body"] for m in snapshot["messages"]} >= {"hello Bob", "hi Ann, edited"}
    assert any(m["labels"] for m in snapshot["messages"]), "the fixture should hold a labelled message"
    assert fast[6].json["items"] and fast[7].json["items"], "connections and blocks should not be empty"


def test_a_sent_message_leaves_out_empty_safety_fields_and_keeps_full_ones(client, network):
    """SentMessageSchema's `omit_if_none`: no `safety` key when there is nothing to say, the whole
    nested answer when there is."""
    sent = send(client, network["ann"], network["with_bob"], "call me on 07700 900123")
    assert sent.status_code == 201
    assert "safety" not in sent.json and sent.json["body"] == "call me on 07700 900123"
    assert sent.json["warning"]["contact_details"] and sent.json["warning"]["message"]
    quiet = send(client, network["ann"], network["with_bob"], "see you on thursday")
    assert "safety" not in quiet.json and "warning" not in quiet.json


class Thing:
    def __init__(self, **values):
        self.__dict__.update(values)


class Inner(FastDump):
    n = fields.Integer()


class Everything(FastDump):
    s = fields.String()
    i = fields.Integer()
    i_text = fields.Integer(as_string=True)
    b = fields.Boolean()
    renamed = fields.String(attribute="other", data_key="shown")
    dotted = fields.Integer(attribute="inner.n")
    inner = fields.Nested(Inner, allow_none=True)
    inners = fields.List(fields.Nested(Inner))
    words = fields.List(fields.String())
    computed = fields.Function(lambda obj: type(obj).__name__)
    defaulted = fields.String(dump_default="d")


@pytest.mark.parametrize("values", [
    {"s": "x", "i": 3, "i_text": 4, "b": 1, "other": 5, "inner": Thing(n=7), "inners": [Thing(n=1), Thing(n=2)],
     "words": ["a", 1]},
    {"s": None, "i": None, "i_text": None, "b": None, "other": None, "inner": None, "inners": [], "words": None,
     "defaulted": "given"},
    {"i": 1, "inner": Thing(n=1)},  # absent attributes are left out, as marshmallow does
])
def test_every_field_kind_matches_marshmallow(values, monkeypatch):
    obj = Thing(**values)
    fast = Everything().dump(obj)
    fast_from_dict = Everything().dump(values)
    with marshmallow_only(monkeypatch):
        slow = Everything().dump(obj)
        slow_from_dict = Everything().dump(values)
    assert fast == slow
    assert fast_from_dict == slow_from_dict
    assert Everything(many=True).dump([obj, obj]) == [fast, fast]


def test_only_and_exclude_fall_back_to_marshmallow():
    message = Thing(id="m", seq=1, body="hi", conversation_id="c", sender_id="s", client_msg_id="x",
                    created_at=None, edited_at=None, deleted=False, labels=[])
    assert messaging.MessageSchema(only=("id", "seq")).dump(message) == {"id": "m", "seq": 1}
    assert "body" not in messaging.MessageSchema(exclude=("body",)).dump(message)

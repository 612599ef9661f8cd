"""Replaying /sync rebuilds the server's state: a property over random interleavings.

Three people (Ada talks with Bea in one conversation and with Cat in another) send (retrying
client_msg_ids), edit, delete, read, mute and sync in a random order. Each keeps a client
model built from a snapshot and then from every sync it ran (upserting by id); at the end, after
one last sync each, every model equals what the server's lists say, and no sync ever delivered
a message twice. One app serves every example; its database is reset from the migrated template.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models import db
from tests.conftest import POSTGRES_URL, USE_POSTGRES, build_test_app
from tests.factories import PersonFactory

API = "/api/v1"
ADA, BEA, CAT = 0, 1, 2
# Each person's conversations, by index into World.conversations.
CONVERSATIONS_OF = {ADA: (0, 1), BEA: (0,), CAT: (1,)}


class Database:
    """One test database that can be put back to the freshly migrated template, cheaply."""

    def __init__(self, template, directory: Path):
        if USE_POSTGRES:
            self.admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            self.name = f"peerless_replay_{directory.name[-12:].replace('-', '_').lower()}"
            self.url = make_url(POSTGRES_URL).set(database=self.name).render_as_string(hide_password=False)
        else:
            self.path = directory / "replay.db"
            self.url = f"sqlite:///{self.path}"
        self.template = template

    def create(self) -> None:
        if USE_POSTGRES:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"'))
        else:
            shutil.copy(self.template, self.path)

    def reset(self) -> None:
        """Back to the migrated state: on PostgreSQL, emptying what examples write beats a new database."""
        if USE_POSTGRES:
            engine = create_engine(self.url)
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE users, conversations CASCADE"))
            engine.dispose()
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            shutil.copy(self.template, self.path)

    def drop(self) -> None:
        if USE_POSTGRES:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


@pytest.fixture
def replay_app(database_template, tmp_path):
    database = Database(database_template, tmp_path)
    database.create()
    app = build_test_app(database.url, REDIS_URL=None, RATELIMIT_ENABLED=False)

    def reset():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        database.reset()

    yield app, reset
    with app.app_context():
        db.engine.dispose()
    database.drop()


@dataclass
class ClientModel:
    """What one phone knows, built only from /sync."""

    messages: dict[str, dict] = field(default_factory=dict)
    read_positions: dict[tuple[str, str], int] = field(default_factory=dict)
    conversations: dict[str, dict] = field(default_factory=dict)
    since: str | None = None

    def apply(self, page: dict) -> None:
        ids = [m["id"] for m in page["messages"]]
        assert len(ids) == len(set(ids)), "one sync delivered a message twice"
        for message in page["messages"]:
            self.messages[message["id"]] = _message_state(message)
        for position in page["read_positions"]:
            self.read_positions[(position["conversation_id"], position["user_id"])] = position["seq"]
        for conversation in page["conversations"]:
            self.conversations[conversation["id"]] = _conversation_state(conversation)
        self.since = page["next_since"]


def _message_state(message: dict) -> dict:
    return {key: message[key] for key in ("conversation_id", "seq", "sender_id", "body", "deleted", "edited_at")}


def _conversation_state(conversation: dict) -> dict:
    last = conversation["last_message"]
    return {"muted": conversation["muted"], "unread_count": conversation["unread_count"],
            "last_message": _message_state(last) | {"id": last["id"]} if last else None}


@dataclass
class World:
    client: object
    people: list
    conversations: list[str]
    models: list[ClientModel]
    sent: list[str] = field(default_factory=list)

    def sync(self, who: int) -> None:
        model = self.models[who]
        query = {"since": model.since} if model.since else {}
        while True:
            response = self.client.get(f"{API}/sync", query_string=query, headers=self.people[who].headers)
            assert response.status_code == 200, response.json
            model.apply(response.json)
            if not response.json["has_more"]:
                return
            query = {"since": model.since}

    def server_state(self, who: int) -> ClientModel:
        """What the server's ordinary endpoints say this person should know."""
        headers = self.people[who].headers
        state = ClientModel()
        for conversation_id in (self.conversations[i] for i in CONVERSATIONS_OF[who]):
            conversation = self.client.get(f"{API}/conversations/{conversation_id}", headers=headers).json
            state.conversations[conversation_id] = _conversation_state(conversation)
            for member in conversation["members"]:
                state.read_positions[(conversation_id, member["id"])] = member["read_seq"]
            cursor = None
            while True:
                query = {"after_seq": 0, "limit": 100} | ({"cursor": cursor} if cursor else {})
                page = self.client.get(f"{API}/conversations/{conversation_id}/messages", query_string=query,
                                       headers=headers).json
                state.messages |= {m["id"]: _message_state(m) for m in page["items"]}
                cursor = page["next_cursor"]
                if cursor is None:
                    break
        return state


person = st.sampled_from([ADA, BEA, CAT])
operations = st.lists(st.one_of(
    st.tuples(st.just("send"), person, st.integers(0, 1), st.integers(0, 3)),
    st.tuples(st.just("edit"), person, st.integers(0, 40), st.sampled_from(["edited", "edited again", "x"])),
    st.tuples(st.just("delete"), person, st.integers(0, 40)),
    st.tuples(st.just("read"), person, st.integers(0, 1), st.integers(0, 12)),
    st.tuples(st.just("mute"), person, st.integers(0, 1), st.booleans()),
    st.tuples(st.just("sync"), person),
), max_size=30)


def _build_world(app, sent_before_snapshot: int) -> World:
    people = [PersonFactory(app).make() for _ in range(3)]
    client = app.test_client()
    conversations = []
    for other in (BEA, CAT):
        request = client.post(f"{API}/connections", json={"user_id": people[other].id}, headers=people[ADA].headers)
        accepted = client.post(f"{API}/connections/{request.json['id']}/accept", headers=people[other].headers)
        conversations.append(accepted.json["conversation_id"])
    world = World(client, people, conversations, [ClientModel() for _ in people])
    for n in range(sent_before_snapshot):
        _run(world, ("send", BEA, 0, 10 + n))
    for who in range(3):
        world.sync(who)  # the snapshot
    return world


def _run(world: World, operation: tuple) -> None:
    kind, who, *args = operation
    client, headers = world.client, world.people[who].headers
    if kind == "send":
        conversation_id = world.conversations[_conversation_of(who, args[0])]
        response = client.post(f"{API}/conversations/{conversation_id}/messages",
                               json={"client_msg_id": f"c{args[1]}", "body": f"{who}:{args[1]}"}, headers=headers)
        assert response.status_code in (200, 201), response.json
        if response.status_code == 201:
            world.sent.append(response.json["id"])
    elif kind in ("edit", "delete") and world.sent:
        message_id = world.sent[args[0] % len(world.sent)]
        if kind == "edit":
            response = client.patch(f"{API}/messages/{message_id}", json={"body": args[1]}, headers=headers)
        else:
            response = client.delete(f"{API}/messages/{message_id}", headers=headers)
        assert response.status_code in (200, 204, 403, 404, 409), response.json
    elif kind == "read":
        conversation_id = world.conversations[_conversation_of(who, args[0])]
        response = client.post(f"{API}/conversations/{conversation_id}/read", json={"seq": args[1]}, headers=headers)
        assert response.status_code == 204, response.json
    elif kind == "mute":
        conversation_id = world.conversations[_conversation_of(who, args[0])]
        response = client.patch(f"{API}/conversations/{conversation_id}", json={"muted": args[1]}, headers=headers)
        assert response.status_code == 200, response.json
    elif kind == "sync":
        world.sync(who)


def _conversation_of(who: int, choice: int) -> int:
    mine = CONVERSATIONS_OF[who]
    return mine[choice % len(mine)]


# Fewer examples on PostgreSQL, where each request costs about three times as much as on SQLite.
@settings(max_examples=20 if USE_POSTGRES else 30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sent_before_snapshot=st.integers(0, 4), ops=operations)
def test_replaying_every_sync_rebuilds_the_servers_state(replay_app, sent_before_snapshot, ops):
    app, reset = replay_app
    reset()
    world = _build_world(app, sent_before_snapshot)
    for operation in ops:
        _run(world, operation)
    for who in range(3):
        world.sync(who)
        expected, model = world.server_state(who), world.models[who]
        assert model.messages == expected.messages
        assert model.read_positions == expected.read_positions
        assert model.conversations == expected.conversations

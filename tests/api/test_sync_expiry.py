"""Sync tokens have a maximum age (SYNC_TOKEN_MAX_AGE_DAYS) and the change stream is pruned behind it:
an older token is answered 410 `sync_token_expired` (take a snapshot), never with a partial answer,
so a client that always passes back `next_since` never silently misses anything."""
from __future__ import annotations

import time
from datetime import timedelta

from itsdangerous import URLSafeSerializer
from sqlalchemy import select, update

from api.config import TestConfig
from models import StreamChange, db, utcnow
from services import retention
from tests.conftest import assert_problem
from tests.factories import befriend, send

API = "/api/v1"
DAY = 86400


def token(user_id: str, position: int, *, age_days: float | None) -> str:
    payload = {"u": user_id, "p": position}
    if age_days is not None:
        payload["t"] = int(time.time() - age_days * DAY)
    return URLSafeSerializer(TestConfig.JWT_SECRET_KEY, salt="peerless.sync").dumps(payload)


def get_sync(client, person, since):
    return client.get(f"{API}/sync", query_string={"since": since}, headers=person.headers)


def test_a_token_older_than_the_maximum_age_is_a_410_asking_for_a_snapshot(client, people):
    ada = people.make()
    body = assert_problem(get_sync(client, ada, token(ada.id, 0, age_days=31)), 410, "sync_token_expired")
    assert "without `since`" in body["detail"]


def test_a_token_from_before_tokens_carried_their_age_is_expired_too(client, people):
    ada = people.make()
    assert_problem(get_sync(client, ada, token(ada.id, 0, age_days=None)), 410, "sync_token_expired")


def test_a_token_within_the_maximum_age_still_works(client, people):
    ada = people.make()
    assert get_sync(client, ada, token(ada.id, 0, age_days=29)).status_code == 200


def test_the_maximum_age_is_a_setting(make_app, people):
    app = make_app(SYNC_TOKEN_MAX_AGE_DAYS=2)
    ada = people.make()
    client = app.test_client()
    assert get_sync(client, ada, token(ada.id, 0, age_days=1)).status_code == 200
    assert_problem(get_sync(client, ada, token(ada.id, 0, age_days=3)), 410, "sync_token_expired")


def test_a_freshly_issued_next_since_carries_a_new_age(client, people):
    """A phone that syncs now and then keeps a working token, however old its first one was."""
    ada = people.make()
    fresh = get_sync(client, ada, token(ada.id, 0, age_days=29)).json["next_since"]
    assert get_sync(client, ada, fresh).status_code == 200


def test_after_pruning_an_honoured_token_still_gets_every_change_after_it(app, client, people):
    """The oldest token still honoured, issued just before three messages: pruning keeps them all."""
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    with app.app_context():
        head = db.session.scalar(select(StreamChange.position).where(StreamChange.user_id == bea.id)
                                 .order_by(StreamChange.position.desc()).limit(1))
    sent = [send(client, ada, conversation_id, f"message {n}").json["id"] for n in range(3)]
    with app.app_context():
        # Bea's whole stream is as old as the token, the entries before it older still.
        db.session.execute(update(StreamChange).where(StreamChange.user_id == bea.id, StreamChange.position > head)
                           .values(created_at=utcnow() - retention.STREAM_MARGIN / 2 - timedelta(days=29.9)))
        db.session.execute(update(StreamChange).where(StreamChange.user_id == bea.id, StreamChange.position <= head)
                           .values(created_at=utcnow() - timedelta(days=40)))
        db.session.commit()
        assert retention.prune_stream(utcnow()) >= 1
    answer = get_sync(client, bea, token(bea.id, head, age_days=29.9))
    assert answer.status_code == 200
    assert [m["id"] for m in answer.json["messages"]] == sent

"""The outbox drained by the worker through the real firebase-admin, asserted on what the fake FCM received."""
from __future__ import annotations

import json
import logging
import socket
import threading
import uuid
from datetime import timedelta

import pytest
from firebase_admin import messaging
from sqlalchemy import event, select

from models import Notification, OutboxStatus, PushOutbox, User, db, utcnow
from services import presence
from services.push_gateway import FirebasePushGateway, LogPushGateway
from services.push_worker import PushWorker, RetryPolicy
from services.realtime import socketio
from tests.conftest import USE_POSTGRES
from tests.push.conftest import (
    API, FixedTokenCredential, befriend, device_tokens, drain, fcm_error, insert_devices, outbox,
    register_device, send, set_notifications, update_outbox,
)

SECRET = "my new meds make me dizzy"


@pytest.fixture
def pair(client, people):
    """Ada and Bea, connected, each with a phone; Bea's phone is "bea-phone"."""
    ada, bea = people.make(display_name="Ada Lovelace"), people.make(display_name="Bea")
    conversation_id = befriend(client, ada, bea)
    register_device(client, ada, "ada-phone")
    register_device(client, bea, "bea-phone", platform="ios")
    return ada, bea, conversation_id


def drain_pending(app, gateway):
    """Drain what the connection request and answer queued, then forget what FCM saw."""
    drain(app, gateway)


@pytest.fixture
def quiet_pair(app, fcm, pair):
    """`pair` after the connection pushes went out, so each test sees only its own."""
    drain(app, fcm.gateway)
    fcm.clear_log()
    return pair


def unread_count(client, person) -> int:
    return client.get(f"{API}/notifications", headers=person.headers).json["unread_count"]


# --- who gets what --------------------------------------------------------------------------------

def test_a_message_is_pushed_to_every_device_of_the_recipient_and_none_of_the_sender(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    register_device(client, bea, "bea-tablet")
    send(client, ada, conversation_id)
    stats = drain(app, fcm.gateway)
    assert sorted(fcm.tokens) == ["bea-phone", "bea-tablet"]
    assert stats.sent == 1 and stats.messages == 2
    assert [row.status for row in outbox(app, ada.id) if row.notification_type == "message"] == []
    [row] = [row for row in outbox(app, bea.id) if row.notification_type == "message"]
    assert row.status == OutboxStatus.SENT and len(row.delivered_device_ids) == 2


def test_a_message_push_is_private_collapsed_per_conversation_and_carries_the_badge(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    message = send(client, ada, conversation_id)
    drain(app, fcm.gateway)
    [pushed] = fcm.messages
    assert pushed["token"] == "bea-phone"
    assert pushed["notification"] == {"title": "Peerless", "body": "New message"}
    data = pushed["data"]
    assert set(data) == {"type", "notification_id", "conversation_id", "message_id", "badge"}
    assert (data["type"], data["conversation_id"], data["message_id"]) == ("message", conversation_id, message["id"])
    collapse = f"c:{conversation_id}"
    assert pushed["android"]["collapse_key"] == collapse and pushed["android"]["ttl"] == "3600s"
    assert pushed["android"]["notification"]["visibility"] == "PRIVATE"
    assert pushed["apns"]["headers"]["apns-collapse-id"] == collapse
    aps = pushed["apns"]["payload"]["aps"]
    assert aps["thread-id"] == collapse and aps["mutable-content"] == 1
    assert aps["badge"] == int(data["badge"]) == unread_count(client, bea) == 2  # the request and the message


def test_without_previews_no_message_text_and_no_sender_name_leave_the_server(app, client, fcm, quiet_pair):
    ada, _, conversation_id = quiet_pair
    send(client, ada, conversation_id, SECRET)
    drain(app, fcm.gateway)
    [request] = fcm.requests
    raw = request.get_data(as_text=True)
    assert "dizzy" not in raw and "meds" not in raw and "Ada" not in raw and "Lovelace" not in raw


def test_with_previews_on_the_title_is_the_sender_and_the_body_the_text(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    set_notifications(client, bea, message_previews=True)
    send(client, ada, conversation_id, SECRET)
    drain(app, fcm.gateway)
    [pushed] = fcm.messages
    assert pushed["notification"] == {"title": "Ada Lovelace", "body": SECRET}


def test_a_muted_conversation_fills_the_inbox_but_pushes_nothing(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    assert client.patch(f"{API}/conversations/{conversation_id}", json={"muted": True},
                        headers=bea.headers).status_code == 200
    send(client, ada, conversation_id)
    drain(app, fcm.gateway)
    assert fcm.messages == []
    assert [n["type"] for n in client.get(f"{API}/notifications", headers=bea.headers).json["items"]][0] == "message"
    assert [row.notification_type for row in outbox(app, bea.id)] == ["connection_request"]


def test_switching_off_message_pushes_fills_the_inbox_but_pushes_nothing(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    set_notifications(client, bea, types={"message": False})
    send(client, ada, conversation_id)
    drain(app, fcm.gateway)
    assert fcm.messages == []
    assert unread_count(client, bea) == 2
    assert "message" not in [row.notification_type for row in outbox(app, bea.id)]


def test_no_push_while_the_recipient_has_the_conversation_on_screen(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    with app.app_context():
        presence.focus(bea.id, conversation_id)
    send(client, ada, conversation_id)
    drain(app, fcm.gateway)
    assert fcm.messages == []
    with app.app_context():
        presence.blur(bea.id, conversation_id)
    send(client, ada, conversation_id)
    drain(app, fcm.gateway)
    assert fcm.tokens == ["bea-phone"]


def test_one_batch_holds_the_push_only_for_whoever_has_the_conversation_on_screen(app, client, people, fcm):
    """Presence is asked once for the whole batch: each row still gets its own answer."""
    ada, bea, cal = (people.make(display_name=name) for name in ("Ada", "Bea", "Cal"))
    with_bea, with_cal = befriend(client, ada, bea), befriend(client, ada, cal)
    register_device(client, bea, "bea-phone")
    register_device(client, cal, "cal-phone")
    drain(app, fcm.gateway)
    fcm.clear_log()
    with app.app_context():
        presence.focus(bea.id, with_bea)
    send(client, ada, with_bea)
    send(client, ada, with_cal)
    drain(app, fcm.gateway)
    assert fcm.tokens == ["cal-phone"]


def test_focus_over_socketio_holds_the_push_and_blur_releases_it(make_app, people, fcm):
    rt_app = make_app(REDIS_URL=None)  # presence in this process, Socket.IO deliveries synchronous
    client = rt_app.test_client()
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    register_device(client, bea, "bea-phone")
    drain(rt_app, fcm.gateway)
    fcm.clear_log()
    socket_ = socketio.test_client(rt_app, auth={"token": bea.access_token})
    try:
        assert socket_.is_connected()
        socket_.emit("conversation.focus", {"conversation_id": conversation_id})
        send(client, ada, conversation_id)
        drain(rt_app, fcm.gateway)
        assert fcm.messages == []
        socket_.emit("conversation.blur", {"conversation_id": conversation_id})
        send(client, ada, conversation_id)
        drain(rt_app, fcm.gateway)
        assert fcm.tokens == ["bea-phone"]
    finally:
        socket_.disconnect()


def test_during_quiet_hours_the_push_is_silent_and_data_only(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    now = utcnow()
    window = {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}
    assert client.patch(f"{API}/me", json={"timezone": "UTC"}, headers=bea.headers).status_code == 200
    set_notifications(client, bea, quiet_hours=window)
    send(client, ada, conversation_id, SECRET)
    drain(app, fcm.gateway)
    [pushed] = fcm.messages
    assert "notification" not in pushed and "notification" not in pushed["android"]
    assert pushed["apns"]["headers"]["apns-push-type"] == "background"
    aps = pushed["apns"]["payload"]["aps"]
    assert aps["content-available"] == 1 and aps["badge"] == 2 and "alert" not in aps


def test_a_connection_request_and_its_acceptance_are_pushed_with_generic_text(app, client, fcm, people):
    ada, bea = people.make(display_name="Ada Lovelace"), people.make(display_name="Bea Smith")
    register_device(client, ada, "ada-phone")
    register_device(client, bea, "bea-phone")
    request_id = client.post(f"{API}/connections", json={"user_id": bea.id}, headers=ada.headers).json["id"]
    drain(app, fcm.gateway)
    [asked] = fcm.messages
    assert asked["token"] == "bea-phone" and asked["data"]["type"] == "connection_request"
    assert asked["data"]["connection_id"] == request_id
    assert "Ada" not in json.dumps(asked)
    fcm.clear_log()
    client.post(f"{API}/connections/{request_id}/accept", headers=bea.headers)
    drain(app, fcm.gateway)
    [answered] = fcm.messages
    assert answered["token"] == "ada-phone" and answered["data"]["type"] == "connection_accepted"
    assert "Bea" not in json.dumps(answered)


def test_600_devices_are_reached_through_sdk_calls_of_at_most_500(app, client, fcm, quiet_pair, monkeypatch):
    ada, bea, conversation_id = quiet_pair
    insert_devices(app, bea.id, [f"bea-{n}" for n in range(599)])
    calls = []
    real_send_each = messaging.send_each

    def spy(messages, *args, **kwargs):
        calls.append(len(messages))
        return real_send_each(messages, *args, **kwargs)

    monkeypatch.setattr(messaging, "send_each", spy)
    send(client, ada, conversation_id)
    stats = drain(app, fcm.gateway)
    assert sorted(calls, reverse=True) == [500, 100]
    assert len(fcm.requests) == 600 and len(set(fcm.tokens)) == 600
    assert stats.sent == 1


# --- FCM errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("reply", [
    pytest.param(lambda: fcm_error(404, "NOT_FOUND", "UNREGISTERED"), id="unregistered"),
    pytest.param(lambda: fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), id="sender-id-mismatch"),
    pytest.param(lambda: fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                                   message="The registration token is not a valid FCM registration token"),
                 id="invalid-token"),
])
def test_a_dead_token_deletes_its_device_and_the_others_still_get_the_push(app, client, fcm, quiet_pair, reply):
    ada, bea, conversation_id = quiet_pair
    register_device(client, bea, "bea-tablet")
    fcm.answer(reply, token="bea-phone")
    send(client, ada, conversation_id)
    stats = drain(app, fcm.gateway)
    assert device_tokens(app, bea.id) == {"bea-tablet"}
    assert stats.devices_removed == 1 and stats.sent == 1
    assert outbox(app, bea.id)[-1].status == OutboxStatus.SENT


def test_unavailable_reschedules_the_row_then_it_is_delivered_exactly_once(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    fcm.answer(lambda: fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"))
    send(client, ada, conversation_id)
    before = utcnow()
    stats = drain(app, fcm.gateway)
    row = outbox(app, bea.id)[-1]
    assert stats.retried == 1 and row.status == OutboxStatus.PENDING
    assert row.attempts == 1 and row.next_attempt_at > before and "Unavailable" in row.last_error
    assert row.claimed_until is None and device_tokens(app, bea.id) == {"bea-phone"}
    assert drain(app, fcm.gateway).claimed == 0  # not due yet

    fcm.clear_log()
    fcm.answer_ok()
    update_outbox(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert drain(app, fcm.gateway).sent == 1
    assert drain(app, fcm.gateway).claimed == 0
    assert fcm.tokens == ["bea-phone"]
    row = outbox(app, bea.id)[-1]
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.last_error is None


def test_quota_exceeded_waits_at_least_fcms_retry_after(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    fcm.answer(lambda: fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", headers={"Retry-After": "120"}))
    send(client, ada, conversation_id)
    before = utcnow()
    drain(app, fcm.gateway)
    row = outbox(app, bea.id)[-1]
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at >= before + timedelta(seconds=120)
    assert len(fcm.requests) == 1  # the SDK did not sit out the Retry-After itself


def test_a_refused_connection_keeps_the_row_for_a_retry(app, client, fcm, quiet_pair, no_sdk_backoff):
    ada, bea, conversation_id = quiet_pair
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    offline = FirebasePushGateway(FixedTokenCredential(), project_id="demo", endpoint=f"http://127.0.0.1:{port}",
                                  name=f"push-test-{uuid.uuid4().hex[:8]}")
    try:
        send(client, ada, conversation_id)
        assert drain(app, offline).retried == 1
    finally:
        offline.close()
    row = outbox(app, bea.id)[-1]
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and row.last_error
    update_outbox(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert drain(app, fcm.gateway).sent == 1
    assert fcm.tokens == ["bea-phone"]


def test_third_party_auth_error_keeps_the_token_alerts_and_retries(app, client, fcm, quiet_pair, caplog):
    ada, bea, conversation_id = quiet_pair
    fcm.answer(lambda: fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"))
    send(client, ada, conversation_id)
    with caplog.at_level(logging.ERROR, logger="peerless.push"):
        assert drain(app, fcm.gateway).retried == 1
    assert any(r.getMessage().startswith("ALERT") for r in caplog.records if r.name == "peerless.push")
    assert device_tokens(app, bea.id) == {"bea-phone"}
    assert outbox(app, bea.id)[-1].status == OutboxStatus.PENDING


def test_after_the_last_attempt_the_row_is_dead_lettered_not_dropped(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    fcm.answer(lambda: fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"))
    send(client, ada, conversation_id)
    for _ in range(3):
        update_outbox(app, next_attempt_at=utcnow() - timedelta(seconds=1))
        drain(app, fcm.gateway, retry=RetryPolicy(max_attempts=3))
    row = outbox(app, bea.id)[-1]
    assert row.status == OutboxStatus.DEAD and row.attempts == 3 and "Unavailable" in row.last_error
    assert device_tokens(app, bea.id) == {"bea-phone"}


def test_a_retry_goes_only_to_the_devices_not_yet_reached(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    register_device(client, bea, "bea-tablet")
    fcm.answer(lambda: fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"), token="bea-tablet")
    send(client, ada, conversation_id)
    drain(app, fcm.gateway)
    fcm.clear_log()
    fcm.answer_ok()
    update_outbox(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    drain(app, fcm.gateway)
    assert fcm.tokens == ["bea-tablet"]
    assert outbox(app, bea.id)[-1].status == OutboxStatus.SENT


# --- leases: a worker killed between claiming and recording loses nothing ---------------------------

class KilledWorker(Exception):
    pass


class DiesMidSend:
    def send(self, messages):
        raise KilledWorker


def test_rows_claimed_by_a_worker_that_died_are_taken_over_after_the_lease(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    send(client, ada, conversation_id)
    with app.app_context(), pytest.raises(KilledWorker):
        PushWorker(DiesMidSend()).drain_once()
    [row] = [r for r in outbox(app, bea.id) if r.status == OutboxStatus.PENDING]
    assert row.claimed_until > utcnow()
    assert drain(app, fcm.gateway).claimed == 0  # the lease still holds
    assert fcm.messages == []

    update_outbox(app, claimed_until=utcnow() - timedelta(seconds=1))
    assert drain(app, fcm.gateway).sent == 1
    assert fcm.tokens == ["bea-phone"]


class DiesOnSecondSend:
    def __init__(self, gateway):
        self.gateway, self.calls = gateway, 0

    def send(self, messages):
        self.calls += 1
        if self.calls == 2:
            raise KilledWorker
        return self.gateway.send(messages)


def test_results_are_recorded_every_few_rows_so_a_dead_worker_strands_only_the_chunk_in_flight(
        app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    for n in range(5):
        send(client, ada, conversation_id, f"m{n}")
    with app.app_context(), pytest.raises(KilledWorker):
        PushWorker(DiesOnSecondSend(fcm.gateway), settle_every=2).drain_once()
    pending = [r for r in outbox(app, bea.id) if r.status == OutboxStatus.PENDING]
    # The first two rows were sent and recorded before the worker died: they will never be sent twice.
    assert len(pending) == 3 and all(r.claimed_until > utcnow() for r in pending)
    assert len(fcm.messages) == 2


class TakenOverDuringFirstSend:
    """Sends the first chunk so slowly that the lease runs out and another worker claims the rest."""

    def __init__(self, app, gateway):
        self.app, self.gateway, self.calls, self.taken_over = app, gateway, 0, []

    def send(self, messages):
        self.calls += 1
        if self.calls == 1:
            update_outbox(self.app, claimed_until=utcnow() - timedelta(seconds=1))
            with self.app.app_context():
                self.taken_over = [c.row_id for c in PushWorker(LogPushGateway())._claim()]
        return self.gateway.send(messages)


def test_a_batch_that_outlives_its_lease_leaves_the_rows_another_worker_took(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    for n in range(3):
        send(client, ada, conversation_id, f"m{n}")
    slow = TakenOverDuringFirstSend(app, fcm.gateway)
    with app.app_context():
        stats = PushWorker(slow, settle_every=1).drain_once()
    assert len(slow.taken_over) == 3  # the new owner claimed every row, the one being sent included
    assert len(fcm.messages) == 1 and stats.messages == 1  # so the old owner sent nothing more


def test_a_claim_without_a_send_is_released_by_the_lease(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    for n in range(3):
        send(client, ada, conversation_id, f"m{n}")
    with app.app_context():
        assert len(PushWorker(fcm.gateway)._claim()) == 3
        assert PushWorker(fcm.gateway)._claim() == []
    update_outbox(app, claimed_until=utcnow() - timedelta(seconds=1))
    assert drain(app, fcm.gateway).sent == 3
    assert fcm.tokens == ["bea-phone"] * 3


@pytest.mark.skipif(not USE_POSTGRES, reason="SKIP LOCKED needs PostgreSQL; SQLite serialises writers")
def test_two_workers_claiming_at_once_get_disjoint_rows(app, people):
    person = people.make()
    with app.app_context():
        for _ in range(40):
            notification = Notification(user_id=person.id, type="message", data={})
            db.session.add(notification)
            db.session.flush()
            db.session.add(PushOutbox(user_id=person.id, notification_id=notification.id))
        db.session.commit()
    # Each worker holds its row locks until both have selected: without SKIP LOCKED the second
    # would wait on the first's locks and the barrier would time out.
    both_selected = threading.Barrier(2, timeout=10)
    claimed, errors = {}, []

    def hold_locks(session):
        if threading.current_thread().name.startswith("claimer"):
            both_selected.wait()

    def claim(name):
        try:
            with app.app_context():
                claimed[name] = [c.row_id for c in PushWorker(LogPushGateway(), batch_size=25)._claim()]
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    event.listen(db.session, "before_commit", hold_locks)
    try:
        threads = [threading.Thread(target=claim, args=(name,), name=name) for name in ("claimer-a", "claimer-b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(db.session, "before_commit", hold_locks)
    assert errors == []
    a, b = claimed["claimer-a"], claimed["claimer-b"]
    assert a and b and not set(a) & set(b)
    assert len(a) + len(b) == 40


# --- without Firebase -----------------------------------------------------------------------------

def test_without_firebase_the_worker_logs_pushes_marks_them_sent_and_the_inbox_fills(app, client, quiet_pair, caplog):
    ada, bea, conversation_id = quiet_pair
    send(client, ada, conversation_id, SECRET)
    with caplog.at_level(logging.INFO, logger="peerless.push"):
        stats = drain(app, LogPushGateway())
    assert stats.sent == 1
    assert outbox(app, bea.id)[-1].status == OutboxStatus.SENT
    lines = [r.getMessage() for r in caplog.records if "push_logged" in r.getMessage()]
    assert len(lines) == 1 and "dizzy" not in lines[0] and "Ada" not in lines[0]
    inbox = client.get(f"{API}/notifications", headers=bea.headers).json
    assert inbox["items"][0]["type"] == "message" and inbox["unread_count"] == 2


def test_quiet_hours_that_began_after_the_message_still_silence_its_push(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    send(client, ada, conversation_id)  # written outside quiet hours, sent (e.g. after a retry) inside them
    now = utcnow()
    assert client.patch(f"{API}/me", json={"timezone": "UTC"}, headers=bea.headers).status_code == 200
    set_notifications(client, bea, quiet_hours={"start": (now - timedelta(hours=1)).strftime("%H:%M"),
                                                "end": (now + timedelta(hours=1)).strftime("%H:%M")})
    drain(app, fcm.gateway)
    [pushed] = fcm.messages
    assert "notification" not in pushed and pushed["apns"]["headers"]["apns-push-type"] == "background"


def test_a_row_whose_workers_keep_dying_is_dead_lettered_after_the_last_attempt(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    send(client, ada, conversation_id)
    policy = RetryPolicy(max_attempts=2)
    for _ in range(2):
        with app.app_context(), pytest.raises(KilledWorker):
            PushWorker(DiesMidSend(), retry=policy).drain_once()
        update_outbox(app, claimed_until=utcnow() - timedelta(seconds=1))
    stats = drain(app, fcm.gateway, retry=policy)
    assert stats.dead == 1 and fcm.messages == []
    row = outbox(app, bea.id)[-1]
    assert row.status == OutboxStatus.DEAD and row.attempts == 2 and "lease" in row.last_error


def test_a_worker_that_lost_its_lease_leaves_the_new_owners_claim_alone(app, client, fcm, quiet_pair):
    ada, bea, conversation_id = quiet_pair
    send(client, ada, conversation_id)
    taken_over = {}

    class SlowGateway:
        """Sends, but so slowly that the lease runs out and another worker claims the row meanwhile."""

        def send(self, messages):
            update_outbox(app, claimed_until=utcnow() - timedelta(seconds=1))
            with app.app_context():
                taken_over["claims"] = PushWorker(fcm.gateway)._claim()
            return fcm.gateway.send(messages)

    drain(app, SlowGateway())
    assert len(taken_over["claims"]) == 1
    row = outbox(app, bea.id)[-1]
    assert row.status == OutboxStatus.PENDING and row.claimed_until > utcnow()  # still the new owner's
    assert len(row.delivered_device_ids) == 1  # what the slow worker delivered is remembered
    with app.app_context():
        assert PushWorker(fcm.gateway)._claim() == []


# --- bookkeeping in a few statements per batch ------------------------------------------------------

def _statements_to_drain(app, gateway, person, rows: int) -> int:
    with app.app_context():
        for _ in range(rows):
            notification = Notification(user_id=person.id, type="message", data={})
            db.session.add(notification)
            db.session.flush()
            db.session.add(PushOutbox(user_id=person.id, notification_id=notification.id))
        db.session.commit()
        engine, seen = db.engine, []

        def count(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            stats = PushWorker(gateway).drain()
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert stats.sent == rows
    return len(seen)


def test_claiming_planning_and_settling_a_batch_take_the_same_statements_for_3_rows_as_for_40(app, people, fcm):
    """Per batch, not per row: the lease, the plan's reads and the settling are a fixed handful of statements."""
    few, many = people.make(), people.make()
    insert_devices(app, few.id, ["few-phone"])
    insert_devices(app, many.id, ["many-phone", "many-tablet"])
    assert _statements_to_drain(app, fcm.gateway, few, 3) == _statements_to_drain(app, fcm.gateway, many, 40)
    assert sorted(fcm.tokens) == sorted(["few-phone"] * 3 + ["many-phone", "many-tablet"] * 40)

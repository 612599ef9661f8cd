"""Retention (storage limitation, issue 13): each rule deletes what is past its period and keeps the
rest, in `flask run-scheduled`. Rows are aged by writing their timestamps directly."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import (
    AuditEntry, AuthSession, ConversationMember, Device, Notification, PasswordResetToken, PushOutbox,
    RefreshToken, SafetyFlag, StreamChange, db, utcnow,
)
from services import retention
from tests.api.test_groups import join, leave, make_mentor, start_circle
from tests.factories import befriend, send

API = "/api/v1"


def ago(**delta):
    return utcnow() - timedelta(**delta)


def ids(model, *where) -> set:
    return set(db.session.scalars(select(model.__mapper__.primary_key[0]).where(*where)))


def notification(user_id: str, *, created_at, read_at=None, push_status=None, finished_at=None) -> tuple[str, str | None]:
    row = Notification(user_id=user_id, type="test", data={}, created_at=created_at, read_at=read_at)
    db.session.add(row)
    db.session.flush()
    push_id = None
    if push_status is not None:
        push = PushOutbox(user_id=user_id, notification_id=row.id, status=push_status, finished_at=finished_at,
                          created_at=created_at)
        db.session.add(push)
        db.session.flush()
        push_id = push.id
    db.session.commit()
    return row.id, push_id


@pytest.fixture
def ada(people):
    return people.make()


def test_delivered_and_dead_pushes_go_after_30_days_pending_ones_stay(app, ada):
    with app.app_context():
        _, old_sent = notification(ada.id, created_at=ago(days=40), read_at=ago(days=1), push_status="sent",
                                   finished_at=ago(days=31))
        _, old_dead = notification(ada.id, created_at=ago(days=40), read_at=ago(days=1), push_status="dead",
                                   finished_at=ago(days=31))
        _, recent = notification(ada.id, created_at=ago(days=29), push_status="sent", finished_at=ago(days=29))
        _, pending = notification(ada.id, created_at=ago(days=60), push_status="pending")
        assert retention.prune_pushes(utcnow()) == 2
        assert ids(PushOutbox) == {recent, pending}


def test_read_notifications_go_after_90_days_unread_after_a_year(app, ada):
    with app.app_context():
        old_read, _ = notification(ada.id, created_at=ago(days=200), read_at=ago(days=91))
        recent_read, _ = notification(ada.id, created_at=ago(days=200), read_at=ago(days=89))
        old_unread, its_push = notification(ada.id, created_at=ago(days=366), push_status="pending")
        unread, _ = notification(ada.id, created_at=ago(days=300))
        assert retention.prune_notifications(utcnow()) == 2
        assert ids(Notification) == {recent_read, unread}
        assert its_push not in ids(PushOutbox)


def test_stream_entries_go_only_when_no_honoured_token_can_ask_for_them(app, client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    for _ in range(3):
        send(client, ada, conversation_id)
    with app.app_context():
        positions = sorted(db.session.scalars(select(StreamChange.position).where(StreamChange.user_id == bea.id)))
        old, kept = positions[:2], positions[2:]
        db.session.execute(update(StreamChange).where(StreamChange.user_id == bea.id, StreamChange.position.in_(old))
                           .values(created_at=ago(days=31, hours=1)))
        db.session.execute(update(StreamChange).where(StreamChange.user_id == bea.id, StreamChange.position.in_(kept))
                           .values(created_at=ago(days=30, hours=23)))
        db.session.commit()
        assert retention.prune_stream(utcnow()) == len(old)
        remaining = set(db.session.scalars(select(StreamChange.position).where(StreamChange.user_id == bea.id)))
        assert remaining == set(kept)


def test_ended_sessions_go_with_their_tokens_and_devices_live_ones_keep_working(app, client, people):
    ada, bea, cat = people.make(), people.make(), people.make()
    client.post(f"{API}/devices", json={"token": "ada-phone", "platform": "android"}, headers=ada.headers)
    rotated = client.post(f"{API}/auth/refresh", headers={"Authorization": f"Bearer {cat.refresh_token}"}).json
    with app.app_context():
        sessions = {p.id: db.session.scalar(select(AuthSession.id).where(AuthSession.user_id == p.id))
                    for p in (ada, bea, cat)}
        db.session.execute(update(AuthSession).where(AuthSession.id == sessions[ada.id])
                           .values(revoked_at=ago(days=31), created_at=ago(days=90)))
        db.session.execute(update(AuthSession).where(AuthSession.id == sessions[bea.id])
                           .values(revoked_at=ago(days=29), created_at=ago(days=90)))
        # Cat's session lives; the refresh token she exchanged is spent.
        db.session.execute(update(RefreshToken).where(RefreshToken.session_id == sessions[cat.id],
                                                      RefreshToken.used_at.is_not(None)).values(used_at=ago(days=31)))
        db.session.commit()
        retention.prune_sessions(utcnow())
        assert ids(AuthSession) == {sessions[bea.id], sessions[cat.id]}
        assert not ids(Device, Device.user_id == ada.id)
        assert not ids(RefreshToken, RefreshToken.session_id == sessions[ada.id])
        assert len(ids(RefreshToken, RefreshToken.session_id == sessions[cat.id])) == 1
    again = client.post(f"{API}/auth/refresh", headers={"Authorization": f"Bearer {rotated['refresh_token']}"})
    assert again.status_code == 200
    replay = client.post(f"{API}/auth/refresh", headers={"Authorization": f"Bearer {cat.refresh_token}"})
    assert replay.status_code == 401  # the pruned, spent token still counts as a replay...
    newest = client.post(f"{API}/auth/refresh", headers={"Authorization": f"Bearer {again.json['refresh_token']}"})
    assert newest.status_code == 401  # ...and still ends the whole session


def test_a_session_whose_refresh_tokens_all_expired_long_ago_goes(app, people):
    ada = people.make()
    with app.app_context():
        session_id = db.session.scalar(select(AuthSession.id).where(AuthSession.user_id == ada.id))
        db.session.execute(update(AuthSession).where(AuthSession.id == session_id).values(created_at=ago(days=70)))
        db.session.execute(update(RefreshToken).where(RefreshToken.session_id == session_id)
                           .values(expires_at=ago(days=31)))
        db.session.commit()
        retention.prune_sessions(utcnow())
        assert session_id not in ids(AuthSession)


def test_password_reset_tokens_go_a_week_after_they_expired(app, ada):
    with app.app_context():
        for days in (8, 6):
            db.session.add(PasswordResetToken(user_id=ada.id, token_hash=uuid.uuid4().hex, expires_at=ago(days=days)))
        db.session.commit()
        assert retention.prune_password_resets(utcnow()) == 1
        assert len(ids(PasswordResetToken)) == 1


def test_read_positions_of_people_who_left_a_circle_long_ago_go(app, client, people):
    host = make_mentor(app, people, client)
    group = start_circle(client, host)
    gone, recent, ada, bea = people.make(), people.make(), people.make(), people.make()
    for person in (gone, recent):
        join(client, person, group["id"])
        leave(client, person, group["id"])
    direct = befriend(client, ada, bea)
    with app.app_context():
        db.session.execute(update(ConversationMember).where(ConversationMember.user_id == gone.id)
                           .values(left_at=ago(days=91)))
        db.session.execute(update(ConversationMember).where(ConversationMember.user_id == recent.id)
                           .values(left_at=ago(days=89)))
        db.session.execute(update(ConversationMember).where(ConversationMember.conversation_id == direct,
                                                            ConversationMember.user_id == bea.id)
                           .values(left_at=ago(days=91)))
        db.session.commit()
        assert retention.prune_left_memberships(utcnow()) == 1
        left = set(db.session.scalars(select(ConversationMember.user_id).where(ConversationMember.left_at.is_not(None))))
        assert left == {recent.id, bea.id}  # a direct conversation keeps both of its two members
    assert join(client, gone, group["id"]).status_code == 200  # rejoining starts afresh


def test_safety_flags_go_after_a_year(app, client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    message_id = send(client, ada, conversation_id).json["id"]
    with app.app_context():
        for days in (366, 364):
            db.session.add(SafetyFlag(kind="contact_details", user_id=ada.id, conversation_id=conversation_id,
                                      message_id=message_id, found=["phone"], created_at=ago(days=days)))
        db.session.commit()
        before = len(ids(SafetyFlag))
        assert retention.prune_safety_flags(utcnow()) == 1
        assert len(ids(SafetyFlag)) == before - 1


def test_the_audit_log_is_kept_six_years(app):
    with app.app_context():
        for days in (6 * 366 + 1, 5 * 365):
            db.session.add(AuditEntry(actor_id=None, action="test.entry", created_at=ago(days=days)))
        db.session.commit()
        assert retention.prune_audit_log(utcnow()) == 1
        assert len(ids(AuditEntry, AuditEntry.action == "test.entry")) == 1


def test_periods_are_settings(make_app, people):
    app = make_app(RETENTION_AUDIT_DAYS=1)
    with app.app_context():
        db.session.add(AuditEntry(actor_id=None, action="test.entry", created_at=ago(days=2)))
        db.session.commit()
        assert retention.prune_audit_log(utcnow()) == 1


def test_run_scheduled_applies_every_rule_and_a_second_run_finds_nothing(app, ada):
    from services.scheduled import run_scheduled

    with app.app_context():
        notification(ada.id, created_at=ago(days=200), read_at=ago(days=91))
        first = run_scheduled()
        assert {f"retention_{name}" for name in retention.RULES} <= first.keys()
        assert first["retention_notifications"] == 1
        second = run_scheduled()
        assert all(second[f"retention_{name}"] == 0 for name in retention.RULES)


def test_batches_cover_more_rows_than_one_batch(app, ada, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    with app.app_context():
        for _ in range(5):
            notification(ada.id, created_at=ago(days=200), read_at=ago(days=91))
        assert retention.prune_notifications(utcnow()) == 5
        assert not ids(Notification, Notification.type == "test")

"""Storage limitation: every table that grows with use loses what is older than its rule.

Run by `flask run-scheduled` (services/scheduled.py). Each rule deletes in batches of `BATCH` rows,
committing between batches so no lock is held for long; two hosts running it at once only delete
the same rows twice (the second finds nothing). The periods are settings, in days, documented in
docs/privacy.md ("Retention"); the tables kept on purpose are listed there too.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, tuple_

from models import (
    AuditEntry, AuthSession, Conversation, ConversationKind, ConversationMember, Device, Notification,
    PasswordResetToken, PushOutbox, RefreshToken, SafetyFlag, StreamChange, db, utcnow,
)
from models.notification import OutboxStatus

BATCH = 5000
# The stream keeps a day more than a sync token is honoured: an entry written by a transaction that
# began before a token was issued, and committed after, is still there for that token.
STREAM_MARGIN = timedelta(days=1)


def prune(now: datetime | None = None) -> dict[str, int]:
    """Apply every rule once; return how many rows each deleted."""
    now = now or utcnow()
    return {f"retention_{name}": rule(now) for name, rule in RULES.items()}


def _days(setting: str) -> timedelta:
    return timedelta(days=int(current_app.config[setting]))


def prune_pushes(now: datetime) -> int:
    """Pushes delivered or given up on: kept a while for operators, then gone."""
    cutoff = now - _days("RETENTION_PUSH_DAYS")
    return _delete_in_batches(PushOutbox, PushOutbox.status.in_([OutboxStatus.SENT, OutboxStatus.DEAD]),
                              PushOutbox.finished_at < cutoff)


def prune_notifications(now: datetime) -> int:
    """Inbox entries read long ago, and unread ones older still (with any push still queued for them)."""
    read_cutoff = now - _days("RETENTION_READ_NOTIFICATION_DAYS")
    unread_cutoff = now - _days("RETENTION_UNREAD_NOTIFICATION_DAYS")
    old = or_(Notification.read_at < read_cutoff,
              and_(Notification.read_at.is_(None), Notification.created_at < unread_cutoff))
    return _delete_in_batches(Notification, old, before_each=lambda ids: db.session.execute(
        delete(PushOutbox).where(PushOutbox.notification_id.in_(ids))))


def prune_stream(now: datetime) -> int:
    """Change-stream entries no honoured sync token can still ask for (older tokens get 410)."""
    cutoff = now - timedelta(days=int(current_app.config["SYNC_TOKEN_MAX_AGE_DAYS"])) - STREAM_MARGIN
    return _delete_in_batches(StreamChange, StreamChange.created_at < cutoff)


def prune_sessions(now: datetime) -> int:
    """Sign-ins that ended (revoked, or their last refresh token expired) a while ago, with their
    refresh tokens and the devices they registered; and spent refresh tokens of live sessions."""
    cutoff = now - _days("RETENTION_ENDED_SESSION_DAYS")
    still_renewable = exists().where(RefreshToken.session_id == AuthSession.id, RefreshToken.expires_at > cutoff)
    ended = or_(AuthSession.revoked_at < cutoff,
                and_(AuthSession.revoked_at.is_(None), AuthSession.created_at < cutoff, ~still_renewable))

    def dependents(ids):
        db.session.execute(delete(Device).where(Device.session_id.in_(ids)))
        db.session.execute(delete(RefreshToken).where(RefreshToken.session_id.in_(ids)))

    sessions = _delete_in_batches(AuthSession, ended, before_each=dependents)
    # An expired refresh token can never be exchanged, and a replayed used one finds no unused row
    # either way (services/accounts.py), so neither row protects anything any more.
    spent = _delete_in_batches(RefreshToken, or_(RefreshToken.expires_at < now, RefreshToken.used_at < cutoff))
    return sessions + spent


def prune_password_resets(now: datetime) -> int:
    return _delete_in_batches(PasswordResetToken, PasswordResetToken.expires_at < now - _days("RETENTION_PASSWORD_RESET_DAYS"))


def prune_left_memberships(now: datetime) -> int:
    """The read positions of people who left a circle long ago (rejoining starts a new one)."""
    cutoff = now - _days("RETENTION_LEFT_MEMBERSHIP_DAYS")
    group_conversation = select(Conversation.id).where(Conversation.kind == ConversationKind.GROUP)
    return _delete_in_batches(ConversationMember, ConversationMember.left_at < cutoff,
                              ConversationMember.conversation_id.in_(group_conversation))


def prune_safety_flags(now: datetime) -> int:
    return _delete_in_batches(SafetyFlag, SafetyFlag.created_at < now - _days("RETENTION_SAFETY_FLAG_DAYS"))


def prune_audit_log(now: datetime) -> int:
    return _delete_in_batches(AuditEntry, AuditEntry.created_at < now - _days("RETENTION_AUDIT_DAYS"))


RULES = {
    "pushes": prune_pushes,
    "notifications": prune_notifications,
    "stream_changes": prune_stream,
    "sessions": prune_sessions,
    "password_resets": prune_password_resets,
    "left_memberships": prune_left_memberships,
    "safety_flags": prune_safety_flags,
    "audit_log": prune_audit_log,
}


def _delete_in_batches(model, *conditions, before_each=None) -> int:
    """Delete the rows matching `conditions`, BATCH at a time, one commit per batch."""
    key = list(model.__mapper__.primary_key)
    key_expr = key[0] if len(key) == 1 else tuple_(*key)
    deleted = 0
    while True:
        rows = db.session.execute(select(*key).where(*conditions).limit(BATCH)).all()
        if not rows:
            return deleted
        ids = [row[0] for row in rows] if len(key) == 1 else [tuple(row) for row in rows]
        if before_each is not None:
            before_each(ids)
        db.session.execute(delete(model).where(key_expr.in_(ids)).execution_options(synchronize_session=False))
        db.session.commit()
        deleted += len(ids)
        if len(ids) < BATCH:
            return deleted


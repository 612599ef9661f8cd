"""Who is told what: inbox rows and push outbox rows, written in the transaction of the event.

The use-case that causes a notification calls one of these functions itself (a message send calls
`for_message`, a connection change `for_connection`), inside its own transaction, so a notification
exists exactly when its cause does and the cause's code shows it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, delete, func, insert, select, tuple_, update

from models import (
    Connection, ConnectionStatus, ConversationMember, Message, Notification, PushOutbox, User, db, new_id, utcnow,
)
from models.notification import OutboxStatus
from services import changes, push_jobs
from services.changes import Change
from services.pagination import Page, decode_cursor, page_from_rows
from services.quiet_hours import is_quiet

ALWAYS_AUDIBLE = {"crisis_alert", "crisis_alert_escalated"}  # never silenced by quiet hours
# type -> the settings switch (settings.notifications.types) that governs its push
PUSH_SWITCH = {
    "message": "message", "connection_request": "connection", "connection_accepted": "connection",
    "check_in_reminder": "check_in",
}


def notify(user: User, type_: str, data: dict[str, str], *, push: bool = True, message: Message | None = None,
           now: datetime | None = None) -> Notification | None:
    """Add an inbox entry and, unless the person switched it off, a push to the outbox. An erased
    account gets neither: nothing accrues for someone who has left (docs/privacy.md)."""
    if user is None or user.erased_at is not None:
        return None
    notification = Notification(id=new_id(), user_id=user.id, type=type_, data=data,
                                conversation_id=message.conversation_id if message else None,
                                seq=message.seq if message else None)
    db.session.add(notification)
    db.session.flush()
    if push and _push_wanted(user, type_):
        prefs = (user.settings or {}).get("notifications", {})
        # A crisis alert rings even in a moderator's quiet hours: at night it is what being on call means.
        quiet = type_ not in ALWAYS_AUDIBLE and is_quiet(prefs.get("quiet_hours"), user.timezone, now or utcnow())
        db.session.add(PushOutbox(user_id=user.id, notification_id=notification.id, silent=quiet))
        changes.after_commit(push_jobs.nudge)
    changes.record(Change([user.id], "notification", notification.id))
    return notification


def _push_wanted(user: User, type_: str) -> bool:
    switch = PUSH_SWITCH.get(type_)
    types = (user.settings or {}).get("notifications", {}).get("types", {})
    return user.is_active and (switch is None or types.get(switch, True))


@dataclass(frozen=True)
class Recipient:
    """Someone a new message notifies: their membership's mute and what their settings say."""

    user_id: str
    muted: bool
    active: bool
    settings: dict | None
    timezone: str | None


@cache
def _recipients_query():
    return (select(ConversationMember.user_id, ConversationMember.muted, User.suspended_at, User.settings,
                   User.timezone)
            .join(User, User.id == ConversationMember.user_id)
            .where(ConversationMember.conversation_id == bindparam("conversation_id"),
                   ConversationMember.user_id != bindparam("sender_id"), ConversationMember.left_at.is_(None),
                   User.erased_at.is_(None)))


def message_recipients(conversation_id: str, sender_id: str) -> list[Recipient]:
    """The other current members with what deciding their push needs, in one query. Read it under
    the conversation's row lock: someone whose leaving committed first is not told."""
    params = {"conversation_id": conversation_id, "sender_id": sender_id}
    rows = db.session.connection().execute(_recipients_query(), params)
    return [Recipient(user_id, muted, suspended_at is None, settings, timezone)
            for user_id, muted, suspended_at, settings, timezone in rows]


def for_message(message_id: str, conversation_id: str, seq: int, recipients: list[Recipient]) -> dict[str, str]:
    """An inbox row for every recipient and a push in the outbox for each who wants one, in two
    INSERTs (quiet hours make the push silent; a muted conversation or a switched-off type gives
    none). Returns user id -> notification id, for the recipients' change streams."""
    if not recipients:
        return {}
    now = utcnow()
    data = {"conversation_id": conversation_id, "message_id": message_id}
    inbox, outbox = [], []
    for person in recipients:
        notification_id = new_id()
        inbox.append({"id": notification_id, "user_id": person.user_id, "type": "message", "data": data,
                      "conversation_id": conversation_id, "seq": seq, "created_at": now})
        prefs = (person.settings or {}).get("notifications", {})
        if person.active and not person.muted and prefs.get("types", {}).get("message", True):
            outbox.append({"id": new_id(), "user_id": person.user_id, "notification_id": notification_id,
                           "silent": is_quiet(prefs.get("quiet_hours"), person.timezone, now),
                           "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now,
                           "delivered_device_ids": [], "created_at": now})
    db.session.connection().execute(insert(Notification), inbox)
    if outbox:
        db.session.connection().execute(insert(PushOutbox), outbox)
        changes.after_commit(push_jobs.nudge)
    return {row["user_id"]: row["id"] for row in inbox}


def for_connection(connection: Connection) -> None:
    """A request, an acceptance or a refusal: the other person's inbox (and phone) hear of it."""
    data = {"connection_id": connection.id}
    if connection.status == ConnectionStatus.PENDING:
        notify(db.session.get(User, connection.addressee_id), "connection_request", data)
    elif connection.status == ConnectionStatus.ACCEPTED:
        notify(db.session.get(User, connection.requester_id), "connection_accepted",
               data | {"conversation_id": connection.conversation_id or ""})
    elif connection.status == ConnectionStatus.DECLINED:
        # A "no" lands quietly in the inbox; it is not worth waking someone for.
        notify(db.session.get(User, connection.requester_id), "connection_declined", data, push=False)


def clear_read(member: ConversationMember) -> None:
    """Reading a conversation clears its message notifications up to the read position."""
    db.session.execute(update(Notification).where(
        Notification.user_id == member.user_id, Notification.conversation_id == member.conversation_id,
        Notification.read_at.is_(None), Notification.seq <= member.read_seq,
    ).values(read_at=utcnow()))


def on_conversation_left(user_id: str, conversation_id: str) -> None:
    """Someone left (or was removed from) a conversation: its message notifications stop counting as
    unread, and pushes not yet sent about it are dropped (nothing more about it reaches them)."""
    about_it = select(Notification.id).where(Notification.user_id == user_id,
                                             Notification.conversation_id == conversation_id)
    db.session.execute(delete(PushOutbox).where(PushOutbox.notification_id.in_(about_it),
                                                PushOutbox.status == OutboxStatus.PENDING))
    db.session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.conversation_id == conversation_id,
        Notification.read_at.is_(None)).values(read_at=utcnow()))


def list_notifications(user: User, *, unread_only: bool = False, limit: int = 20,
                       cursor: str | None = None) -> Page[Notification]:
    """The inbox, newest first."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    after = decode_cursor("notifications", cursor)
    if after:
        stmt = stmt.where(tuple_(Notification.created_at, Notification.id)
                          < tuple_(datetime.fromisoformat(after[0]), after[1]))
    rows = list(db.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="notifications",
                          position_of=lambda n: [n.created_at.isoformat(), n.id])


def unread_count(user_id: str) -> int:
    """The badge number."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def unread_counts(user_ids: set[str]) -> dict[str, int]:
    """Badge numbers for many people in one query (the push worker's batches)."""
    rows = db.session.execute(select(Notification.user_id, func.count()).where(
        Notification.user_id.in_(user_ids), Notification.read_at.is_(None)).group_by(Notification.user_id))
    return dict(rows.all())


def mark_read(user: User, *, ids: list[str] | None = None, all: bool = False) -> None:  # noqa: A002
    """Mark some (or all) of the caller's notifications read; others' ids are ignored."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if not all:
        stmt = stmt.where(Notification.id.in_(ids or []))
    db.session.execute(stmt.values(read_at=utcnow()))
    db.session.commit()

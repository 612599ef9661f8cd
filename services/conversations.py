"""Conversations: who is in them, what each member has read, and the list a phone shows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, and_, bindparam, select, tuple_, update

from models import (
    Conversation, ConversationKind, ConversationMember, Message, User, db, new_id, pair_key, utcnow,
)
from services import changes, notifications, policy
from services.changes import Change
from services.errors import NotFoundError
from services.pagination import Page, decode_cursor, page_from_rows

# Messages as plain read-only rows, for answers that only show them (`deleted` is a model property).
MESSAGE_COLUMNS = (*Message.__table__.c, Message.deleted_at.is_not(None).label("deleted"))


def access_conversation(viewer: User, conversation_id: str) -> tuple[Conversation, ConversationMember]:
    """Return the conversation and the viewer's membership; non-members get the same 404 as a missing id."""
    member = db.session.get(ConversationMember, (conversation_id, viewer.id))
    if not policy.may_read_conversation(member):
        raise NotFoundError("Conversation not found.")
    return member.conversation, member


def member_ids(conversation: Conversation) -> list[str]:
    return [m.user_id for m in conversation.members if m.left_at is None]


def open_direct_conversation(user_a: str, user_b: str) -> Conversation:
    """The pair's direct conversation, created on first use. Call inside the caller's transaction."""
    key = pair_key(user_a, user_b)
    conversation = db.session.scalar(select(Conversation).where(Conversation.direct_key == key))
    if conversation is None:
        conversation = Conversation(id=new_id(), kind=ConversationKind.DIRECT, direct_key=key)
        db.session.add(conversation)
        db.session.flush()
        for user_id in (user_a, user_b):
            db.session.add(ConversationMember(conversation_id=conversation.id, user_id=user_id))
        db.session.flush()
        db.session.refresh(conversation)
    changes.record(Change([user_a, user_b], "conversation", conversation.id))
    return conversation


# A membership as lists and /sync read it: the viewer's row with its conversation's columns, as a
# plain read-only row. The hot read queries are built once, with bound parameters, and reused:
# building a statement and computing its cache key cost more than running it.
MEMBERSHIP_COLUMNS = (ConversationMember.conversation_id, ConversationMember.left_at, ConversationMember.muted,
                      ConversationMember.read_seq, Conversation.kind, Conversation.title, Conversation.last_seq,
                      Conversation.last_activity_at)


def viewer_memberships():
    """The viewer's membership rows joined with their conversations (the caller adds the viewer)."""
    return select(*MEMBERSHIP_COLUMNS).join(Conversation, Conversation.id == ConversationMember.conversation_id)


@cache
def _list_query(after_cursor: bool):
    stmt = viewer_memberships().where(ConversationMember.user_id == bindparam("viewer_id"),
                                      ConversationMember.left_at.is_(None))
    if after_cursor:
        stmt = stmt.where(tuple_(Conversation.last_activity_at, Conversation.id) < tuple_(
            bindparam("after_at", type_=Conversation.last_activity_at.type),
            bindparam("after_id", type_=Conversation.id.type)))
    return (stmt.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
            .limit(bindparam("limit", type_=Integer)))


def list_conversations(viewer: User, *, limit: int = 20, cursor: str | None = None) -> Page[Any]:
    """The viewer's memberships, most recent activity first."""
    after = decode_cursor("conversations", cursor)
    params = {"viewer_id": viewer.id, "limit": limit + 1}
    if after:
        params.update(after_at=datetime.fromisoformat(after[0]), after_id=after[1])
    rows = list(db.session.connection().execute(_list_query(bool(after)), params))
    return page_from_rows(rows, limit=limit, purpose="conversations",
                          position_of=lambda m: [m.last_activity_at.isoformat(), m.conversation_id])


@cache
def _last_messages_query():
    return select(*MESSAGE_COLUMNS).where(
        tuple_(Message.conversation_id, Message.seq).in_(bindparam("pairs", expanding=True)))


def last_messages(memberships: list[Any]) -> dict[str, Any]:
    """Each conversation's newest message, in one query, as a read-only row."""
    wanted = [(m.conversation_id, m.last_seq) for m in memberships if m.last_seq]
    if not wanted:
        return {}
    rows = db.session.connection().execute(_last_messages_query(), {"pairs": wanted})
    return {m.conversation_id: m for m in rows}


@cache
def _members_query():
    return (select(ConversationMember.conversation_id, ConversationMember.user_id, ConversationMember.read_seq,
                   User.display_name)
            .join(User, User.id == ConversationMember.user_id)
            .where(ConversationMember.conversation_id.in_(bindparam("ids", expanding=True)),
                   ConversationMember.left_at.is_(None))
            .order_by(ConversationMember.conversation_id, ConversationMember.joined_at, ConversationMember.user_id))


def current_members(conversation_ids: list[str]) -> dict[str, list[Any]]:
    """Conversation id -> its current members (user_id, display_name, read_seq), in one query."""
    members: dict[str, list[Any]] = {conversation_id: [] for conversation_id in conversation_ids}
    if conversation_ids:
        for row in db.session.connection().execute(_members_query(), {"ids": conversation_ids}):
            members[row.conversation_id].append(row)
    return members


@dataclass
class ConversationView:
    """A conversation as one member sees it: the shape of `GET /conversations` items."""

    id: str
    kind: str
    title: str | None
    members: list[Any]  # rows of current_members
    last_message: Any  # a MESSAGE_COLUMNS row, or None
    unread_count: int
    muted: bool
    last_activity_at: datetime


def views_for(memberships: list[Any], members: dict[str, list[Any]] | None = None) -> list[ConversationView]:
    """Build the views for one member's membership rows with two more queries (their members, unless
    the caller has them, and their last messages)."""
    if members is None:
        members = current_members([m.conversation_id for m in memberships])
    latest = last_messages(memberships)
    return [
        ConversationView(
            id=m.conversation_id, kind=m.kind, title=m.title, members=members.get(m.conversation_id, []),
            last_message=latest.get(m.conversation_id), unread_count=max(0, m.last_seq - m.read_seq),
            muted=m.muted, last_activity_at=m.last_activity_at,
        )
        for m in memberships
    ]


@cache
def _membership_query():
    return viewer_memberships().where(ConversationMember.conversation_id == bindparam("conversation_id"),
                                      ConversationMember.user_id == bindparam("viewer_id"))


def membership(viewer_id: str, conversation_id: str):
    """The viewer's membership row (MEMBERSHIP_COLUMNS: `left_at`, the conversation's `kind`, ...),
    or None; ask `policy.may_read_conversation` of it."""
    params = {"conversation_id": conversation_id, "viewer_id": viewer_id}
    return db.session.connection().execute(_membership_query(), params).first()


def get_conversation(viewer: User, conversation_id: str) -> ConversationView:
    membership_ = membership(viewer.id, conversation_id)
    if not policy.may_read_conversation(membership_):
        raise NotFoundError("Conversation not found.")
    return views_for([membership_])[0]


def set_muted(viewer: User, conversation_id: str, *, muted: bool) -> ConversationView:
    """Mute or unmute a conversation for the viewer alone."""
    _, member = access_conversation(viewer, conversation_id)
    member.muted = muted
    changes.record(Change([viewer.id], "conversation", conversation_id))
    db.session.commit()
    return get_conversation(viewer, conversation_id)


def mark_read(viewer: User, conversation_id: str, *, seq: int) -> None:
    """Move the viewer's read position forward to `seq` (never back, never past the last message)."""
    conversation, member = access_conversation(viewer, conversation_id)
    target = min(seq, conversation.last_seq)
    moved = db.session.execute(
        update(ConversationMember)
        .where(and_(ConversationMember.conversation_id == conversation_id, ConversationMember.user_id == viewer.id,
                    ConversationMember.read_seq < target))
        .values(read_seq=target)
    ).rowcount
    if moved:
        db.session.refresh(member)
        notifications.clear_read(member)
        changes.record(Change(member_ids(conversation), "read", f"{conversation_id}:{viewer.id}",
                              event="read.updated", entity=member))
    db.session.commit()


def touch(conversation_id: str) -> None:
    db.session.execute(update(Conversation).where(Conversation.id == conversation_id)
                       .values(last_activity_at=utcnow()))

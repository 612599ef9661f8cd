"""`/sync`: a snapshot, then everything that changed, read from the caller's change stream."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Integer, bindparam, func, or_, select

from models import (
    Connection, ConnectionStatus, Conversation, ConversationMember, Mentorship, Message, Notification, StreamChange,
    User, db,
)
from services.conversations import MESSAGE_COLUMNS, ConversationView, current_members, viewer_memberships, views_for
from services.errors import BadTokenError, SyncTokenExpiredError

SNAPSHOT_CONVERSATIONS = 50
SNAPSHOT_MESSAGES_PER_CONVERSATION = 20
SNAPSHOT_MENTORSHIPS = 50
SNAPSHOT_NOTIFICATIONS = 50
MAX_CHANGES = 500


@dataclass
class SyncResult:
    """What a phone needs to catch up. Messages, connections, mentorships and notifications are
    read-only rows (attribute access like the models'): a snapshot carries hundreds of them, and
    building and tracking ORM objects for each cost more than the SQL that reads them."""

    next_since: str
    has_more: bool = False
    messages: list[Any] = field(default_factory=list)
    read_positions: list[Any] = field(default_factory=list)  # members' rows (conversation_id, user_id, read_seq)
    conversations: list[ConversationView] = field(default_factory=list)
    connections: list[Any] = field(default_factory=list)
    mentorships: list[Any] = field(default_factory=list)
    notifications: list[Any] = field(default_factory=list)
    # Conversations the caller left or was removed from since the token: their ids only, once.
    left_conversations: list[str] = field(default_factory=list)


def sync(viewer: User, *, since: str | None = None) -> SyncResult:
    """With no token, a bounded snapshot; with one, every change after it, each object once, in its latest state."""
    viewer_id = viewer.id
    position = _decode(since, viewer_id) if since is not None else None
    _begin_snapshot()
    if position is None:
        return _snapshot(viewer_id)
    return _changes_since(viewer_id, position)


# Every query here is built once with bound parameters and reused (see services/conversations.py:
# building ORM statements and their cache keys cost more than running them). Limits are parameters
# too, read at call time.
VIEWER = bindparam("viewer_id")
IDS = bindparam("ids", expanding=True)


def _limit(name: str):
    return bindparam(name, type_=Integer)


@cache
def _queries() -> dict:
    ranked = (
        select(Message.id, func.row_number().over(partition_by=Message.conversation_id,
                                                  order_by=Message.seq.desc()).label("rank"))
        .where(Message.conversation_id.in_(IDS)).subquery()
    )
    latest = select(ranked.c.id).where(ranked.c.rank <= _limit("per_conversation"))
    return {
        "head": select(User.stream_position).where(User.id == VIEWER),
        "memberships": viewer_memberships()
        .where(ConversationMember.user_id == VIEWER, ConversationMember.left_at.is_(None))
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc()).limit(_limit("conversations")),
        "latest_messages": select(*MESSAGE_COLUMNS).where(Message.id.in_(latest))
        .order_by(Message.conversation_id, Message.seq),
        "connections": select(Connection.__table__).where(
            or_(Connection.requester_id == VIEWER, Connection.addressee_id == VIEWER),
            Connection.status != ConnectionStatus.CANCELLED),
        "mentorships": select(Mentorship.__table__).where(
            or_(Mentorship.mentor_id == VIEWER, Mentorship.mentee_id == VIEWER))
        .order_by(Mentorship.updated_at.desc()).limit(_limit("mentorships")),
        "notifications": select(Notification.__table__).where(Notification.user_id == VIEWER)
        .order_by(Notification.created_at.desc()).limit(_limit("notifications")),
        "entries": select(StreamChange.position, StreamChange.kind, StreamChange.entity_id).where(
            StreamChange.user_id == VIEWER, StreamChange.position > bindparam("position"))
        .order_by(StreamChange.position).limit(_limit("max_changes")),
        "touched": viewer_memberships().where(ConversationMember.user_id == VIEWER, ConversationMember.left_at.is_(None),
                                              ConversationMember.conversation_id.in_(IDS)),
        "messages": select(*MESSAGE_COLUMNS).where(Message.id.in_(IDS)).order_by(Message.seq),
        "connection": select(Connection.__table__).where(Connection.id.in_(IDS)).order_by(Connection.updated_at),
        "mentorship": select(Mentorship.__table__).where(Mentorship.id.in_(IDS)).order_by(Mentorship.updated_at),
        "notification": select(Notification.__table__).where(Notification.id.in_(IDS))
        .order_by(Notification.created_at),
    }


def _snapshot(viewer_id: str) -> SyncResult:
    q, viewer, sql = _queries(), {"viewer_id": viewer_id}, db.session.connection()
    head = sql.scalar(q["head"], viewer)
    memberships = list(sql.execute(q["memberships"], {**viewer, "conversations": SNAPSHOT_CONVERSATIONS}))
    conversation_ids = [m.conversation_id for m in memberships]
    members = current_members(conversation_ids)
    return SyncResult(
        next_since=_encode(viewer_id, head),
        conversations=views_for(memberships, members),
        messages=_rows("latest_messages", conversation_ids, per_conversation=SNAPSHOT_MESSAGES_PER_CONVERSATION),
        read_positions=[member for rows in members.values() for member in rows],
        connections=list(sql.execute(q["connections"], viewer)),
        mentorships=list(sql.execute(q["mentorships"], {**viewer, "mentorships": SNAPSHOT_MENTORSHIPS})),
        notifications=list(sql.execute(q["notifications"], {**viewer, "notifications": SNAPSHOT_NOTIFICATIONS})),
    )


def _changes_since(viewer_id: str, position: int) -> SyncResult:
    q, sql = _queries(), db.session.connection()
    entries = list(sql.execute(q["entries"], {"viewer_id": viewer_id, "position": position,
                                              "max_changes": MAX_CHANGES}))
    ids: dict[str, list[str]] = {}
    for entry in entries:
        ids.setdefault(entry.kind, [])
        if entry.entity_id not in ids[entry.kind]:
            ids[entry.kind].append(entry.entity_id)
    changed_messages = _rows("messages", ids.get("message", []))
    # A message or read receipt also changes its conversation's last message and unread counts.
    touched = dict.fromkeys([*ids.get("conversation", []), *(m.conversation_id for m in changed_messages),
                             *(key.split(":", 1)[0] for key in ids.get("read", []))])
    # Only conversations the viewer is in now: one they left is named in `left_conversations` and
    # nothing else, whatever older entries about it the token still covers (issue 13).
    memberships = list(sql.execute(q["touched"], {"viewer_id": viewer_id, "ids": list(touched)})) if touched else []
    current = {m.conversation_id for m in memberships}
    members = current_members(list(current))
    return SyncResult(
        next_since=_encode(viewer_id, entries[-1].position if entries else position),
        has_more=len(entries) == MAX_CHANGES,
        messages=[m for m in changed_messages if m.conversation_id in current],
        left_conversations=[conversation_id for conversation_id in touched if conversation_id not in current],
        read_positions=[member for rows in members.values() for member in rows],
        conversations=views_for(memberships, members),
        connections=_rows("connection", ids.get("connection", [])),
        mentorships=_rows("mentorship", ids.get("mentorship", [])),
        notifications=_rows("notification", ids.get("notification", [])),
    )


def _rows(query: str, ids: list[str], **params) -> list[Any]:
    """Rows of one of the queries above for these ids (none asked, none read)."""
    return list(db.session.connection().execute(_queries()[query], {"ids": ids, **params})) if ids else []


def _begin_snapshot() -> None:
    """Read the stream head and the data in one snapshot, so a concurrent commit is either wholly
    before the token or wholly after it. SQLite's read transactions are snapshots already (this one
    began with the token lookup); on PostgreSQL a new one begins at REPEATABLE READ."""
    if db.engine.dialect.name == "postgresql":
        db.session.rollback()
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["JWT_SECRET_KEY"], salt="peerless.sync")


def token_max_age_seconds() -> int:
    """How long a sync token is honoured; the stream keeps a day more than this (services/retention.py)."""
    return int(current_app.config["SYNC_TOKEN_MAX_AGE_DAYS"]) * 86400


def _encode(user_id: str, position: int) -> str:
    # `t`, when the token was issued: the stream entries after it are kept at least this long.
    return _serializer().dumps({"u": user_id, "p": position, "t": int(time.time())})


def _decode(token: str, user_id: str) -> int:
    try:
        data = _serializer().loads(token)
    except BadData:
        raise BadTokenError("This sync token is not valid; sync without `since` to start again.") from None
    if not isinstance(data, dict) or data.get("u") != user_id or not isinstance(data.get("p"), int):
        raise BadTokenError("This sync token belongs to another account; sync without `since` to start again.")
    issued = data.get("t")
    # A token older than the stream's retention (or from before tokens carried their age) may point
    # at entries already pruned: answering with what is left would silently miss changes.
    if not isinstance(issued, int) or issued < time.time() - token_max_age_seconds():
        raise SyncTokenExpiredError("This sync token has expired; sync without `since` to take a new snapshot.")
    return data["p"]

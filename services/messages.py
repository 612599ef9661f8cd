"""Messages: sent exactly once, numbered without gaps, edited briefly, deleted as tombstones."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from models import Conversation, ConversationKind, ConversationMember, Message, User, db, new_id, utcnow
from services import audit, changes, conversations, free_text, message_safety, notifications, organisations, policy
from services.changes import Change
from services.conversations import MESSAGE_COLUMNS, access_conversation, member_ids
from services.errors import ConflictError, ConversationEndedError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, encode_cursor

EDIT_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message as its sender sees it after sending: whether this request created it, and what the
    safety screening has to say to them (crisis helplines at once; a contact-details warning)."""

    id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_msg_id: str
    body: str | None
    labels: list[str]
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    created: bool
    safety: dict | None = None
    warning: dict | None = None

    @classmethod
    def from_row(cls, row, *, created: bool = False) -> "SentMessage":
        return cls(row.id, row.conversation_id, row.seq, row.sender_id, row.client_msg_id, row.body, row.labels,
                   row.created_at, row.edited_at, row.deleted, created)


def send_message(sender: User, conversation_id: str, *, client_msg_id: str, body: str) -> SentMessage:
    """Send a message, exactly once: a retry with the same `client_msg_id` returns the original (not
    created), even when two retries race. Screened for crisis language, contact details and advice;
    never blocked. Everything the message causes is written here, in one transaction: the message
    with the next gap-free seq, the sender's read position, the safety actions, an inbox row and a
    push for each other member, and an entry in every member's change stream; phones hear of it
    through Socket.IO once it has committed."""
    membership = conversations.membership(sender.id, conversation_id)
    if not policy.may_read_conversation(membership):
        raise NotFoundError("Conversation not found.")
    if membership.kind == ConversationKind.DIRECT and (refusal := _direct_refusal(sender.id, conversation_id)):
        if (original := _find_sent(conversation_id, sender.id, client_msg_id)) is not None:
            return SentMessage.from_row(original)  # a retry of a message sent before the refusal
        raise refusal
    screening = message_safety.screen(body, message_safety.recent_context(conversation_id, sender.id))

    seq = _next_seq(conversation_id)  # takes the conversation's row lock until commit
    # Under the lock, a racing retry has either committed (found here) or waits for us.
    if (original := _find_sent(conversation_id, sender.id, client_msg_id)) is not None:
        db.session.rollback()
        return SentMessage.from_row(original)
    sent = SentMessage(new_id(), conversation_id, seq, sender.id, client_msg_id, body, screening.labels, utcnow(),
                       None, False, created=True)
    sql = db.session.connection()
    sql.execute(_insert_message(), [_message_row(sent)])
    sql.execute(_mark_read(), {"in_conversation": conversation_id, "member_id": sender.id, "own_seq": seq})
    safety, warning = message_safety.act_on_new_message(sender, membership.kind, sent, screening)

    # Who hears it is read under the row lock: someone whose leaving committed first is not told.
    recipients = notifications.message_recipients(conversation_id, sender.id)
    notified = notifications.for_message(sent.id, conversation_id, seq, recipients)
    members = [sender.id, *(person.user_id for person in recipients)]
    changes.append([*((user_id, "message", sent.id) for user_id in members),
                    *((user_id, "notification", notification_id) for user_id, notification_id in notified.items())])
    changes.publish_after_commit(members, "message.created", changes.serialize("message.created", sent))
    try:
        db.session.commit()
    except IntegrityError:  # the unique constraints are the backstop for any race we did not foresee
        db.session.rollback()
        original = _find_sent(conversation_id, sender.id, client_msg_id)
        if original is None:
            raise
        return SentMessage.from_row(original)
    return replace(sent, safety=safety, warning=warning)


def list_messages(viewer: User, conversation_id: str, *, before_seq: int | None = None,
                  after_seq: int | None = None, limit: int = 50, cursor: str | None = None) -> Page[Any]:
    """A page of messages as read-only rows: newest first, or oldest first after `after_seq` (catching up)."""
    if not policy.may_read_conversation(conversations.membership(viewer.id, conversation_id)):
        raise NotFoundError("Conversation not found.")
    position = decode_cursor(f"messages:{conversation_id}", cursor)
    if position:
        before_seq, after_seq = position.get("before"), position.get("after")
    params = {"conversation_id": conversation_id, "limit": limit + 1,
              "before_seq": before_seq, "after_seq": after_seq}
    rows = list(db.session.connection().execute(
        _page_query(after_seq is not None, before_seq is not None), params))
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    following = {"after": rows[-1].seq, "before": before_seq} if after_seq is not None else {"before": rows[-1].seq}
    return Page(rows, encode_cursor(f"messages:{conversation_id}", following))


@cache
def _page_query(catching_up: bool, bounded_above: bool):
    stmt = select(*MESSAGE_COLUMNS).where(Message.conversation_id == bindparam("conversation_id"))
    if bounded_above:
        stmt = stmt.where(Message.seq < bindparam("before_seq"))
    if catching_up:
        stmt = stmt.where(Message.seq > bindparam("after_seq")).order_by(Message.seq.asc())
    else:
        stmt = stmt.order_by(Message.seq.desc())
    return stmt.limit(bindparam("limit", type_=Integer))


def edit_message(editor: User, message_id: str, *, body: str) -> Message:
    """Change a message's text: the sender only, within 15 minutes of sending."""
    message = _access_message(editor, message_id)
    if message.sender_id != editor.id:
        raise PermissionDeniedError("Only the sender can edit a message.")
    if message.deleted:
        raise ConflictError("This message was deleted.")
    if utcnow() - message.created_at > EDIT_WINDOW:
        raise PermissionDeniedError("Messages can be edited for 15 minutes after sending.")
    message.body = body
    message.labels = message_safety.labels_for(body)
    message.edited_at = utcnow()
    _record_update(message)
    # an edit can turn a message into a crisis: the same tiers (alert or check-in) as a new one
    safety = message_safety.screen_free_text(editor, source="message", source_id=message.id, text=body)
    db.session.commit()
    return free_text.with_safety(message, safety)


def delete_message(actor: User, message_id: str) -> None:
    """Replace a message by a tombstone: the sender's choice, or a moderator's."""
    message = _access_message(actor, message_id)
    if message.sender_id != actor.id and not _moderates(actor, message):
        raise PermissionDeniedError("Only the sender or a moderator can delete a message.")
    if message.deleted:
        return
    if message.sender_id != actor.id:
        audit.record(actor.id, "message.delete", target_type="message", target_id=message.id)
    remove_message(message)
    db.session.commit()


def remove_message(message: Message) -> None:
    """Replace the body by a tombstone and tell the members; the caller commits."""
    message.body = None
    message.deleted_at = utcnow()
    _record_update(message)


def _record_update(message: Message) -> None:
    conversation = db.session.get(Conversation, message.conversation_id)
    changes.record(Change(member_ids(conversation), "message", message.id, event="message.updated", entity=message))


def _moderates(actor: User, message: Message) -> bool:
    """Staff act on a message when its sender is in their scope (all of it for network-wide staff)."""
    return actor.is_staff and organisations.covers(actor, message.sender_id)


def _access_message(viewer: User, message_id: str) -> Message:
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFoundError("Message not found.")
    if _moderates(viewer, message):
        return message
    try:
        access_conversation(viewer, message.conversation_id)
    except NotFoundError:
        raise NotFoundError("Message not found.") from None
    return message


# The send path's statements are built once, with bound parameters (building a statement and its
# cache key on every call cost more than running it), and run on the session's connection, in its
# transaction, as Core statements: the ORM's per-statement work (identity-map bookkeeping) is for
# objects, and this path loads none.
def _direct_refusal(sender_id: str, conversation_id: str) -> Exception | None:
    """Why the sender may not write in this direct conversation now (policy C6), or None."""
    state = policy.direct_message_state(sender_id, conversation_id)
    if state is None:
        return PermissionDeniedError("The other person has left this conversation.")
    if state.erased:
        return ConversationEndedError("This person deleted their account; the conversation has ended.")
    if state.blocked:
        return PermissionDeniedError("You cannot send messages in this conversation.")
    if not state.related:
        return PermissionDeniedError("Direct messages need an accepted connection or mentorship.")
    return None


@cache
def _find_sent_query():
    return select(*MESSAGE_COLUMNS).where(
        Message.conversation_id == bindparam("conversation_id"), Message.sender_id == bindparam("sender_id"),
        Message.client_msg_id == bindparam("client_msg_id"))


def _find_sent(conversation_id: str, sender_id: str, client_msg_id: str):
    params = {"conversation_id": conversation_id, "sender_id": sender_id, "client_msg_id": client_msg_id}
    return db.session.connection().execute(_find_sent_query(), params).first()


@cache
def _next_seq_query():
    return (update(Conversation).where(Conversation.id == bindparam("conversation"))
            .values(last_seq=Conversation.last_seq + 1, last_activity_at=bindparam("now"))
            .returning(Conversation.last_seq))


def _next_seq(conversation_id: str) -> int:
    params = {"conversation": conversation_id, "now": utcnow()}
    return db.session.connection().execute(_next_seq_query(), params).scalar_one()


@cache
def _insert_message():
    return insert(Message)


def _message_row(sent: SentMessage) -> dict:
    return {"id": sent.id, "conversation_id": sent.conversation_id, "seq": sent.seq, "sender_id": sent.sender_id,
            "client_msg_id": sent.client_msg_id, "body": sent.body, "labels": sent.labels,
            "created_at": sent.created_at}


@cache
def _mark_read():
    """Your own message is read."""
    return (update(ConversationMember)
            .where(ConversationMember.conversation_id == bindparam("in_conversation"),
                   ConversationMember.user_id == bindparam("member_id"))
            .values(read_seq=bindparam("own_seq")))

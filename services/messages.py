"""Messages: sent exactly once, numbered without gaps, edited briefly, deleted as tombstones."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from models import (
    Connection, ConnectionStatus, Conversation, ConversationKind, ConversationMember, Message, User, db, new_id,
    pair_key, utcnow,
)
from services import audit, blocks, changes, free_text, mentorships, message_safety, organisations
from services.changes import Change
from services.conversations import access_conversation, member_ids
from services.errors import ConflictError, ConversationEndedError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, encode_cursor

EDIT_WINDOW = timedelta(minutes=15)


@dataclass
class SentMessage:
    """The message, whether this request created it, and what the safety screening says to the sender."""

    message: Message
    created: bool
    safety: dict | None = None   # crisis language: helplines, at once
    warning: dict | None = None  # contact details early in a new relationship

    def __getattr__(self, name):
        return getattr(self.message, name)


def send_message(sender: User, conversation_id: str, *, client_msg_id: str, body: str) -> SentMessage:
    """Send a message. A retry with the same `client_msg_id` returns the original (not created), even
    when two retries race. Screened for crisis language, contact details and advice; never blocked."""
    conversation, member = access_conversation(sender, conversation_id)
    existing = _find_sent(conversation_id, sender.id, client_msg_id)
    if existing:
        return SentMessage(existing, created=False)
    _check_may_send(sender, conversation)
    seq = _next_seq(conversation_id)  # takes the conversation's row lock until commit
    # A racing retry may have committed while we waited for the lock.
    existing = _find_sent(conversation_id, sender.id, client_msg_id)
    if existing:
        db.session.rollback()
        return SentMessage(existing, created=False)
    screening = message_safety.screen(body, message_safety.recent_context(conversation_id, sender.id))
    message = Message(id=new_id(), conversation_id=conversation_id, seq=seq, sender_id=sender.id,
                      client_msg_id=client_msg_id, body=body, labels=screening.labels)
    db.session.add(message)
    member.read_seq = seq  # your own message is read
    safety, warning = message_safety.act_on_new_message(sender, conversation, message, screening)
    # Who hears it is read under the conversation's row lock (taken by _next_seq): someone whose
    # leaving committed first is not told, even though `conversation.members` was loaded before.
    recipients = db.session.scalars(select(ConversationMember.user_id).where(
        ConversationMember.conversation_id == conversation_id, ConversationMember.left_at.is_(None)))
    changes.record(Change(list(recipients), "message", message.id, event="message.created", entity=message))
    try:
        db.session.commit()
    except IntegrityError:  # the unique constraints are the backstop for any race we did not foresee
        db.session.rollback()
        existing = _find_sent(conversation_id, sender.id, client_msg_id)
        if existing is None:
            raise
        return SentMessage(existing, created=False)
    return SentMessage(message, created=True, safety=safety, warning=warning)


def list_messages(viewer: User, conversation_id: str, *, before_seq: int | None = None,
                  after_seq: int | None = None, limit: int = 50, cursor: str | None = None) -> Page[Message]:
    """A page of messages: newest first, or oldest first after `after_seq` (catching up)."""
    access_conversation(viewer, conversation_id)
    position = decode_cursor(f"messages:{conversation_id}", cursor)
    if position:
        before_seq, after_seq = position.get("before"), position.get("after")
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if after_seq is not None:
        stmt = stmt.where(Message.seq > after_seq).order_by(Message.seq.asc())
        if before_seq is not None:
            stmt = stmt.where(Message.seq < before_seq)
    else:
        if before_seq is not None:
            stmt = stmt.where(Message.seq < before_seq)
        stmt = stmt.order_by(Message.seq.desc())
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    following = {"after": rows[-1].seq, "before": before_seq} if after_seq is not None else {"before": rows[-1].seq}
    return Page(rows, encode_cursor(f"messages:{conversation_id}", following))


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


def _find_sent(conversation_id: str, sender_id: str, client_msg_id: str) -> Message | None:
    return db.session.scalar(select(Message).where(
        Message.conversation_id == conversation_id, Message.sender_id == sender_id,
        Message.client_msg_id == client_msg_id,
    ).execution_options(populate_existing=True))


def _next_seq(conversation_id: str) -> int:
    return db.session.execute(
        update(Conversation).where(Conversation.id == conversation_id)
        .values(last_seq=Conversation.last_seq + 1, last_activity_at=utcnow())
        .returning(Conversation.last_seq)
    ).scalar_one()


def _check_may_send(sender: User, conversation: Conversation) -> None:
    if conversation.kind != ConversationKind.DIRECT:
        return
    other = next((uid for uid in member_ids(conversation) if uid != sender.id), None)
    if other is None:
        raise PermissionDeniedError("The other person has left this conversation.")
    if db.session.scalar(select(User.erased_at).where(User.id == other)) is not None:
        raise ConversationEndedError("This person deleted their account; the conversation has ended.")
    if blocks.is_blocked_either_way(sender.id, other):
        raise PermissionDeniedError("You cannot send messages in this conversation.")
    if not _may_message_directly(sender.id, other):
        raise PermissionDeniedError("Direct messages need an accepted connection or mentorship.")


def _may_message_directly(user_a: str, user_b: str) -> bool:
    connected = db.session.scalar(select(Connection.id).where(
        Connection.pair_key == pair_key(user_a, user_b), Connection.status == ConnectionStatus.ACCEPTED))
    return connected is not None or mentorships.has_active_mentorship(user_a, user_b)

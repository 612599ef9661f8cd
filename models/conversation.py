"""Conversations, their members, their messages, and each person's change stream."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import IdColumn, new_id, utcnow


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"


class Conversation(db.Model):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(120))
    # Direct conversations: the pair's key, so a pair never gets two.
    direct_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # The seq counter: bumped in the transaction that inserts a message (the row lock orders senders).
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["ConversationMember"]] = relationship(
        back_populates="conversation", lazy="selectin", order_by="ConversationMember.joined_at"
    )

    __table_args__ = (Index("ix_conversations_activity", "last_activity_at", "id"),)


class ConversationMember(db.Model):
    __tablename__ = "conversation_members"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    read_seq: Mapped[int] = mapped_column(Integer, default=0)
    muted: Mapped[bool] = mapped_column(default=False)

    conversation: Mapped[Conversation] = relationship(back_populates="members")
    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    client_msg_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)  # None once deleted: the tombstone keeps its place
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    # e.g. "experience_not_advice": the app shows a reminder beside the message, for everyone.
    labels: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),  # backstop for gap-free, unique seqs
        UniqueConstraint("conversation_id", "sender_id", "client_msg_id"),  # idempotent retries
    )

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


class StreamChange(db.Model):
    """One entry in one person's change stream; `/sync` reads it in `position` order.

    Positions come from `users.stream_position`, bumped under that user's row lock in the same
    transaction, so they become visible in order and a sync token never skips a late commit.
    """

    __tablename__ = "stream_changes"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    entity_id: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Retention prunes by age (services/retention.py).
    __table_args__ = (Index("ix_stream_changes_created", "created_at"),)

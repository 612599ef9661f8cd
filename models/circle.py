"""Peer circles (groups) and support requests: the rest of the sliding scale."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import IdColumn, new_id, utcnow


class Group(db.Model):
    """A peer circle; its talk happens in its group conversation."""

    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    condition_id: Mapped[str | None] = mapped_column(ForeignKey("conditions.id"), index=True)
    visibility: Mapped[str] = mapped_column(String(16), default="public")  # public | private
    max_members: Mapped[int] = mapped_column(Integer, default=12)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class GroupMembership(db.Model):
    """member, or for private circles: invited (by staff) / requested (by the person)."""

    __tablename__ = "group_memberships"

    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="member")
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | host
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupportRequest(db.Model):
    __tablename__ = "support_requests"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    intent: Mapped[str] = mapped_column(String(16))      # listen | tips | review | one_to_one | group
    duration: Mapped[str] = mapped_column(String(16))    # one_off | ongoing
    condition_id: Mapped[str | None] = mapped_column(ForeignKey("conditions.id"))
    topic: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

"""Who is connected to whom, and who has blocked whom."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import IdColumn, new_id, utcnow


class ConnectionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # withdrawn silently, e.g. when either side blocks the other


def pair_key(user_a: str, user_b: str) -> str:
    """One key for a pair of people, whichever way round they are named."""
    return ":".join(sorted((user_a, user_b)))


class Connection(db.Model):
    """A peer connection between two people: one row per pair, whose status moves on."""

    __tablename__ = "connections"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    pair_key: Mapped[str] = mapped_column(String(80), unique=True)
    requester_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    addressee_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ConnectionStatus.PENDING)
    message: Mapped[str | None] = mapped_column(String(1000))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]

    def other_party(self, user_id: str) -> str:
        return self.addressee_id if user_id == self.requester_id else self.requester_id


class Block(db.Model):
    __tablename__ = "blocks"

    blocker_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    blocked: Mapped["User"] = relationship(foreign_keys=[blocked_id], lazy="joined")  # noqa: F821

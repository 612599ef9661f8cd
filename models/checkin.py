"""Outcome check-ins: a person's answers to a short validated questionnaire, scored on the server."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import IdColumn, new_id, utcnow


class CheckIn(db.Model):
    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_ins_user_instrument_created", "user_id", "instrument", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(16), index=True)  # ons4 | ucla3 | phq2 | gad2
    answers: Mapped[list[int]] = mapped_column(JSON)
    # {measure: value}: one "total" for most instruments, one per item for ONS4 (it has no total).
    scores: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckInReminder(db.Model):
    """Off by default: a row exists only while the person has asked for reminders."""

    __tablename__ = "check_in_reminders"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(16))  # weekly | fortnightly | monthly
    instruments: Mapped[list[str]] = mapped_column(JSON)
    next_due_at: Mapped[datetime] = mapped_column(index=True)

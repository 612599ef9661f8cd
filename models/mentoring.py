"""Expert-patient mentors: applications, profiles, mentorships and feedback."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import IdColumn, new_id, utcnow


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class MentorApplication(db.Model):
    __tablename__ = "mentor_applications"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    motivation: Mapped[str] = mapped_column(Text)
    experience: Mapped[str] = mapped_column(Text)
    training: Mapped[str | None] = mapped_column(Text)  # e.g. the NHS Expert Patients Programme
    condition_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.PENDING, index=True)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="joined")  # noqa: F821


class MentorProfile(db.Model):
    """What a mentor offers. In the matching pool only while accepting, accredited and under capacity."""

    __tablename__ = "mentor_profiles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    accepting_mentees: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    active_mentees: Mapped[int] = mapped_column(Integer, default=0)  # kept in step by mentorship changes
    support_types: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["chat", "mentoring"])
    availability: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{day, start, end}] in their timezone
    accredited_until: Mapped[datetime] = mapped_column(index=True)
    expiry_notice_sent_at: Mapped[datetime | None]
    # Responsiveness and rating, refreshed when mentorships are answered or rated.
    median_response_hours: Mapped[float | None]
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_mean: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class MentorshipStatus(StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    DECLINED = "declined"
    EXPIRED = "expired"
    ENDED = "ended"


class Mentorship(db.Model):
    __tablename__ = "mentorships"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    mentor_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MentorshipStatus.REQUESTED)
    message: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    reminder_sent_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_mentorships_due", "status", "expires_at"),)


class MentorshipFeedback(db.Model):
    __tablename__ = "mentorship_feedback"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    mentorship_id: Mapped[str] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), unique=True)
    mentor_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Self-management courses led by expert patients (issue 17): tutors, courses, sessions, enrolments,
attendance, action plans and each person's calendar feed."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import IdColumn, new_id, utcnow


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"      # the first on the waitlist, holding a place until offer_expires_at
    WITHDRAWN = "withdrawn"


class TutorApplication(db.Model):
    """An accredited mentor asks to tutor courses; a moderator who covers them decides."""

    __tablename__ = "tutor_applications"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    training: Mapped[str] = mapped_column(Text)  # e.g. "EPP tutor training, Leeds, March 2026"
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TutorAccreditation(db.Model):
    __tablename__ = "tutor_accreditations"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    accredited_until: Mapped[datetime] = mapped_column(index=True)
    expiry_notice_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True)
    condition_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any condition
    capacity: Mapped[int] = mapped_column(Integer, default=16)
    enrolled_count: Mapped[int] = mapped_column(Integer, default=0)  # places taken (enrolled + offered)
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)    # the last waitlist number handed out
    delivery: Mapped[str] = mapped_column(String(16))  # online | venue
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    venue: Mapped[str | None] = mapped_column(String(300))
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"))  # the course circle
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourseTutor(db.Model):
    __tablename__ = "course_tutors"

    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class CourseSession(db.Model):
    __tablename__ = "course_sessions"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    minutes: Mapped[int] = mapped_column(Integer, default=150)
    cancelled_at: Mapped[datetime | None]
    day_reminder_sent_at: Mapped[datetime | None]
    hour_reminder_sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("course_id", "number"),)


class CourseEnrolment(db.Model):
    __tablename__ = "course_enrolments"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    waitlist_number: Mapped[int | None] = mapped_column(Integer)  # order on the waitlist
    offer_expires_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]  # the certificate of completion
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("course_id", "user_id"), Index("ix_course_enrolments_offers",
                                                                      "status", "offer_expires_at"))


class CourseAttendance(db.Model):
    __tablename__ = "course_attendance"

    session_id: Mapped[str] = mapped_column(ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    marked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionPlan(db.Model):
    """One participant's plan for one week: private to them unless shared with the tutors."""

    __tablename__ = "action_plans"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    week: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(Text)
    how_much: Mapped[str] = mapped_column(Text)
    plan_when: Mapped[str] = mapped_column(Text)
    days_per_week: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[int] = mapped_column(Integer)
    share_with_tutors: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(16))  # done | partly | not_done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("course_id", "user_id", "week"),)


class CalendarFeed(db.Model):
    """A person's secret calendar URL: the token is derived from `salt` with the server's key, and only
    its hash is looked up, so the table alone cannot open anyone's feed. Rotating replaces the salt."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

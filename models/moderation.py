"""Reports, the moderation queue, and the append-only audit log of staff actions."""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import IdColumn, new_id, utcnow


class Severity(IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3  # crisis alerts and reports of risk to self


class ReportStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Report(db.Model):
    """A person's report, or an alert raised by the crisis detector (reporter_id is then None)."""

    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    reporter_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(24), default="user")  # user | crisis_detector
    target_type: Mapped[str] = mapped_column(String(32))  # message | user | group | a screened text's source
    target_id: Mapped[str] = mapped_column(String(36))
    target_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    details: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer, default=Severity.NORMAL)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.OPEN)
    action: Mapped[str | None] = mapped_column(String(24))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Crisis alerts that someone answers (services/alerts.py): who took it on and when, how far it has
    # escalated unanswered (0 none, 1 on-call again, 2 every moderator, 3 safeguarding lead) with each
    # step's time, and the moderator's label for the next training round.
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalations: Mapped[list | None] = mapped_column(JSON)  # [{"step", "at", "notified"}], one per step
    real_crisis: Mapped[bool | None]
    concern_reviewed: Mapped[bool | None]

    __table_args__ = (Index("ix_reports_queue", "status", "severity", "created_at"),)


class AuditEntry(db.Model):
    """Who did what, to what, when and why. Rows are only ever inserted."""

    __tablename__ = "audit_log"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    actor_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str | None] = mapped_column(String(24))
    target_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # ids and codes only, never personal data
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SafetyFlag(db.Model):
    """Contact details shared early in a new relationship: counted for moderators, never altered."""

    __tablename__ = "safety_flags"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(24))  # contact_details
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    found: Mapped[list[str]] = mapped_column(JSON, default=list)  # kinds: phone, email, social_handle, url
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

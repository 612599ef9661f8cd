"""The evidence library: curated guides and links per condition, each with its evidence level and review dates."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import IdColumn, new_id, utcnow


class EvidenceLevel(StrEnum):
    GUIDELINE = "guideline"                  # e.g. NICE guidance
    SYSTEMATIC_REVIEW = "systematic_review"
    EXPERT_OPINION = "expert_opinion"
    LIVED_EXPERIENCE = "lived_experience"    # patient-written "how I managed" guides


class ResourceStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Resource(db.Model):
    __tablename__ = "resources"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    body: Mapped[str | None] = mapped_column(Text)
    evidence_level: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=ResourceStatus.DRAFT, index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Lower-cased, accent-free title + body: text search with a plain LIKE on any engine.
    search_text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    published_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    review_due: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    condition_rows: Mapped[list["ResourceCondition"]] = relationship(
        cascade="all, delete-orphan", order_by="ResourceCondition.condition_id")

    @property
    def condition_ids(self) -> list[str]:
        return [row.condition_id for row in self.condition_rows]


class ResourceCondition(db.Model):
    __tablename__ = "resource_conditions"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    condition_id: Mapped[str] = mapped_column(ForeignKey("conditions.id"), primary_key=True, index=True)

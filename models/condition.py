"""The chronic-condition taxonomy and the conditions each person lives with."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import IdColumn


class Visibility(StrEnum):
    PUBLIC = "public"    # anyone signed in
    MATCHES = "matches"  # only people the matcher shows this person to, and connections
    PRIVATE = "private"  # only the owner; still used to find matches for the owner


class Condition(db.Model):
    __tablename__ = "conditions"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)  # uuid5 of the slug: stable across databases
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    icd10: Mapped[str | None] = mapped_column(String(10))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("conditions.id"), index=True)
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Lower-cased name and synonyms, so `?q=` is one LIKE on every engine.
    search_text: Mapped[str] = mapped_column(Text)


class UserCondition(db.Model):
    __tablename__ = "user_conditions"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    condition_id: Mapped[str] = mapped_column(ForeignKey("conditions.id"), primary_key=True, index=True)
    diagnosed_year: Mapped[int | None] = mapped_column(Integer)
    treatments: Mapped[list[str]] = mapped_column(JSON, default=list)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.MATCHES)

    condition: Mapped[Condition] = relationship(lazy="joined")

    # Matching's peer tiers read only a condition's public holders (migration 0014).
    __table_args__ = (Index("ix_user_conditions_condition_visibility", "condition_id", "visibility"),)

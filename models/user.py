"""People: accounts, roles and the consents they gave."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models import db
from models.base import IdColumn, new_id, utcnow


class Role(StrEnum):
    PATIENT = "patient"
    MENTOR = "mentor"
    MODERATOR = "moderator"
    ADMIN = "admin"


class ConsentKind(StrEnum):
    TERMS = "terms"
    HEALTH_DATA = "health_data"
    SAFETY_RESEARCH = "safety_research"  # may what I write, when it raised an alert, train the detectors (docs/safety.md)


def default_settings() -> dict:
    return {
        "notifications": {
            "message_previews": False,
            "quiet_hours": None,
            "types": {"message": True, "mentorship": True, "connection": True, "group": True, "check_in": True},
        },
        # Consent to be offered mentors and circles when a check-in screens positive (docs/check-ins.md).
        "check_ins": {"offer_support": False},
    }


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    # Null once the account is erased; the row stays so others' histories keep a "deleted user".
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(50))
    bio: Mapped[str | None] = mapped_column(String(1000))
    pronouns: Mapped[str | None] = mapped_column(String(40))
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    # ",en,pa,": lets matching require a shared language with a plain LIKE on any engine.
    languages_key: Mapped[str] = mapped_column(String(200), default=",en,", server_default=",en,")
    region: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    settings: Mapped[dict] = mapped_column(JSON, default=default_settings)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    suspended_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # Set while consent to process health data is withdrawn: conditions leave matching and profiles.
    health_consent_withdrawn_at: Mapped[datetime | None]
    # Head of this person's change stream (see StreamChange); only services.changes moves it.
    stream_position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "network" (default: the larger network of peer support) or "programme" (only people in my programmes).
    matching_scope: Mapped[str] = mapped_column(String(16), default="network", server_default="network")

    # Loaded on first use: most requests never ask for roles, and users are loaded in bulk.
    role_rows: Mapped[list["UserRole"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    conditions: Mapped[list["UserCondition"]] = relationship(  # noqa: F821
        cascade="all, delete-orphan", order_by="UserCondition.condition_id"
    )

    @validates("languages")
    def _keep_languages_key(self, _key, value):
        self.languages_key = "," + ",".join(value or []) + ","
        return value

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.role_rows)

    @property
    def is_staff(self) -> bool:
        return self.has_role(Role.MODERATOR) or self.has_role(Role.ADMIN)

    @property
    def is_active(self) -> bool:
        return self.suspended_at is None and self.erased_at is None


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ConsentRecord(db.Model):
    """One consent given (or withdrawn) to one version of a document; never updated in place."""

    __tablename__ = "consent_records"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Programmes: the organisations that run peer support on the shared network, and their referral codes."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import IdColumn, new_id, utcnow


class OrganisationKind(StrEnum):
    PROVIDER = "provider"            # an NHS trust or other care provider
    CHARITY = "charity"
    STAFF_NETWORK = "staff_network"  # clinicians supporting each other


class MembershipRole(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"  # moderates this organisation's members (needs the global moderator role too)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganisationMember(db.Model):
    __tablename__ = "organisation_members"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default=MembershipRole.MEMBER)
    referral_code_id: Mapped[str | None] = mapped_column(ForeignKey("referral_codes.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReferralCode(db.Model):
    """A code a clinic hands to a patient. Only its hash is stored; the prefix lets staff tell codes apart."""

    __tablename__ = "referral_codes"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_prefix: Mapped[str] = mapped_column(String(8))
    max_uses: Mapped[int | None] = mapped_column(Integer)  # None: any number of uses until it expires
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

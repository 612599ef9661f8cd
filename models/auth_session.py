"""Sign-in sessions: one per login, the family that every rotated refresh token belongs to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import IdColumn, new_id, utcnow


class AuthSession(db.Model):
    """Revoking the session revokes every access and refresh token issued in it."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(db.Model):
    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # Set when the token is exchanged; a second exchange is a replay and ends the session.
    used_at: Mapped[datetime | None]

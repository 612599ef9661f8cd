"""Password-reset tokens: only a SHA-256 of each token is stored, and each works once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import IdColumn, new_id, utcnow


class PasswordResetToken(db.Model):
    """A reset link sent by email. The token itself never reaches the database, so a copy of the
    database (a backup, a replica) cannot be used to take over accounts."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # Set when the token is used, or when another of the person's tokens is: each link works once.
    used_at: Mapped[datetime | None]

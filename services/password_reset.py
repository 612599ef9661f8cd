"""Password reset by email: a single-use, expiring link, and no hint of which emails have accounts."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from models import PasswordResetToken, User, db, utcnow
from services import accounts, audit, devices, passwords, realtime
from services.email import Email, send
from services.errors import BadTokenError, InvalidInputError

# However many addresses ask, one account gets at most this many reset emails an hour (mail bombing).
MAX_EMAILS_PER_HOUR = 3
INVALID_TOKEN = "This reset link is invalid, has expired or was already used. Ask for a new one."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_reset(*, email: str) -> None:
    """Email a reset link if an active account uses `email`; otherwise do nothing, silently."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    if user is None or user.suspended_at is not None or user.erased_at is not None or _recently_sent(user.id):
        return
    token = secrets.token_urlsafe(32)  # 256 bits from the OS CSPRNG
    ttl = timedelta(minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"])
    now = utcnow()
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=hash_token(token),
                                      created_at=now, expires_at=now + ttl))
    db.session.commit()
    send(_reset_email(user, token, ttl))


def confirm_reset(*, token: str, password: str) -> None:
    """Set a new password with a reset token: the token and the person's other reset tokens stop
    working, and every session ends (all devices must sign in again)."""
    found = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token)))
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        raise BadTokenError(INVALID_TOKEN)
    problem = passwords.password_problem(password)
    if problem:
        raise InvalidInputError("password", problem)  # the token stays usable for a better password
    now = utcnow()
    # The conditional UPDATE is the gate: of two confirmations racing with one token, one wins.
    claimed = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == found.id, PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(used_at=now)
    ).rowcount
    user = db.session.get(User, found.user_id)
    if claimed != 1 or user is None or user.suspended_at is not None or user.erased_at is not None:
        raise BadTokenError(INVALID_TOKEN)
    db.session.execute(update(PasswordResetToken)
                       .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
                       .values(used_at=now))
    user.password_hash = passwords.hash_password(password)
    accounts.revoke_all_sessions(user.id, reason="password_reset")
    devices.remove_all_devices(user.id)  # a phone that is signed out must not keep getting pushes
    audit.record(user.id, "account.password_reset", target_type="user", target_id=user.id)
    db.session.commit()
    realtime.disconnect_user(user.id)


def _recently_sent(user_id: str) -> bool:
    since = utcnow() - timedelta(hours=1)
    sent = db.session.scalar(select(func.count()).select_from(PasswordResetToken)
                             .where(PasswordResetToken.user_id == user_id, PasswordResetToken.created_at > since))
    return sent >= MAX_EMAILS_PER_HOUR


def _reset_email(user: User, token: str, ttl: timedelta) -> Email:
    link = current_app.config["APP_RESET_URL"].format(token=token)
    minutes = int(ttl.total_seconds() // 60)
    return Email(
        to=user.email,
        subject="Reset your Peerless password",
        text=(f"Hello {user.display_name},\n\n"
              f"Someone asked to reset the password of your Peerless account. To choose a new one, open this "
              f"link on your phone within {minutes} minutes:\n\n{link}\n\n"
              "The link works once. Every device signed in to your account will be signed out.\n"
              "If you did not ask for this, you can ignore this email: your password stays as it is.\n"),
    )

"""Accounts and sessions: register, log in, rotate refresh tokens, log out."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from models import AuthSession, ConsentKind, ConsentRecord, RefreshToken, Role, User, UserRole, db, new_id, utcnow
from services import changes, devices, passwords, realtime
from services.errors import AccountSuspendedError, AuthenticationError, ConflictError, InvalidInputError

LOGIN_FAILED = "Email or password is incorrect."


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def register(
    *, email: str, password: str, display_name: str, birth_year: int,
    accept_terms: bool, consent_health_data: bool, **profile,
) -> tuple[User, TokenPair]:
    """Create a patient account with its consent records and sign it in."""
    _check_new_account(password=password, birth_year=birth_year,
                       accept_terms=accept_terms, consent_health_data=consent_health_data)
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ConflictError("An account with this email already exists.")
    user = User(id=new_id(), email=email, password_hash=passwords.hash_password(password),
                display_name=display_name.strip(), birth_year=birth_year, **profile)
    user.role_rows.append(UserRole(role=Role.PATIENT))
    db.session.add(user)
    db.session.flush()  # rows below refer to the user without an ORM relationship
    _record_consents(user)
    tokens = _start_session(user)
    try:
        db.session.commit()
    except IntegrityError:  # two registrations raced for one email
        db.session.rollback()
        raise ConflictError("An account with this email already exists.") from None
    return user, tokens


def create_staff_user(*, email: str, password: str, display_name: str, roles: list[str]) -> User:
    """Make an account from the command line (staff, demo data); consent is the operator's."""
    problem = passwords.password_problem(password)
    if problem:
        raise InvalidInputError("password", problem)
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ConflictError(f"{email} already has an account.")
    user = User(id=new_id(), email=email, password_hash=passwords.hash_password(password), display_name=display_name)
    user.role_rows.extend(UserRole(role=role) for role in {Role.PATIENT, *roles})
    db.session.add(user)
    db.session.flush()
    _record_consents(user)
    db.session.commit()
    return user


def login(*, email: str, password: str) -> tuple[User, TokenPair]:
    """Check credentials and open a new session; unknown email and wrong password look the same."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if not passwords.verify_password(user.password_hash if user else None, password) or user is None:
        raise AuthenticationError(LOGIN_FAILED)
    if user.suspended_at is not None:
        raise AccountSuspendedError("This account is suspended. Contact the moderators if you think this is a mistake.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    tokens = _start_session(user)
    db.session.commit()
    return user, tokens


def refresh(*, user_id: str, session_id: str, jti: str) -> TokenPair:
    """Exchange a refresh token once; a replayed one ends the whole session (token family)."""
    now = utcnow()
    exchanged = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == jti, RefreshToken.session_id == session_id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if exchanged != 1:
        revoke_session(session_id, reason="refresh_reuse")
        db.session.commit()
        raise AuthenticationError("This refresh token was already used; the session has been ended. Log in again.")
    user = db.session.get(User, user_id)
    tokens = _issue_tokens(user, session_id)
    db.session.commit()
    return tokens


def logout(*, session_id: str) -> None:
    """End the session: its access and refresh tokens stop working in every process."""
    revoke_session(session_id, reason="logout")
    devices.remove_session_devices(session_id)  # the phone that logged out gets no more pushes
    db.session.commit()


def revoke_session(session_id: str, *, reason: str) -> None:
    """End one session; once the caller commits, its live sockets are disconnected too."""
    db.session.execute(
        update(AuthSession).where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    changes.after_commit(partial(realtime.end_session, session_id))


def revoke_all_sessions(user_id: str, *, reason: str) -> None:
    """End every session of the person; once the caller commits, their live sockets are disconnected."""
    db.session.execute(
        update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    changes.after_commit(partial(realtime.end_user_sessions, user_id))


@cache
def _token_user_query():
    return (select(User).join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.id == bindparam("session_id"), AuthSession.revoked_at.is_(None),
                   User.id == bindparam("user_id"), User.suspended_at.is_(None), User.erased_at.is_(None)))


def user_for_token(*, user_id: str, session_id: str | None) -> User | None:
    """The active user behind a token, or None when its session was revoked: one query, on the
    session row's primary key, in the request's own transaction."""
    if not session_id:
        return None
    return db.session.scalar(_token_user_query(), {"session_id": session_id, "user_id": user_id})


def _check_new_account(*, password: str, birth_year: int, accept_terms: bool, consent_health_data: bool) -> None:
    if not accept_terms:
        raise InvalidInputError("accept_terms", "You need to accept the terms of use.")
    if not consent_health_data:
        raise InvalidInputError("consent_health_data", "Peerless needs your explicit consent to hold health information.")
    this_year = datetime.now(timezone.utc).year
    if this_year - birth_year < current_app.config["MINIMUM_AGE"]:
        raise InvalidInputError("birth_year", f"You need to be at least {current_app.config['MINIMUM_AGE']} to join.")
    problem = passwords.password_problem(password)
    if problem:
        raise InvalidInputError("password", problem)


def _record_consents(user: User) -> None:
    config = current_app.config
    for kind, version in ((ConsentKind.TERMS, config["TERMS_VERSION"]),
                          (ConsentKind.HEALTH_DATA, config["HEALTH_DATA_CONSENT_VERSION"])):
        db.session.add(ConsentRecord(user_id=user.id, kind=kind, version=version, granted=True))


def _start_session(user: User) -> TokenPair:
    session = AuthSession(id=new_id(), user_id=user.id)
    db.session.add(session)
    db.session.flush()
    # A sign-in with the password gives a "fresh" access token: irreversible actions (erasure) accept it
    # for RECENT_SIGN_IN_SECONDS; tokens from /auth/refresh are never fresh.
    return _issue_tokens(user, session.id, fresh=timedelta(seconds=current_app.config["RECENT_SIGN_IN_SECONDS"]))


def _issue_tokens(user: User, session_id: str, *, fresh: timedelta | bool = False) -> TokenPair:
    jti = new_id()
    expires_at = utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    db.session.add(RefreshToken(jti=jti, session_id=session_id, expires_at=expires_at))
    return TokenPair(
        access_token=create_access_token(identity=user.id, additional_claims={"sid": session_id}, fresh=fresh),
        refresh_token=create_refresh_token(identity=user.id, additional_claims={"sid": session_id, "jti": jti}),
    )

"""The console's session: the API's own access and refresh tokens, carried in HttpOnly cookies on /console only.

Tokens come from services.accounts (the same sessions the API uses, revoked the same way). Cookies are
read only here, with `locations=["cookies"]`; the API keeps reading the Authorization header alone, so a
cookie can never authenticate an /api/v1 request. Every unsafe request must carry the `csrf` claim of the
access token in a form field (`csrf_token`): a forged cross-site form cannot know it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from hmac import compare_digest

from flask import current_app, g, request
from flask_jwt_extended import (
    decode_token, get_current_user, get_jwt, set_access_cookies, set_refresh_cookies,
    unset_jwt_cookies, verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from jwt import ExpiredSignatureError, PyJWTError

from models import User
from services import accounts
from services.accounts import TokenPair
from services.errors import AuthenticationError

LOGIN_CSRF_COOKIE = "console_sign_in"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class SessionEnded(Exception):
    """No usable session: send the visitor to the sign-in page, saying why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # a key of SIGN_IN_NOTICES, never free text


class FormForged(Exception):
    """An unsafe request whose CSRF token is missing or wrong: refused, nothing changes."""


@dataclass
class ConsoleSession:
    user: User
    session_id: str
    csrf_token: str
    new_tokens: TokenPair | None = None  # set when the session was refreshed during this request


def authenticate() -> ConsoleSession:
    """The signed-in person behind this request's cookies, refreshing an expired access token silently."""
    try:
        verify_jwt_in_request(locations=["cookies"])
        return ConsoleSession(get_current_user(), get_jwt()["sid"], get_jwt()["csrf"])
    except CSRFError:
        raise FormForged() from None
    except ExpiredSignatureError:
        return _refresh()
    except (JWTExtendedException, PyJWTError):
        if request.cookies.get(_config("JWT_ACCESS_COOKIE_NAME")) is None and _refresh_cookie():
            return _refresh()  # the access cookie is gone but the session lives on
        has_session_cookie = request.cookies.get(_config("JWT_ACCESS_COOKIE_NAME")) or _refresh_cookie()
        raise SessionEnded("ended" if has_session_cookie else "anonymous") from None


def _refresh() -> ConsoleSession:
    """Swap the refresh cookie for a new token pair (rotation and replay detection are the API's own)."""
    form_sid = _check_expired_csrf() if request.method in UNSAFE_METHODS else None
    try:
        claims = decode_token(_refresh_cookie() or "")
    except (JWTExtendedException, PyJWTError):
        raise SessionEnded("expired") from None
    if claims.get("type") != "refresh" or form_sid not in (None, claims.get("sid")):
        raise SessionEnded("ended")  # not a refresh token, or not the session the form was made in
    user = accounts.user_for_token(user_id=claims["sub"], session_id=claims.get("sid"))
    if user is None:
        raise SessionEnded("ended")
    try:
        tokens = accounts.refresh(user_id=user.id, session_id=claims["sid"], jti=claims["jti"])
    except AuthenticationError:  # a replayed refresh token ends the whole session
        raise SessionEnded("ended") from None
    # Read back from the token just made (expiry irrelevant: it is ours, and only its CSRF value is wanted).
    fresh = decode_token(tokens.access_token, allow_expired=True)
    return ConsoleSession(user, claims["sid"], fresh["csrf"], tokens)


def _check_expired_csrf() -> str:
    """A form posted after the access token expired still has to carry that token's CSRF value;
    returns the session the form was made in."""
    submitted = request.form.get("csrf_token")
    if not submitted:
        raise FormForged()
    try:
        expired = decode_token(request.cookies.get(_config("JWT_ACCESS_COOKIE_NAME"), ""),
                               csrf_value=submitted, allow_expired=True)
    except CSRFError:
        raise FormForged() from None
    except (JWTExtendedException, PyJWTError):
        raise SessionEnded("expired") from None
    return expired.get("sid")


def _refresh_cookie() -> str | None:
    return request.cookies.get(_config("JWT_REFRESH_COOKIE_NAME"))


def _config(name: str) -> str:
    return current_app.config[name]


def store_tokens(response, tokens: TokenPair) -> None:
    set_access_cookies(response, tokens.access_token)
    set_refresh_cookies(response, tokens.refresh_token)


def clear_tokens(response) -> None:
    unset_jwt_cookies(response)


# --- sign-in form: a double-submit token before any session exists (login CSRF) --------------------

def sign_in_token() -> str:
    """The token for the sign-in form: reuse the visitor's cookie or make one (set by `remember_sign_in_token`)."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or g.get("new_sign_in_token")
    if token is None:
        token = g.new_sign_in_token = secrets.token_urlsafe(32)
    return token


def remember_sign_in_token(response) -> None:
    if g.get("new_sign_in_token"):
        response.set_cookie(LOGIN_CSRF_COOKIE, g.new_sign_in_token, path="/console", httponly=True,
                            secure=current_app.config["JWT_COOKIE_SECURE"], samesite="Strict")


def sign_in_token_matches() -> bool:
    cookie, field = request.cookies.get(LOGIN_CSRF_COOKIE), request.form.get("csrf_token")
    return bool(cookie and field) and compare_digest(cookie, field)


def session_id_of(tokens: TokenPair) -> str:
    return decode_token(tokens.access_token, allow_expired=True)["sid"]

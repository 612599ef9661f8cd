"""JWT wiring: every token is checked against its session, and every auth error is a problem document."""
from __future__ import annotations

from flask import g
from flask_jwt_extended import JWTManager

from api.errors import problem
from services import accounts

jwt = JWTManager()


@jwt.token_in_blocklist_loader
def token_is_revoked(jwt_header: dict, jwt_payload: dict) -> bool:
    # Looks the user up with the session in one query, in the request's transaction (a write
    # request's BEGIN IMMEDIATE on SQLite); the user loader below reuses the result.
    g.token_user = accounts.user_for_token(user_id=jwt_payload["sub"], session_id=jwt_payload.get("sid"))
    return g.token_user is None


@jwt.user_lookup_loader
def load_user(jwt_header: dict, jwt_payload: dict):
    return g.get("token_user")


def _unauthorized(detail: str, code: str = "unauthorized"):
    return problem(401, title="Authentication required", detail=detail, code=code,
                   headers={"WWW-Authenticate": "Bearer"})


@jwt.unauthorized_loader
def missing_token(reason: str):
    return _unauthorized("Send a bearer token in the Authorization header.")


@jwt.invalid_token_loader
def invalid_token(reason: str):
    return _unauthorized("The token is invalid or of the wrong kind.", "invalid_token")


@jwt.expired_token_loader
def expired_token(jwt_header: dict, jwt_payload: dict):
    return _unauthorized("The token has expired; refresh it or log in again.", "token_expired")


@jwt.revoked_token_loader
def revoked_token(jwt_header: dict, jwt_payload: dict):
    return _unauthorized("This session has ended; log in again.", "token_revoked")


@jwt.user_lookup_error_loader
def unknown_user(jwt_header: dict, jwt_payload: dict):
    return _unauthorized("This session has ended; log in again.", "token_revoked")


@jwt.needs_fresh_token_loader
def needs_fresh(jwt_header: dict, jwt_payload: dict):
    return _unauthorized("Log in again to do this.", "fresh_token_required")

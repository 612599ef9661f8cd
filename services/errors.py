"""Coded errors raised by services; api/errors.py maps each to one problem document."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}


class InvalidInputError(ServiceError):
    """A well-formed request that breaks a rule only the service can check."""

    status, code, title = 422, "validation_failed", "The request has invalid fields"

    def __init__(self, field: str, message: str):
        super().__init__(message, errors={field: [message]})


class AuthenticationError(ServiceError):
    status, code, title = 401, "unauthorized", "Authentication required"


class AccountSuspendedError(ServiceError):
    status, code, title = 403, "account_suspended", "This account is suspended"


class PermissionDeniedError(ServiceError):
    status, code, title = 403, "permission_denied", "You are not allowed to do this"


class ConversationEndedError(ServiceError):
    """The other person of a direct conversation erased their account: its history stays, sending ends."""

    status, code, title = 403, "conversation_ended", "This conversation has ended"


class NotFoundError(ServiceError):
    status, code, title = 404, "not_found", "Not found"


class ConflictError(ServiceError):
    status, code, title = 409, "conflict", "Conflict"


class BadTokenError(ServiceError):
    """An opaque token from the client (cursor, sync token) that we did not issue."""

    status, code, title = 400, "invalid_token", "The token is malformed or was not issued by this server"


class SyncTokenExpiredError(ServiceError):
    """A sync token older than the change stream keeps: the app must take a new snapshot (`/sync` without `since`)."""

    status, code, title = 410, "sync_token_expired", "This sync token has expired"

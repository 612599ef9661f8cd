"""Configuration, read from the environment (see README, "Configuration")."""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # rejected outside development and tests


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_list(name: str) -> list[str]:
    return [item.strip().rstrip("/") for item in os.environ.get(name, "").split(",") if item.strip()]


def _default_environment() -> str:
    # `flask --debug` and `make run` mean development; anything else must opt in explicitly.
    return "development" if os.environ.get("FLASK_DEBUG") in ("1", "true") else "production"


# Writes limited per person and per address by `X_RATE_LIMIT` and `X_RATE_LIMIT_PER_IP` (api/extensions.py).
RATE_LIMITED_ACTIONS = ("MESSAGE", "REQUEST", "REPORT", "REFERRAL", "CHECK_IN", "EDIT", "READ_MARK", "PROFILE",
                        "DEVICE", "BLOCK", "CONNECTION", "GROUP", "MENTORSHIP", "SUPPORT_REQUEST", "RESOURCE",
                        "ORGANISATION", "STAFF_ACTION", "SESSION", "ERASURE", "EXPORT", "COURSE")


class Config:
    PEERLESS_ENV = os.environ.get("PEERLESS_ENV") or _default_environment()

    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'peerless.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None

    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY") or DEV_SECRET
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=_env_int("ACCESS_TOKEN_SECONDS", 15 * 60))
    # DELETE /me needs a sign-in this recent (a fresh token from login or registration) or the password.
    RECENT_SIGN_IN_SECONDS = _env_int("RECENT_SIGN_IN_SECONDS", 10 * 60)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(seconds=_env_int("REFRESH_TOKEN_SECONDS", 30 * 24 * 3600))
    JWT_TOKEN_LOCATION = ["headers"]
    # The moderator console (/console) carries the same tokens in cookies, read only by its own pages
    # (the API above keeps to headers). Secure unless CONSOLE_COOKIE_SECURE=false (plain-HTTP local use).
    JWT_COOKIE_SECURE = os.environ.get("CONSOLE_COOKIE_SECURE", "true").lower() != "false"
    JWT_COOKIE_SAMESITE = "Lax"
    JWT_ACCESS_COOKIE_PATH = JWT_REFRESH_COOKIE_PATH = "/console"
    JWT_CSRF_IN_COOKIES = False  # the CSRF value is rendered into each form, not left in a readable cookie
    JWT_CSRF_CHECK_FORM = True

    PASSWORD_HASH_PROFILE = os.environ.get("PASSWORD_HASH_PROFILE", "rfc9106_low_memory")
    # Before sign-in (docs/security.md, "Limits that suit phones"): a carrier's NAT puts hundreds of
    # phones behind one address, so nothing a phone does routinely is limited per address alone.
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute; 100 per hour")  # password reset, console
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute; 20 per hour")  # per account named
    LOGIN_RATE_LIMIT_PER_IP = os.environ.get("LOGIN_RATE_LIMIT_PER_IP", "120 per minute; 2000 per hour")
    REGISTER_RATE_LIMIT_PER_IP = os.environ.get("REGISTER_RATE_LIMIT_PER_IP", "30 per minute; 120 per hour; 500 per day")
    REFRESH_RATE_LIMIT = os.environ.get("REFRESH_RATE_LIMIT", "30 per hour")  # per session: one every 15 min is 4
    REFRESH_RATE_LIMIT_PER_IP = os.environ.get("REFRESH_RATE_LIMIT_PER_IP", "20000 per hour")
    MESSAGE_RATE_LIMIT = os.environ.get("MESSAGE_RATE_LIMIT", "60 per minute")
    MESSAGE_RATE_LIMIT_PER_IP = os.environ.get("MESSAGE_RATE_LIMIT_PER_IP", "600 per minute")
    REQUEST_RATE_LIMIT = os.environ.get("REQUEST_RATE_LIMIT", "30 per hour")  # connection and mentorship requests
    REQUEST_RATE_LIMIT_PER_IP = os.environ.get("REQUEST_RATE_LIMIT_PER_IP", "300 per hour")
    REPORT_RATE_LIMIT = os.environ.get("REPORT_RATE_LIMIT", "20 per hour")
    REPORT_RATE_LIMIT_PER_IP = os.environ.get("REPORT_RATE_LIMIT_PER_IP", "200 per hour")
    # Redeeming referral codes: enough for a few typos, far too few to guess a code (docs/decisions.md).
    REFERRAL_RATE_LIMIT = os.environ.get("REFERRAL_RATE_LIMIT", "10 per hour; 30 per day")
    REFERRAL_RATE_LIMIT_PER_IP = os.environ.get("REFERRAL_RATE_LIMIT_PER_IP", "100 per hour")
    CHECK_IN_RATE_LIMIT = os.environ.get("CHECK_IN_RATE_LIMIT", "20 per hour")
    CHECK_IN_RATE_LIMIT_PER_IP = os.environ.get("CHECK_IN_RATE_LIMIT_PER_IP", "200 per hour")
    # Every other write has a per-person limit (X_RATE_LIMIT) and a looser per-address one
    # (X_RATE_LIMIT_PER_IP: carrier NAT puts many phones behind one address); docs/security.md.
    EDIT_RATE_LIMIT = os.environ.get("EDIT_RATE_LIMIT", "30 per minute; 300 per hour")  # message edits, deletions
    EDIT_RATE_LIMIT_PER_IP = os.environ.get("EDIT_RATE_LIMIT_PER_IP", "300 per minute")
    READ_MARK_RATE_LIMIT = os.environ.get("READ_MARK_RATE_LIMIT", "120 per minute")  # read positions
    READ_MARK_RATE_LIMIT_PER_IP = os.environ.get("READ_MARK_RATE_LIMIT_PER_IP", "1200 per minute")
    PROFILE_RATE_LIMIT = os.environ.get("PROFILE_RATE_LIMIT", "20 per minute; 200 per day")  # profile, settings
    PROFILE_RATE_LIMIT_PER_IP = os.environ.get("PROFILE_RATE_LIMIT_PER_IP", "200 per minute")
    DEVICE_RATE_LIMIT = os.environ.get("DEVICE_RATE_LIMIT", "10 per minute; 100 per day")
    DEVICE_RATE_LIMIT_PER_IP = os.environ.get("DEVICE_RATE_LIMIT_PER_IP", "100 per minute")
    BLOCK_RATE_LIMIT = os.environ.get("BLOCK_RATE_LIMIT", "20 per minute; 100 per day")
    BLOCK_RATE_LIMIT_PER_IP = os.environ.get("BLOCK_RATE_LIMIT_PER_IP", "200 per minute")
    CONNECTION_RATE_LIMIT = os.environ.get("CONNECTION_RATE_LIMIT", "60 per hour")  # accepting, declining
    CONNECTION_RATE_LIMIT_PER_IP = os.environ.get("CONNECTION_RATE_LIMIT_PER_IP", "600 per hour")
    GROUP_RATE_LIMIT = os.environ.get("GROUP_RATE_LIMIT", "30 per minute; 300 per day")  # circles
    GROUP_RATE_LIMIT_PER_IP = os.environ.get("GROUP_RATE_LIMIT_PER_IP", "300 per minute")
    MENTORSHIP_RATE_LIMIT = os.environ.get("MENTORSHIP_RATE_LIMIT", "30 per hour")  # answers, feedback, applying
    MENTORSHIP_RATE_LIMIT_PER_IP = os.environ.get("MENTORSHIP_RATE_LIMIT_PER_IP", "300 per hour")
    SUPPORT_REQUEST_RATE_LIMIT = os.environ.get("SUPPORT_REQUEST_RATE_LIMIT", "20 per hour")
    SUPPORT_REQUEST_RATE_LIMIT_PER_IP = os.environ.get("SUPPORT_REQUEST_RATE_LIMIT_PER_IP", "200 per hour")
    RESOURCE_RATE_LIMIT = os.environ.get("RESOURCE_RATE_LIMIT", "60 per hour")  # the evidence library
    RESOURCE_RATE_LIMIT_PER_IP = os.environ.get("RESOURCE_RATE_LIMIT_PER_IP", "600 per hour")
    ORGANISATION_RATE_LIMIT = os.environ.get("ORGANISATION_RATE_LIMIT", "60 per hour")  # moderators, referral codes
    ORGANISATION_RATE_LIMIT_PER_IP = os.environ.get("ORGANISATION_RATE_LIMIT_PER_IP", "600 per hour")
    STAFF_ACTION_RATE_LIMIT = os.environ.get("STAFF_ACTION_RATE_LIMIT", "60 per minute; 1000 per hour")
    STAFF_ACTION_RATE_LIMIT_PER_IP = os.environ.get("STAFF_ACTION_RATE_LIMIT_PER_IP", "600 per minute")
    COURSE_RATE_LIMIT = os.environ.get("COURSE_RATE_LIMIT", "60 per hour")  # enrol, plans, register, calendar
    COURSE_RATE_LIMIT_PER_IP = os.environ.get("COURSE_RATE_LIMIT_PER_IP", "600 per hour")
    SESSION_RATE_LIMIT = os.environ.get("SESSION_RATE_LIMIT", "30 per minute")  # signing out
    SESSION_RATE_LIMIT_PER_IP = os.environ.get("SESSION_RATE_LIMIT_PER_IP", "300 per minute")
    ERASURE_RATE_LIMIT = os.environ.get("ERASURE_RATE_LIMIT", "5 per hour")  # DELETE /me checks a password
    ERASURE_RATE_LIMIT_PER_IP = os.environ.get("ERASURE_RATE_LIMIT_PER_IP", "50 per hour")
    EXPORT_RATE_LIMIT = os.environ.get("EXPORT_RATE_LIMIT", "5 per hour")  # GET /me/export: a read, but a heavy one
    EXPORT_RATE_LIMIT_PER_IP = os.environ.get("EXPORT_RATE_LIMIT_PER_IP", "50 per hour")
    # Socket.IO events (conversation.focus/blur every minute per open conversation, auth.renew), per person.
    SOCKET_EVENT_RATE_LIMIT = os.environ.get("SOCKET_EVENT_RATE_LIMIT", "60 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "true").lower() != "false"

    FIREBASE_CREDENTIALS = os.environ.get("FIREBASE_CREDENTIALS") or None  # service-account JSON path
    FCM_ENDPOINT = os.environ.get("FCM_ENDPOINT") or None  # tests and staging only: a local FCM stand-in
    # Drain the push outbox on a thread of this process (`make run`); production runs `flask push-worker`.
    PUSH_WORKER_IN_PROCESS = os.environ.get("PUSH_WORKER_IN_PROCESS", "false").lower() == "true"
    PUSH_MAX_ATTEMPTS = _env_int("PUSH_MAX_ATTEMPTS", 8)
    PUSH_BATCH_SIZE = _env_int("PUSH_BATCH_SIZE", 500)       # rows one claim takes
    PUSH_LEASE_SECONDS = _env_int("PUSH_LEASE_SECONDS", 120)  # a dead worker's rows wait this long
    PUSH_SETTLE_EVERY = _env_int("PUSH_SETTLE_EVERY", 50)     # rows sent between two records of results
    SOCKETIO_CORS_ORIGINS = os.environ.get("SOCKETIO_CORS_ORIGINS") or None
    # Each process checks its sockets this often: expired tokens (no `auth.renew`) and ended sessions drop.
    REALTIME_SWEEP_SECONDS = float(os.environ.get("REALTIME_SWEEP_SECONDS", 5))
    # Retention (docs/privacy.md, "Retention"; services/retention.py, run by `flask run-scheduled`), in days.
    SYNC_TOKEN_MAX_AGE_DAYS = _env_int("SYNC_TOKEN_MAX_AGE_DAYS", 30)  # older tokens get 410: take a snapshot
    RETENTION_PUSH_DAYS = _env_int("RETENTION_PUSH_DAYS", 30)  # delivered and dead pushes
    RETENTION_READ_NOTIFICATION_DAYS = _env_int("RETENTION_READ_NOTIFICATION_DAYS", 90)
    RETENTION_UNREAD_NOTIFICATION_DAYS = _env_int("RETENTION_UNREAD_NOTIFICATION_DAYS", 365)
    RETENTION_ENDED_SESSION_DAYS = _env_int("RETENTION_ENDED_SESSION_DAYS", 30)  # revoked or expired sign-ins
    RETENTION_PASSWORD_RESET_DAYS = _env_int("RETENTION_PASSWORD_RESET_DAYS", 7)  # after the link expired
    RETENTION_LEFT_MEMBERSHIP_DAYS = _env_int("RETENTION_LEFT_MEMBERSHIP_DAYS", 90)  # read positions of leavers
    RETENTION_SAFETY_FLAG_DAYS = _env_int("RETENTION_SAFETY_FLAG_DAYS", 365)
    RETENTION_AUDIT_DAYS = _env_int("RETENTION_AUDIT_DAYS", 6 * 366)  # six years (docs/decisions.md)

    # {"US": [{"name": "...", "phone": "988"}], ...}: replaces the built-in helplines for a country.
    CRISIS_RESOURCES = json.loads(os.environ.get("CRISIS_RESOURCES_JSON") or "null")
    # Crisis alerts that someone answers (services/alerts.py, docs/safety.md): unacknowledged this long, an
    # alert escalates one step (on-call again, every moderator, then the safeguarding lead by email).
    CRISIS_ESCALATE_MINUTES = _env_int("CRISIS_ESCALATE_MINUTES", 10)
    # A concern (the lower tier) checks in with a person and queues an item at most once in this many hours:
    # the detector's false concerns on ordinary chat must not nag one person or flood the queue.
    CONCERN_CHECK_IN_HOURS = _env_int("CONCERN_CHECK_IN_HOURS", 24)
    SAFEGUARDING_LEAD_EMAIL = os.environ.get("SAFEGUARDING_LEAD_EMAIL") or None
    CONSOLE_URL = os.environ.get("CONSOLE_URL") or None  # e.g. https://peerless.example.org: links in emails
    # When moderators are at work ("Mon-Fri 09:00-17:00, Sat 10:00-13:00", or "always"), in MODERATION_TIMEZONE;
    # outside them (and no one on call) a person in crisis is told nobody may read it soon.
    MODERATION_STAFFED_HOURS = os.environ.get("MODERATION_STAFFED_HOURS", "Mon-Fri 09:00-17:00")
    MODERATION_TIMEZONE = os.environ.get("MODERATION_TIMEZONE", "Europe/London")
    # `flask safety-labels` exports texts only with a documented legal basis set here AND the person's
    # own "safety_research" consent; otherwise features only (docs/safety.md).
    SAFETY_LABELS_TEXT_LEGAL_BASIS = os.environ.get("SAFETY_LABELS_TEXT_LEGAL_BASIS") or None
    SAFETY_RESEARCH_CONSENT_VERSION = os.environ.get("SAFETY_RESEARCH_CONSENT_VERSION", "2026-12")
    MENTOR_ACCREDITATION_DAYS = _env_int("MENTOR_ACCREDITATION_DAYS", 365)
    ACCREDITATION_NOTICE_DAYS = _env_int("ACCREDITATION_NOTICE_DAYS", 30)
    # Self-management courses (docs/courses.md): tutors' accreditation, waitlist offers, completion.
    TUTOR_ACCREDITATION_DAYS = _env_int("TUTOR_ACCREDITATION_DAYS", 365)
    COURSE_OFFER_HOURS = _env_int("COURSE_OFFER_HOURS", 48)
    COURSE_COMPLETION_SESSIONS = _env_int("COURSE_COMPLETION_SESSIONS", 4)  # of the six
    MENTORSHIP_REQUEST_TTL_HOURS = _env_int("MENTORSHIP_REQUEST_TTL_HOURS", 72)
    MENTORSHIP_REMINDER_HOURS = _env_int("MENTORSHIP_REMINDER_HOURS", 24)
    RESOURCE_REVIEW_INTERVAL_DAYS = _env_int("RESOURCE_REVIEW_INTERVAL_DAYS", 365)  # library review cycle

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 256 * 1024)
    # Proxies in front that append X-Forwarded-For/-Proto (1 = nginx alone). 0 trusts none: a client
    # could otherwise name any address and dodge the per-address rate limits (docs/deploy.md).
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    CORS_ORIGINS = _env_list("CORS_ORIGINS")  # browser origins allowed to call the API; none by default

    PASSWORD_RESET_TTL_MINUTES = _env_int("PASSWORD_RESET_TTL_MINUTES", 30)
    APP_RESET_URL = os.environ.get("APP_RESET_URL", "peerless://reset?token={token}")
    SMTP_URL = os.environ.get("SMTP_URL") or None  # smtps://user:pass@host:465; unset: emails are logged
    MAIL_FROM = os.environ.get("MAIL_FROM", "Peerless <no-reply@peerless.invalid>")
    TERMS_VERSION = os.environ.get("TERMS_VERSION", "2026-11")
    HEALTH_DATA_CONSENT_VERSION = os.environ.get("HEALTH_DATA_CONSENT_VERSION", "2026-11")
    MINIMUM_AGE = 16
    # Outcome aggregates: no figure about fewer people than this (docs/outcomes.md); never below 10 in production.
    OUTCOMES_MIN_CELL = _env_int("OUTCOMES_MIN_CELL", 10)
    # Noise on outcome figures (services/disclosure.py): Laplace scale = what one person changes / epsilon.
    OUTCOMES_NOISE = True  # only tests that check exact arithmetic switch it off
    OUTCOMES_EPSILON = float(os.environ.get("OUTCOMES_EPSILON", "1.0"))

    # Operations (docs/operations.md): /metrics answers only this bearer token (404 when unset);
    # crash reports go to Sentry, scrubbed of health data, when SENTRY_DSN is set.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")
    METRICS_PORT = _env_int("METRICS_PORT", 0)  # the push worker's own /metrics port on 127.0.0.1; 0: none
    SENTRY_DSN = os.environ.get("SENTRY_DSN")

    API_TITLE = "Peerless API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "api/v1/openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"  # served locally: the docs page works offline
    OPENAPI_SWAGGER_UI_CONFIG = {"validatorUrl": None}  # no badge fetched from validator.swagger.io
    API_SPEC_OPTIONS = {
        "info": {"description": "Peer support for people living with long-term conditions. Contract: API.md."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }


class TestConfig(Config):
    PEERLESS_ENV = "testing"
    TESTING = True
    JWT_SECRET_KEY = "test-secret-that-is-long-enough-for-hs256-0123"
    PASSWORD_HASH_PROFILE = "cheapest"
    AUTH_RATE_LIMIT = "1000 per minute"
    LOGIN_RATE_LIMIT = LOGIN_RATE_LIMIT_PER_IP = REGISTER_RATE_LIMIT_PER_IP = "1000 per minute"
    REFRESH_RATE_LIMIT = REFRESH_RATE_LIMIT_PER_IP = "1000 per minute"
    MESSAGE_RATE_LIMIT = MESSAGE_RATE_LIMIT_PER_IP = "10000 per minute"
    REQUEST_RATE_LIMIT = REQUEST_RATE_LIMIT_PER_IP = "10000 per minute"
    REPORT_RATE_LIMIT = REPORT_RATE_LIMIT_PER_IP = "10000 per minute"
    REFERRAL_RATE_LIMIT = REFERRAL_RATE_LIMIT_PER_IP = "10000 per minute"
    CHECK_IN_RATE_LIMIT = CHECK_IN_RATE_LIMIT_PER_IP = "10000 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    REALTIME_SWEEP_SECONDS = 0  # no sweeper thread: tests call realtime.sweep(), or turn it on themselves


# Tests raise every per-person and per-address write limit out of the way, and set the ones they test.
for _setting in (f"{action}_RATE_LIMIT{suffix}" for action in RATE_LIMITED_ACTIONS for suffix in ("", "_PER_IP")):
    setattr(TestConfig, _setting, "10000 per minute")
TestConfig.SOCKET_EVENT_RATE_LIMIT = "10000 per minute"


def check_production_settings(config: dict) -> None:
    """Refuse to start a deployment that would sign tokens with a known or weak secret, or publish
    outcome figures about groups small enough to identify people."""
    if config["PEERLESS_ENV"] in ("development", "testing"):
        return
    secret = config.get("JWT_SECRET_KEY") or ""
    if secret == DEV_SECRET or len(secret) < 32:
        raise RuntimeError(
            "JWT_SECRET_KEY must be set to a random value of at least 32 characters "
            "outside development (set PEERLESS_ENV=development for local use)."
        )
    if config.get("OUTCOMES_MIN_CELL", 10) < 10:
        raise RuntimeError("OUTCOMES_MIN_CELL must be at least 10 outside development: smaller groups can identify people.")
    if not config.get("OUTCOMES_NOISE", True) or not 0 < float(config.get("OUTCOMES_EPSILON", 1.0)) <= 2:
        raise RuntimeError("Outcome figures need noise outside development: OUTCOMES_EPSILON between 0 and 2 (default 1).")

"""Password reset: a single-use, expiring emailed token; the same answer for every email; sessions end."""
from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from api.extensions import limiter
from models import AuthSession, Device, PasswordResetToken, User, db, utcnow
from services import email as email_service
from services.email import Email, SmtpEmailSender
from tests.conftest import assert_problem
from tests.factories import PersonFactory

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
LOGIN = "/api/v1/auth/login"
NEW_PASSWORD = "a-brand-new-and-long-passphrase"


class Outbox(list):
    """A fake sender: keeps what would have been emailed."""

    def send(self, message: Email) -> None:
        self.append(message)

    def token(self, index: int = -1) -> str:
        return re.search(r"token=([A-Za-z0-9_-]+)", self[index].text).group(1)


@pytest.fixture
def outbox(app):
    app.extensions[email_service.EXTENSION_KEY] = sent = Outbox()
    return sent


def ask_for_reset(client, email: str):
    return client.post(RESET, json={"email": email})


def confirm(client, token: str, password: str = NEW_PASSWORD):
    return client.post(CONFIRM, json={"token": token, "password": password})


# --- asking for a link ----------------------------------------------------------------------

def test_a_known_email_gets_a_reset_link(client, people, outbox):
    person = people.make()
    response = ask_for_reset(client, person.email.upper())
    assert response.status_code == 202
    assert len(outbox) == 1 and outbox[0].to == person.email
    assert outbox[0].text.count("peerless://reset?token=") == 1


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, people, outbox):
    person = people.make()
    known, unknown = ask_for_reset(client, person.email), ask_for_reset(client, "nobody@example.org")
    assert (unknown.status_code, unknown.json) == (known.status_code, known.json)
    assert len(outbox) == 1


@pytest.mark.parametrize("state", ["suspended_at", "erased_at"])
def test_a_suspended_or_erased_account_gets_no_email_and_the_same_answer(app, client, people, outbox, state):
    person = people.make()
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values({state: utcnow()}))
        db.session.commit()
    response = ask_for_reset(client, person.email)
    assert response.status_code == 202 and outbox == []


def test_only_a_hash_of_the_token_is_stored(app, client, people, outbox):
    person = people.make()
    ask_for_reset(client, person.email)
    token = outbox.token()
    with app.app_context():
        row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == person.id))
    assert len(token) >= 43  # 32 random bytes, base64url
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash


def test_the_token_expires_after_the_configured_minutes(app, client, people, outbox):
    person = people.make()
    ask_for_reset(client, person.email)
    with app.app_context():
        row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == person.id))
    assert row.expires_at - row.created_at == timedelta(minutes=app.config["PASSWORD_RESET_TTL_MINUTES"])


def test_one_account_gets_at_most_three_emails_an_hour(client, people, outbox):
    person = people.make()
    statuses = {ask_for_reset(client, person.email).status_code for _ in range(5)}
    assert statuses == {202} and len(outbox) == 3


def test_reset_requests_are_rate_limited_like_login(make_app):
    app = make_app(AUTH_RATE_LIMIT="2 per minute")
    app.extensions[email_service.EXTENSION_KEY] = Outbox()
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    statuses = [ask_for_reset(client, f"x{i}@example.org").status_code for i in range(3)]
    assert statuses == [202, 202, 429]
    refused = ask_for_reset(client, "y@example.org")
    assert_problem(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) > 0


def test_confirmations_are_rate_limited_like_login(make_app):
    app = make_app(AUTH_RATE_LIMIT="2 per minute")
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    statuses = [confirm(client, f"guess-{i}" * 6).status_code for i in range(3)]
    assert statuses == [400, 400, 429]


@pytest.mark.parametrize("body", [{}, {"email": "not-an-email"}, {"email": 7}, {"email": "a@b.org", "x": 1}])
def test_a_malformed_request_is_a_422_problem(client, body):
    assert_problem(client.post(RESET, json=body), 422)


def test_a_body_that_is_not_json_is_a_400_problem(client):
    assert_problem(client.post(RESET, data="{", content_type="application/json"), 400)


# --- using the link -------------------------------------------------------------------------

def test_the_token_sets_a_new_password(client, people, outbox):
    person = people.make()
    ask_for_reset(client, person.email)
    assert confirm(client, outbox.token()).status_code == 204
    assert client.post(LOGIN, json={"email": person.email, "password": NEW_PASSWORD}).status_code == 200
    assert_problem(client.post(LOGIN, json={"email": person.email, "password": person.password}), 401)


def test_a_reset_ends_every_session(client, people, outbox):
    person = people.make()
    second = client.post(LOGIN, json={"email": person.email, "password": person.password}).json
    ask_for_reset(client, person.email)
    confirm(client, outbox.token())
    assert_problem(client.get("/api/v1/me", headers=person.headers), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}), 401)
    assert_problem(client.post("/api/v1/auth/refresh",
                               headers={"Authorization": f"Bearer {person.refresh_token}"}), 401)


def test_a_reset_removes_the_accounts_devices(app, client, people, outbox):
    person = people.make()
    client.post("/api/v1/devices", json={"token": "fcm-token-1", "platform": "android"}, headers=person.headers)
    ask_for_reset(client, person.email)
    confirm(client, outbox.token())
    with app.app_context():
        assert db.session.scalars(select(Device).where(Device.user_id == person.id)).all() == []
        sessions = db.session.scalars(select(AuthSession).where(AuthSession.user_id == person.id)).all()
        assert sessions and all(s.revoked_at for s in sessions)


def test_a_token_works_once(client, people, outbox):
    person = people.make()
    ask_for_reset(client, person.email)
    token = outbox.token()
    assert confirm(client, token).status_code == 204
    assert_problem(confirm(client, token, "yet-another-long-passphrase"), 400, "invalid_token")


def test_an_expired_token_is_refused(app, client, people, outbox):
    person = people.make()
    ask_for_reset(client, person.email)
    with app.app_context():
        db.session.execute(update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert_problem(confirm(client, outbox.token()), 400, "invalid_token")
    assert client.post(LOGIN, json={"email": person.email, "password": person.password}).status_code == 200


def test_a_reset_invalidates_the_accounts_other_links(client, people, outbox):
    person = people.make()
    ask_for_reset(client, person.email)
    ask_for_reset(client, person.email)
    assert confirm(client, outbox.token(1)).status_code == 204
    assert_problem(confirm(client, outbox.token(0), "yet-another-long-passphrase"), 400, "invalid_token")


def test_an_unknown_token_is_refused(client):
    assert_problem(confirm(client, "made-up-token-" * 3), 400, "invalid_token")


@pytest.mark.parametrize("password", ["short", "password123"])
def test_the_new_password_follows_the_registration_policy(client, people, outbox, password):
    person = people.make()
    ask_for_reset(client, person.email)
    body = assert_problem(confirm(client, outbox.token(), password), 422, "validation_failed")
    assert "password" in body["errors"]
    assert confirm(client, outbox.token()).status_code == 204  # a refused password does not use up the link


def test_a_token_issued_before_suspension_no_longer_works(app, client, people, outbox):
    person = people.make()
    ask_for_reset(client, person.email)
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(suspended_at=utcnow()))
        db.session.commit()
    assert_problem(confirm(client, outbox.token()), 400, "invalid_token")


@pytest.mark.parametrize("body", [{}, {"token": "abc"}, {"token": "", "password": NEW_PASSWORD},
                                  {"token": "a\nb", "password": NEW_PASSWORD}, {"token": 1, "password": 2}])
def test_a_malformed_confirmation_is_a_422_problem(client, body):
    assert_problem(client.post(CONFIRM, json=body), 422)


# --- the email adapter ----------------------------------------------------------------------

def test_the_development_sender_logs_the_link(make_app, caplog):
    app = make_app(PEERLESS_ENV="development")
    person = PersonFactory(app).make()
    with caplog.at_level(logging.INFO, logger="peerless.email"):
        assert ask_for_reset(app.test_client(), person.email).status_code == 202
    logged = [r.getMessage() for r in caplog.records if r.name == "peerless.email"]
    assert len(logged) == 1 and "peerless://reset?token=" in logged[0]


def test_outside_development_the_log_sender_never_logs_the_link_or_the_address(client, people, caplog):
    person = people.make()
    with caplog.at_level(logging.INFO):
        assert ask_for_reset(client, person.email).status_code == 202
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "token=" not in text and person.email not in text
    assert any(r.name == "peerless.email" for r in caplog.records)  # an operator still sees mail is not going out


def test_the_request_log_never_carries_the_token(client, people, outbox, caplog):
    person = people.make()
    ask_for_reset(client, person.email)
    token = outbox.token()
    with caplog.at_level(logging.INFO):
        confirm(client, token)
    assert token not in caplog.text


def test_the_smtp_sender_sends_over_starttls_with_the_urls_credentials(monkeypatch):
    calls = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            calls.append(("connect", host, port))

        def starttls(self, context):
            calls.append(("starttls",))

        def login(self, user, password):
            calls.append(("login", user, password))

        def send_message(self, message):
            calls.append(("send", message["From"], message["To"], message["Subject"]))

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(email_service.smtplib, "SMTP", FakeSMTP)
    sender = SmtpEmailSender("smtp+starttls://mailer:p%40ss@mail.example.org", mail_from="no-reply@example.org",
                             background=False)
    sender.send(Email(to="grace@example.org", subject="Hello", text="Hi"))
    assert calls == [("connect", "mail.example.org", 587), ("starttls",), ("login", "mailer", "p@ss"),
                     ("send", "no-reply@example.org", "grace@example.org", "Hello")]


def test_the_smtp_sender_logs_a_failure_without_the_body(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no server")

    monkeypatch.setattr(email_service.smtplib, "SMTP", refuse)
    sender = SmtpEmailSender("smtp://localhost:2525", mail_from="no-reply@example.org", background=False)
    with caplog.at_level(logging.ERROR, logger="peerless.email"):
        sender.send(Email(to="grace@example.org", subject="Reset", text="token=secret"))
    assert "not delivered" in caplog.text and "secret" not in caplog.text and "grace@" not in caplog.text

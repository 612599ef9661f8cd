"""Console sessions: sign-in, who may enter, cookies, CSRF, silent refresh and sign-out."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services import accounts
from tests.console.helpers import API, csrf_of, post_form, reported_message, sign_in


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


def report_status(client, moderator, report_id: str) -> str:
    return client.get(f"{API}/moderation/reports/{report_id}", headers=moderator.headers).json["status"]


def test_anonymous_visitors_are_sent_to_sign_in_and_come_back_after(client, moderator):
    response = client.get("/console/reports?status=resolved")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/sign-in?next=/console/reports?status%3Dresolved"
    signed_in = sign_in(client, moderator, next_url="/console/reports?status=resolved")
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/console/reports?status=resolved"
    assert client.get("/console/reports?status=resolved").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/console", "//evil.example/console", "/api/v1/me"])
def test_next_never_leaves_the_console(client, moderator, target):
    assert sign_in(client, moderator, next_url=target).headers["Location"] == "/console/"


def test_the_session_cookies_are_httponly_secure_samesite_and_scoped_to_the_console(client, moderator):
    cookies = sign_in(client, moderator).headers.getlist("Set-Cookie")
    assert {c.split("=", 1)[0] for c in cookies} == {"access_token_cookie", "refresh_token_cookie"}
    for cookie in cookies:
        assert {"Secure", "HttpOnly", "Path=/console", "SameSite=Lax"} <= {p.strip() for p in cookie.split(";")}


def test_a_moderator_signs_in_to_the_dashboard(client, moderator):
    sign_in(client, moderator)
    page = client.get("/console/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in html and 'href="#main"' in html
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_a_wrong_password_is_refused_without_a_session(client, moderator):
    page = client.get("/console/sign-in")
    response = client.post("/console/sign-in", data={"csrf_token": csrf_of(page), "email": moderator.email,
                                                     "password": "not-the-password"})
    assert response.status_code == 400
    assert accounts.LOGIN_FAILED in response.get_data(as_text=True)
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("access_token_cookie")]


def test_the_sign_in_form_needs_its_own_token(client, moderator):
    client.get("/console/sign-in")
    response = client.post("/console/sign-in", data={"email": moderator.email, "password": moderator.password})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 303


def test_a_patient_gets_403_and_no_session(client, people):
    patient = people.make()
    response = sign_in(client, patient)
    assert response.status_code == 403
    assert "moderators and admins" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 303  # no cookie was set


def test_a_patient_holding_a_console_cookie_gets_403(client, people):
    patient = people.make()
    client.set_cookie("access_token_cookie", patient.access_token, path="/console")
    response = client.get("/console/reports")
    assert response.status_code == 403
    assert "Staff only" in response.get_data(as_text=True)


def test_the_api_ignores_console_cookies(client, moderator):
    client.set_cookie("access_token_cookie", moderator.access_token, path="/")
    assert client.get(f"{API}/moderation/reports").status_code == 401
    assert client.get(f"{API}/moderation/reports", headers=moderator.headers).status_code == 200


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_form_without_the_right_csrf_token_changes_nothing(client, people, moderator, token):
    *_, report_id = reported_message(client, people)
    sign_in(client, moderator)
    data = {"action": "dismiss"} | ({"csrf_token": token} if token else {})
    response = client.post(f"/console/reports/{report_id}/resolve", data=data)
    assert response.status_code == 400
    assert "could not be verified" in response.get_data(as_text=True)
    assert report_status(client, moderator, report_id) == "open"


def test_a_csrf_token_from_another_session_is_refused(client, app, people, moderator):
    *_, report_id = reported_message(client, people)
    other = app.test_client()
    sign_in(other, people.make(roles=("moderator",)))
    foreign_token = csrf_of(other.get("/console/"))
    sign_in(client, moderator)
    response = client.post(f"/console/reports/{report_id}/resolve", data={"csrf_token": foreign_token,
                                                                         "action": "dismiss"})
    assert response.status_code == 400
    assert report_status(client, moderator, report_id) == "open"


def test_sign_out_ends_the_session_everywhere(client, moderator):
    sign_in(client, moderator)
    cookie = client.get_cookie("access_token_cookie", path="/console").value
    response = post_form(client, "/console/sign-out")
    assert response.status_code == 303 and "notice=signed_out" in response.headers["Location"]
    assert "You are signed out." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/console/").status_code == 303
    # The token itself is revoked server-side, not only forgotten by the browser.
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401


def test_sign_out_needs_the_csrf_token(client, moderator):
    sign_in(client, moderator)
    assert client.post("/console/sign-out").status_code == 400
    assert client.get("/console/").status_code == 200


@pytest.fixture
def expiring_client(make_app):
    """A console whose access tokens are already expired when issued: every request must refresh."""
    app = make_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1))
    return app, app.test_client()


def test_an_expired_access_token_is_refreshed_silently(expiring_client, people, moderator):
    app, client = expiring_client
    sign_in(client, moderator)
    first = client.get_cookie("refresh_token_cookie", path="/console").value
    page = client.get("/console/")
    assert page.status_code == 200
    assert client.get_cookie("refresh_token_cookie", path="/console").value != first  # rotated


def test_a_form_posted_after_expiry_is_accepted_with_its_csrf_token(expiring_client, people, moderator):
    app, client = expiring_client
    *_, report_id = reported_message(client, people)
    sign_in(client, moderator)
    page = client.get(f"/console/reports/{report_id}")  # refreshes; the form carries the new token's CSRF
    response = client.post(f"/console/reports/{report_id}/resolve", data={"csrf_token": csrf_of(page),
                                                                         "action": "dismiss"})
    assert response.status_code == 303
    assert report_status(client, moderator, report_id) == "resolved"


def test_signing_out_after_expiry_leaves_no_session_cookies(expiring_client, people, moderator):
    app, client = expiring_client
    sign_in(client, moderator)
    page = client.get("/console/")
    response = client.post("/console/sign-out", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303
    assert client.get_cookie("access_token_cookie", path="/console") is None
    assert client.get_cookie("refresh_token_cookie", path="/console") is None


def test_a_form_posted_after_expiry_with_a_forged_token_changes_nothing(expiring_client, people, moderator):
    app, client = expiring_client
    *_, report_id = reported_message(client, people)
    sign_in(client, moderator)
    response = client.post(f"/console/reports/{report_id}/resolve", data={"csrf_token": "forged",
                                                                         "action": "dismiss"})
    assert response.status_code == 400
    assert report_status(client, moderator, report_id) == "open"


def test_an_expired_session_that_was_revoked_goes_back_to_sign_in_with_a_message(expiring_client, people, moderator):
    app, client = expiring_client
    sign_in(client, moderator)
    with app.app_context():
        accounts.logout(session_id=_sid(client, app))
    response = client.get("/console/reports")
    assert response.status_code == 303
    assert "notice=ended" in response.headers["Location"]
    assert "Your session has ended" in client.get(response.headers["Location"]).get_data(as_text=True)


def _sid(client, app) -> str:
    from flask_jwt_extended import decode_token

    with app.app_context():
        return decode_token(client.get_cookie("access_token_cookie", path="/console").value, allow_expired=True)["sid"]


def test_sign_in_attempts_share_the_api_login_limit_and_answer_with_a_page(make_app, moderator):
    client = make_app(AUTH_RATE_LIMIT="2 per minute").test_client()
    token = csrf_of(client.get("/console/sign-in"))
    wrong = {"csrf_token": token, "email": moderator.email, "password": "wrong"}
    assert [client.post("/console/sign-in", data=wrong).status_code for _ in range(2)] == [400, 400]
    limited = client.post("/console/sign-in", data=wrong)
    assert limited.status_code == 429 and limited.mimetype == "text/html"
    assert client.get("/console/sign-in").status_code == 200  # reading the form is not limited


def test_a_form_posted_after_expiry_without_a_csrf_token_changes_nothing(expiring_client, people, moderator):
    app, client = expiring_client
    *_, report_id = reported_message(client, people)
    sign_in(client, moderator)
    response = client.post(f"/console/reports/{report_id}/resolve", data={"action": "dismiss"})
    assert response.status_code == 400
    assert report_status(client, moderator, report_id) == "open"


def test_an_access_token_in_the_refresh_cookie_does_not_refresh(client, moderator):
    sign_in(client, moderator)
    access = client.get_cookie("access_token_cookie", path="/console").value
    client.delete_cookie("access_token_cookie", path="/console")
    client.set_cookie("refresh_token_cookie", access, path="/console")
    response = client.get("/console/")
    assert response.status_code == 303 and "notice=ended" in response.headers["Location"]


def test_a_lost_access_cookie_is_replaced_from_the_refresh_cookie(client, moderator):
    sign_in(client, moderator)
    client.delete_cookie("access_token_cookie", path="/console")
    assert client.get("/console/").status_code == 200
    assert client.get_cookie("access_token_cookie", path="/console") is not None

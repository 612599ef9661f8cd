"""Accounts and sessions: register, login, refresh with rotation and reuse detection, logout."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from flask_jwt_extended import create_access_token

from tests.conftest import assert_problem

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
THIS_YEAR = datetime.now(timezone.utc).year


def registration(**overrides) -> dict:
    return {
        "email": "grace@example.org", "password": "correct horse battery", "display_name": "Grace",
        "birth_year": 1980, "accept_terms": True, "consent_health_data": True,
    } | overrides


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client, email: str, password: str):
    return client.post(LOGIN, json={"email": email, "password": password})


# --- register -------------------------------------------------------------------------------

def test_register_returns_the_user_and_a_token_pair(client):
    response = client.post(REGISTER, json=registration())
    assert response.status_code == 201
    body = response.json
    assert set(body) == {"user", "access_token", "refresh_token"}
    user = body["user"]
    assert user["email"] == "grace@example.org" and user["birth_year"] == 1980
    assert user["roles"] == ["patient"] and user["display_name"] == "Grace"
    assert user["settings"]["notifications"]["message_previews"] is False


def test_register_access_token_opens_the_account(client):
    tokens = client.post(REGISTER, json=registration()).json
    assert client.get(ME, headers=bearer(tokens["access_token"])).json["email"] == "grace@example.org"


def test_register_stores_versioned_timestamped_consents(client, app):
    tokens = client.post(REGISTER, json=registration()).json
    consents = client.get("/api/v1/me/export", headers=bearer(tokens["access_token"])).json["consents"]
    assert {(c["kind"], c["version"], c["granted"]) for c in consents} == {
        ("terms", app.config["TERMS_VERSION"], True),
        ("health_data", app.config["HEALTH_DATA_CONSENT_VERSION"], True),
    }
    for consent in consents:
        recorded = datetime.fromisoformat(consent["recorded_at"].replace("Z", "+00:00"))
        assert abs(datetime.now(timezone.utc) - recorded) < timedelta(minutes=1)


def test_register_refuses_someone_under_sixteen(client):
    response = client.post(REGISTER, json=registration(birth_year=THIS_YEAR - 15))
    assert "birth_year" in assert_problem(response, 422, "validation_failed")["errors"]


def test_register_accepts_someone_turning_sixteen_this_year(client):
    assert client.post(REGISTER, json=registration(birth_year=THIS_YEAR - 16)).status_code == 201


@pytest.mark.parametrize("field", ["accept_terms", "consent_health_data"])
def test_register_refuses_missing_consent(client, field):
    body = registration()
    del body[field]
    assert field in assert_problem(client.post(REGISTER, json=body), 422)["errors"]


@pytest.mark.parametrize("field", ["accept_terms", "consent_health_data"])
def test_register_refuses_declined_consent(client, field):
    response = client.post(REGISTER, json=registration(**{field: False}))
    assert field in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("value", [1, "true", "yes"])
def test_register_consent_must_be_json_true(client, value):
    response = client.post(REGISTER, json=registration(accept_terms=value))
    assert "accept_terms" in assert_problem(response, 422)["errors"]


def test_register_refuses_a_password_under_ten_characters(client):
    response = client.post(REGISTER, json=registration(password="short-pw1"))
    assert "password" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "PassWord123", "QWERTYUIOP"])
def test_register_refuses_a_common_password_in_any_case(client, password):
    response = client.post(REGISTER, json=registration(password=password))
    assert "password" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.org", "a b@example.org", ""])
def test_register_refuses_a_bad_email(client, email):
    assert "email" in assert_problem(client.post(REGISTER, json=registration(email=email)), 422)["errors"]


def test_register_refuses_unknown_fields(client):
    response = client.post(REGISTER, json=registration(is_admin=True))
    assert assert_problem(response, 422)["errors"] == {"is_admin": ["Unknown field."]}


@pytest.mark.parametrize("field, value", [
    ("birth_year", "1980"), ("birth_year", 1980.5), ("email", 42), ("display_name", ["Grace"]),
    ("password", None), ("languages", "en"),
])
def test_register_refuses_wrong_types(client, field, value):
    assert field in assert_problem(client.post(REGISTER, json=registration(**{field: value})), 422)["errors"]


def test_register_validation_problem_maps_each_field_to_messages(client):
    response = client.post(REGISTER, json={"email": "nope", "birth_year": "x"})
    problem = assert_problem(response, 422, "validation_failed")
    assert {"email", "birth_year", "password", "display_name"} <= problem["errors"].keys()
    assert all(isinstance(messages, list) and all(isinstance(m, str) for m in messages)
               for messages in problem["errors"].values())


def test_register_refuses_a_duplicate_email_ignoring_case(client):
    client.post(REGISTER, json=registration(email="a@x.org"))
    assert_problem(client.post(REGISTER, json=registration(email="A@X.org")), 409, "conflict")


def test_register_stores_the_email_in_lower_case(client):
    response = client.post(REGISTER, json=registration(email="Grace.M@Example.ORG"))
    assert response.json["user"]["email"] == "grace.m@example.org"


# --- login ----------------------------------------------------------------------------------

def test_login_returns_the_user_and_a_token_pair(client, people):
    person = people.make()
    response = login(client, person.email, person.password)
    assert response.status_code == 200
    assert set(response.json) == {"user", "access_token", "refresh_token"}
    assert response.json["user"]["id"] == person.id
    assert client.get(ME, headers=bearer(response.json["access_token"])).status_code == 200


def test_login_ignores_the_case_of_the_email(client, people):
    person = people.make()
    assert login(client, person.email.upper(), person.password).status_code == 200


def test_login_wrong_password_and_unknown_email_look_the_same(client, people):
    person = people.make()
    wrong_password = assert_problem(login(client, person.email, "not-the-password"), 401)
    unknown_email = assert_problem(login(client, "nobody@example.org", person.password), 401)
    fields = ("type", "title", "detail", "code")
    assert [wrong_password[f] for f in fields] == [unknown_email[f] for f in fields]


# --- refresh --------------------------------------------------------------------------------

def test_refresh_returns_a_new_working_pair(client, people):
    person = people.make()
    response = client.post(REFRESH, headers=bearer(person.refresh_token))
    assert response.status_code == 200
    assert set(response.json) == {"access_token", "refresh_token"}
    assert response.json["refresh_token"] != person.refresh_token
    assert client.get(ME, headers=bearer(response.json["access_token"])).status_code == 200


def test_refresh_twice_with_the_same_token_is_refused(client, people):
    person = people.make()
    client.post(REFRESH, headers=bearer(person.refresh_token))
    assert_problem(client.post(REFRESH, headers=bearer(person.refresh_token)), 401)


def test_reused_refresh_token_revokes_the_rotated_refresh_token(client, people):
    person = people.make()
    rotated = client.post(REFRESH, headers=bearer(person.refresh_token)).json
    client.post(REFRESH, headers=bearer(person.refresh_token))  # replay: someone stole it
    assert_problem(client.post(REFRESH, headers=bearer(rotated["refresh_token"])), 401)


def test_reused_refresh_token_revokes_every_access_token_of_the_session(client, people):
    person = people.make()
    rotated = client.post(REFRESH, headers=bearer(person.refresh_token)).json
    client.post(REFRESH, headers=bearer(person.refresh_token))
    assert_problem(client.get(ME, headers=bearer(rotated["access_token"])), 401)
    assert_problem(client.get(ME, headers=person.headers), 401)


def test_reused_refresh_token_leaves_other_sessions_working(client, people):
    person = people.make()
    other = login(client, person.email, person.password).json
    client.post(REFRESH, headers=bearer(person.refresh_token))
    client.post(REFRESH, headers=bearer(person.refresh_token))
    assert client.get(ME, headers=bearer(other["access_token"])).status_code == 200
    assert client.post(REFRESH, headers=bearer(other["refresh_token"])).status_code == 200


def test_refresh_refuses_an_access_token(client, people):
    assert_problem(client.post(REFRESH, headers=people.make().headers), 401)


def test_refresh_token_does_not_open_the_account(client, people):
    assert_problem(client.get(ME, headers=bearer(people.make().refresh_token)), 401)


def test_refresh_without_a_token_is_401(client):
    assert_problem(client.post(REFRESH), 401)


# --- logout ---------------------------------------------------------------------------------

def test_logout_answers_204_with_no_body(client, people):
    response = client.post(LOGOUT, headers=people.make().headers)
    assert response.status_code == 204 and response.data == b""


def test_logout_ends_the_access_token(client, people):
    person = people.make()
    client.post(LOGOUT, headers=person.headers)
    assert_problem(client.get(ME, headers=person.headers), 401, "token_revoked")


def test_logout_ends_the_refresh_token(client, people):
    person = people.make()
    client.post(LOGOUT, headers=person.headers)
    assert_problem(client.post(REFRESH, headers=bearer(person.refresh_token)), 401)


def test_logout_survives_a_restart(client, people, make_app):
    person = people.make()
    client.post(LOGOUT, headers=person.headers)
    restarted = make_app().test_client()
    assert_problem(restarted.get(ME, headers=person.headers), 401)
    assert_problem(restarted.post(REFRESH, headers=bearer(person.refresh_token)), 401)


def test_logout_leaves_other_sessions_working(client, people):
    person = people.make()
    other = login(client, person.email, person.password).json
    client.post(LOGOUT, headers=person.headers)
    assert client.get(ME, headers=bearer(other["access_token"])).status_code == 200


# --- token errors ---------------------------------------------------------------------------

def test_expired_access_token_is_401_token_expired(make_app, people):
    person = people.make()
    short_lived = make_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1))
    client = short_lived.test_client()
    tokens = login(client, person.email, person.password).json
    response = client.get(ME, headers=bearer(tokens["access_token"]))
    assert_problem(response, 401, "token_expired")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_access_token_for_a_real_session_but_past_expiry_is_401(app, client, people):
    person = people.make()
    session_id = client.get("/api/v1/me/export", headers=person.headers).json["sessions"][0]["id"]
    with app.app_context():
        token = create_access_token(identity=person.id, additional_claims={"sid": session_id},
                                    expires_delta=timedelta(seconds=-5))
    assert_problem(client.get(ME, headers=bearer(token)), 401, "token_expired")


@pytest.mark.parametrize("authorization", ["Bearer garbage", "Bearer a.b.c", "Basic Zm9vOmJhcg==", "Bearer "])
def test_garbage_token_is_a_401_problem_with_www_authenticate(client, authorization):
    response = client.get(ME, headers={"Authorization": authorization})
    assert_problem(response, 401)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_token_is_a_401_problem(client):
    response = client.get(ME)
    assert_problem(response, 401, "unauthorized")
    assert "WWW-Authenticate" in response.headers


def test_token_without_a_session_claim_is_refused(app, client, people):
    person = people.make()
    with app.app_context():
        token = create_access_token(identity=person.id)
    assert_problem(client.get(ME, headers=bearer(token)), 401)


def test_token_signed_with_another_secret_is_refused(make_app, client, people):
    person = people.make()
    impostor = make_app(JWT_SECRET_KEY="another-secret-that-is-long-enough-0123456789")
    with impostor.app_context():
        token = create_access_token(identity=person.id, additional_claims={"sid": "x"})
    assert_problem(client.get(ME, headers=bearer(token)), 401, "invalid_token")


# --- rate limits ----------------------------------------------------------------------------

@pytest.fixture
def limited_client(make_app):
    from api.extensions import limiter

    app = make_app(LOGIN_RATE_LIMIT="3 per minute", REGISTER_RATE_LIMIT_PER_IP="3 per minute",
                   REFRESH_RATE_LIMIT="3 per minute")
    with app.app_context():
        limiter.reset()
    return app.test_client()


def _retry_after(response) -> int:
    value = response.headers["Retry-After"]
    assert value.isdigit(), value
    return int(value)


def test_fourth_login_in_a_minute_is_429_with_retry_after(limited_client):
    for _ in range(3):
        limited_client.post(LOGIN, json={"email": "a@x.org", "password": "whatever-it-is"})
    response = limited_client.post(LOGIN, json={"email": "a@x.org", "password": "whatever-it-is"})
    assert_problem(response, 429, "rate_limited")
    assert 0 < _retry_after(response) <= 61


def test_fourth_registration_in_a_minute_is_429(limited_client):
    for n in range(3):
        limited_client.post(REGISTER, json=registration(email=f"p{n}@x.org"))
    response = limited_client.post(REGISTER, json=registration(email="p9@x.org"))
    assert_problem(response, 429, "rate_limited")
    assert 0 < _retry_after(response) <= 61


def test_fourth_refresh_in_a_minute_is_429(limited_client):
    token = limited_client.post(REGISTER, json=registration()).json["refresh_token"]
    for _ in range(3):
        token = limited_client.post(REFRESH, headers=bearer(token)).json.get("refresh_token", token)
    response = limited_client.post(REFRESH, headers=bearer(token))
    assert_problem(response, 429, "rate_limited")
    assert 0 < _retry_after(response) <= 61


def test_retry_after_is_the_time_left_in_the_window_not_its_length(make_app):
    from api.extensions import limiter

    app = make_app(LOGIN_RATE_LIMIT="2 per 10 seconds")
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    client.post(LOGIN, json={"email": "a@x.org", "password": "whatever-it-is"})
    time.sleep(2.5)
    client.post(LOGIN, json={"email": "a@x.org", "password": "whatever-it-is"})
    response = client.post(LOGIN, json={"email": "a@x.org", "password": "whatever-it-is"})
    assert response.status_code == 429
    assert 1 <= _retry_after(response) <= 8

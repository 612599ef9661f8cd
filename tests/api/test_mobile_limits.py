"""Limits that suit phones (docs/security.md): behind a carrier's NAT hundreds of phones share one
address, so refreshing and signing in are limited per session and per account, not per address."""
from __future__ import annotations

import pytest

from api.config import Config
from api.extensions import limiter
from models import db
from services import accounts
from tests.conftest import assert_problem

REFRESH, LOGIN, REGISTER = "/api/v1/auth/refresh", "/api/v1/auth/login", "/api/v1/auth/register"
NAT = {"REMOTE_ADDR": "100.64.0.1"}  # carrier-grade NAT: every phone here shares this address
PRODUCTION_LIMITS = {name: getattr(Config, name) for name in (
    "AUTH_RATE_LIMIT", "LOGIN_RATE_LIMIT", "LOGIN_RATE_LIMIT_PER_IP", "REGISTER_RATE_LIMIT_PER_IP",
    "REFRESH_RATE_LIMIT", "REFRESH_RATE_LIMIT_PER_IP")}


@pytest.fixture
def phones_app(make_app):
    app = make_app(**PRODUCTION_LIMITS)
    with app.app_context():
        limiter.reset()
    return app


def sessions(app, count: int) -> list[str]:
    """`count` people signed in on their phones (made directly: registering them is not the point here)."""
    tokens = []
    with app.app_context():
        for n in range(count):
            _, pair = accounts.register(email=f"phone{n}@example.org", password="a long passphrase 1",
                                        display_name=f"Phone {n}", birth_year=1980, accept_terms=True,
                                        consent_health_data=True)
            tokens.append(pair.refresh_token)
        db.session.commit()
    return tokens


def test_three_hundred_phones_behind_one_address_refresh_for_two_hours_without_a_429(phones_app):
    client = phones_app.test_client()
    tokens = sessions(phones_app, 300)
    for _ in range(8):  # every 15 minutes for two hours
        for i, token in enumerate(tokens):
            response = client.post(REFRESH, headers={"Authorization": f"Bearer {token}"}, environ_base=NAT)
            assert response.status_code == 200, (i, response.get_json())
            tokens[i] = response.get_json()["refresh_token"]


def test_one_session_refreshing_in_a_loop_is_stopped_and_others_are_not(phones_app):
    client = phones_app.test_client()
    looping, other = sessions(phones_app, 2)
    statuses = []
    for _ in range(31):
        response = client.post(REFRESH, headers={"Authorization": f"Bearer {looping}"}, environ_base=NAT)
        statuses.append(response.status_code)
        looping = (response.get_json() or {}).get("refresh_token", looping)
    assert statuses[:30] == [200] * 30
    assert_problem(response, 429, "rate_limited")
    assert client.post(REFRESH, headers={"Authorization": f"Bearer {other}"}, environ_base=NAT).status_code == 200


def test_password_guessing_is_stopped_per_account_but_not_for_the_people_sharing_the_address(phones_app):
    client = phones_app.test_client()
    sessions(phones_app, 1)
    guesses = [client.post(LOGIN, json={"email": "phone0@example.org", "password": f"guess {n} guess"},
                           environ_base=NAT).status_code for n in range(6)]
    assert guesses == [401] * 5 + [429]
    # The same account from another address is still limited: the limit follows the account.
    elsewhere = client.post(LOGIN, json={"email": " PHONE0@example.org", "password": "x" * 12},
                            environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert_problem(elsewhere, 429, "rate_limited")
    # Forty other people behind the same NAT sign in that minute without trouble.
    for n in range(40):
        response = client.post(LOGIN, json={"email": f"someone{n}@example.org", "password": "x" * 12},
                               environ_base=NAT)
        assert response.status_code == 401  # no such account, and not a 429


def test_a_clinic_group_signs_up_together_on_shared_wifi_but_a_script_does_not(phones_app):
    client = phones_app.test_client()

    def register(n):
        return client.post(REGISTER, environ_base={"REMOTE_ADDR": "192.0.2.44"}, json={
            "email": f"clinic{n}@example.org", "password": "a long passphrase 1", "display_name": f"C{n}",
            "birth_year": 1970, "accept_terms": True, "consent_health_data": True})

    assert [register(n).status_code for n in range(25)] == [201] * 25  # a group of 25 in one minute
    statuses = [register(n).status_code for n in range(25, 40)]
    assert statuses[:5] == [201] * 5 and 429 in statuses  # the 31st in a minute waits


def test_the_rate_limit_key_never_holds_an_email(phones_app):
    with phones_app.test_request_context(LOGIN, method="POST", json={"email": "private.person@example.org"}):
        from api.extensions import _account_in_body

        key = _account_in_body()
    assert key.startswith("account:") and "example.org" not in key and "private" not in key

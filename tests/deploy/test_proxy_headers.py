"""X-Forwarded-For is believed only with TRUSTED_PROXIES set: per-address rate limits key on it."""
from __future__ import annotations

import pytest
from flask import request

from api.extensions import limiter

LOGIN = "/api/v1/auth/login"
WRONG = {"email": "nobody@example.org", "password": "not-the-password"}


def _login_from(client, forwarded_for: str):
    return client.post(LOGIN, json=WRONG, headers={"X-Forwarded-For": forwarded_for})


@pytest.fixture
def limited_app(make_app):
    def build(**overrides):
        app = make_app(LOGIN_RATE_LIMIT_PER_IP="1 per minute", RATELIMIT_ENABLED=True, **overrides)
        with app.app_context():
            limiter.reset()
        return app
    return build


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(limited_app):
    client = limited_app(TRUSTED_PROXIES=1).test_client()
    assert _login_from(client, "203.0.113.7").status_code == 401
    assert _login_from(client, "203.0.113.8").status_code == 401  # another client, its own allowance
    assert _login_from(client, "203.0.113.7").status_code == 429


def test_only_the_trusted_hop_is_believed(limited_app):
    # nginx appends the address it saw; a client's own X-Forwarded-For entries come before it.
    client = limited_app(TRUSTED_PROXIES=1).test_client()
    assert _login_from(client, "198.51.100.1, 203.0.113.7").status_code == 401
    assert _login_from(client, "198.51.100.2, 203.0.113.7").status_code == 429


def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(limited_app):
    client = limited_app().test_client()
    assert _login_from(client, "203.0.113.7").status_code == 401
    assert _login_from(client, "203.0.113.8").status_code == 429  # still keyed on the real peer address


def test_forwarded_proto_sets_the_scheme_only_when_trusted(make_app):
    def scheme_seen(app) -> str:
        app.add_url_rule("/__scheme", "scheme", lambda: request.scheme)
        return app.test_client().get("/__scheme", headers={"X-Forwarded-Proto": "https"}).get_data(as_text=True)

    assert scheme_seen(make_app(TRUSTED_PROXIES=1)) == "https"
    assert scheme_seen(make_app()) == "http"

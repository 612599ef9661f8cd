"""Security headers on every response, the docs page's CSP, CORS for configured origins, body size limits."""
from __future__ import annotations

import base64
import hashlib
import re
import uuid

import pytest

from api import create_app
from api.config import TestConfig
from tests.conftest import assert_problem
from tests.factories import befriend

ALLOWED = "https://app.peerless.example"
OTHER = "https://evil.example"
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture
def cors_client(make_app):
    return make_app(CORS_ORIGINS=[ALLOWED]).test_client()


def preflight(client, path: str, origin: str, method: str = "POST"):
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": "authorization, content-type"})


# --- headers on every response --------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/healthz"), ("GET", "/docs"), ("GET", "/api/v1/openapi.json"), ("GET", "/docs/assets/swagger-ui.css"),
    ("GET", "/api/v1/no-such-thing"), ("GET", "/api/v1/me"), ("POST", "/api/v1/auth/login"), ("DELETE", "/healthz"),
])
def test_every_response_carries_the_base_headers(client, method, path):
    with client.open(path, method=method) as response:  # closes a static file's handle
        for name, value in BASE_HEADERS.items():
            assert response.headers.get(name) == value, (path, name)


def test_json_responses_forbid_loading_anything_and_framing(client):
    policy = client.get("/healthz").headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_authenticated_responses_are_not_stored(client, people):
    person = people.make()
    assert client.get("/api/v1/me", headers=person.headers).headers["Cache-Control"] == "no-store"
    assert client.get("/healthz", headers=person.headers).headers["Cache-Control"] == "no-store"


def test_every_api_response_is_not_stored_even_an_error(client):
    assert client.get("/api/v1/conditions").headers["Cache-Control"] == "no-store"
    assert client.post("/api/v1/auth/login", json={}).headers["Cache-Control"] == "no-store"


def test_an_anonymous_health_check_may_be_cached(client):
    assert "no-store" not in client.get("/healthz").headers.get("Cache-Control", "")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    assert "max-age=" in client.get("/healthz", base_url="https://localhost").headers["Strict-Transport-Security"]
    behind_proxy = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in behind_proxy.headers["Strict-Transport-Security"]


# --- the docs page --------------------------------------------------------------------------

def test_the_docs_page_allows_only_its_own_assets_and_its_inline_script(client):
    response = client.get("/docs")
    html, policy = response.get_data(as_text=True), response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    for name in ("style-src", "connect-src"):
        assert directives[name] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert "unsafe" not in policy and "*" not in policy
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert inline, "the page starts Swagger UI from an inline script"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in directives["script-src"]


def test_the_docs_page_loads_nothing_from_elsewhere(client):
    html = client.get("/docs").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/docs/assets/") for url in urls)
    for url in urls:
        with client.get(url) as asset:
            assert asset.status_code == 200
    assert re.search(r'"validatorUrl":\s*null', html)  # no badge fetched from validator.swagger.io


# --- CORS -----------------------------------------------------------------------------------

def test_without_configured_origins_no_cors_headers_are_sent(client):
    response = client.get("/healthz", headers={"Origin": ALLOWED})
    assert not [h for h in response.headers.keys() if h.startswith("Access-Control-")]


def test_a_configured_origin_is_echoed_and_responses_vary_by_origin(cors_client):
    response = cors_client.get("/healthz", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_an_error_answer_to_a_configured_origin_is_readable_too(cors_client):
    response = cors_client.get("/api/v1/me", headers={"Origin": ALLOWED})
    assert_problem(response, 401)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_another_origin_gets_no_cors_headers(cors_client):
    response = cors_client.get("/healthz", headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_from_a_configured_origin_is_answered_204(cors_client):
    response = preflight(cors_client, "/api/v1/auth/login", ALLOWED)
    assert response.status_code == 204 and response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"POST", "PATCH", "DELETE"} <= methods
    allowed_headers = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers


def test_a_preflight_from_another_origin_gets_no_cors_headers(cors_client):
    response = preflight(cors_client, "/api/v1/auth/login", OTHER)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_preflights_do_not_use_up_the_login_rate_limit(make_app):
    client = make_app(CORS_ORIGINS=[ALLOWED], LOGIN_RATE_LIMIT="2 per minute").test_client()
    for _ in range(3):
        assert preflight(client, "/api/v1/auth/login", ALLOWED).status_code == 204
    login = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": "x" * 12},
                        headers={"Origin": ALLOWED})
    assert_problem(login, 401)


def test_native_apps_sending_no_origin_are_unaffected(cors_client, people):
    person = people.make()
    response = cors_client.get("/api/v1/me", headers=person.headers)
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers


def test_a_wildcard_origin_is_refused_at_startup(database_url):
    with pytest.raises(RuntimeError, match="CORS_ORIGINS"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, CORS_ORIGINS=["*"])


# --- request size ---------------------------------------------------------------------------

def too_large(client) -> str:
    return "x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/password-reset",
                                  "/api/v1/reports"])
def test_a_body_over_the_limit_is_a_413_problem(client, people, path):
    response = client.post(path, json={"email": too_large(client)}, headers=people.make().headers)
    assert_problem(response, 413, "payload_too_large")


def test_a_message_over_the_body_limit_is_a_413_problem(client, people):
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    response = client.post(f"/api/v1/conversations/{conversation}/messages", headers=a.headers,
                           json={"client_msg_id": str(uuid.uuid4()), "body": too_large(client)})
    assert_problem(response, 413, "payload_too_large")


def test_a_large_patch_is_a_413_problem(client, people):
    person = people.make()
    assert_problem(client.patch("/api/v1/me", json={"bio": too_large(client)}, headers=person.headers), 413)

"""Operations: health checks, request log, command line, production settings, the API docs."""
from __future__ import annotations

import json
import logging
import re

import pytest

from api import create_app
from api.config import DEV_SECRET, Config
from tests.conftest import assert_problem

# Issue 2's part of the contract (API.md); later issues add theirs.
FOUNDATION_ROUTES = [
    ("get", "/healthz"), ("get", "/readyz"),
    ("post", "/api/v1/auth/register"), ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"), ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"), ("patch", "/api/v1/me"), ("delete", "/api/v1/me"),
    ("put", "/api/v1/me/conditions"), ("get", "/api/v1/me/export"),
    ("get", "/api/v1/conditions"), ("get", "/api/v1/users/{id}"),
]


def _normalised(path: str) -> str:
    """`/users/<id:user_id>` and `/users/{user_id}` both become `/users/{}`."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


# --- health ---------------------------------------------------------------------------------

def test_healthz_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_the_database_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["checks"]["database"] == "ok"


def test_readyz_is_a_503_problem_when_the_database_is_unreachable(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/peerless.db").test_client()
    response = client.get("/readyz")
    assert "database" in assert_problem(response, 503, "not_ready")["detail"]
    assert response.headers["Retry-After"].isdigit()


def test_readyz_is_a_503_problem_when_redis_is_configured_but_unreachable(make_app):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    assert "redis" in assert_problem(client.get("/readyz"), 503, "not_ready")["detail"]


def test_healthz_stays_up_when_the_database_is_unreachable(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/peerless.db").test_client()
    assert client.get("/healthz").status_code == 200


def test_api_route_is_a_503_problem_when_the_database_is_unreachable(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/peerless.db").test_client()
    assert_problem(client.get("/api/v1/conditions"), 503)


# --- request log ----------------------------------------------------------------------------

@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="peerless.request")

    def lines() -> list[dict]:
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "peerless.request"]

    return lines


def test_each_request_logs_one_json_line(client, request_log):
    client.get("/healthz")
    (line,) = request_log()
    assert line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert isinstance(line["duration_ms"], (int, float)) and line["request_id"]


def test_request_log_has_the_status_of_errors_too(client, request_log):
    client.get("/api/v1/nope")
    assert [line["status"] for line in request_log()] == [404]


def test_request_log_never_holds_the_query_string(client, request_log):
    client.get("/api/v1/conditions?q=hiv")
    (line,) = request_log()
    assert line["path"] == "/api/v1/conditions"
    assert "hiv" not in json.dumps(line)


def test_request_log_never_holds_passwords_or_tokens(client, people, request_log, caplog):
    person = people.make()
    tokens = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password}).json
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert len(request_log()) == 3
    logged = caplog.text
    for secret in (person.password, tokens["access_token"], tokens["refresh_token"], person.email):
        assert secret not in logged


def test_request_id_is_echoed(client, request_log):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert request_log()[0]["request_id"] == "abc-123"


def test_request_id_is_made_up_when_missing(client):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz").headers["X-Request-ID"])


@pytest.mark.parametrize("incoming", ["x" * 65, "a b", "<script>", "a;b"])
def test_unsafe_request_id_is_replaced(client, incoming):
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] != incoming


# --- command line ---------------------------------------------------------------------------

def test_create_user_makes_a_moderator_who_can_log_in(app, client):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "Amira@Example.org", "--password", "a-long-staff-password", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    response = client.post("/api/v1/auth/login", json={"email": "amira@example.org", "password": "a-long-staff-password"})
    assert response.status_code == 200
    assert response.json["user"]["roles"] == ["moderator", "patient"]


def test_create_user_refuses_a_common_password(app):
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "a@example.org", "--password", "password123"])
    assert result.exit_code != 0 and "common" in result.output


def test_create_user_refuses_an_existing_email(app, people):
    person = people.make()
    result = app.test_cli_runner().invoke(args=["create-user", "--email", person.email, "--password", "a-long-staff-password"])
    assert result.exit_code != 0


def _demo_logins(output: str) -> dict[str, list[str]]:
    found = re.findall(r"^\s+(\S+@demo\.peerless\.example)\s+(.*)$", output, flags=re.MULTILINE)
    return {email: [r.strip() for r in roles.split(",")] for email, roles in found}


# --- production settings --------------------------------------------------------------------

@pytest.mark.parametrize("secret", [DEV_SECRET, "", "too-short-0123456789"])
def test_production_refuses_a_default_or_weak_secret(database_url, secret):
    with pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
        create_app(Config, PEERLESS_ENV="production", JWT_SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI=database_url)


def test_production_refuses_the_default_secret_from_a_config_class(database_url):
    class Production(Config):
        PEERLESS_ENV = "production"
        JWT_SECRET_KEY = DEV_SECRET
        SQLALCHEMY_DATABASE_URI = database_url

    with pytest.raises(RuntimeError):
        create_app(Production)


def test_production_starts_with_a_strong_secret(database_url):
    app = create_app(Config, PEERLESS_ENV="production", JWT_SECRET_KEY="s" * 48,
                     SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_STORAGE_URI="memory://")
    assert app.test_client().get("/healthz").status_code == 200


# --- API docs -------------------------------------------------------------------------------

def test_openapi_document_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.") and spec["info"]["title"]


@pytest.mark.parametrize("method, path", FOUNDATION_ROUTES)
def test_openapi_document_describes_each_foundation_route(spec, method, path):
    paths = {_normalised(p): operations for p, operations in spec["paths"].items()}
    assert method in paths[_normalised(path)]


def test_every_served_api_route_is_documented(app, spec):
    documented = {(_normalised(path), method.upper()) for path, operations in spec["paths"].items()
                  for method in operations}
    served = {(_normalised(rule.rule), method) for rule in app.url_map.iter_rules()
              if (rule.rule.startswith("/api/v1/") or rule.rule in ("/healthz", "/readyz"))
              and rule.rule != "/api/v1/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - documented == set()


def test_errors_are_documented_as_problem_json(spec):
    responses = spec["components"]["responses"]
    assert "application/problem+json" in responses["UNPROCESSABLE_ENTITY"]["content"]


def test_docs_page_is_html_with_local_assets(client):
    response = client.get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    scripts = re.findall(r'src="([^"]+)"', page)
    assert "/docs/assets/swagger-ui-bundle.js" in scripts
    assert all(src.startswith("/") for src in scripts)
    assert "/api/v1/openapi.json" in page


@pytest.mark.parametrize("asset", ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"])
def test_docs_assets_are_served_locally(client, asset):
    with client.get(f"/docs/assets/{asset}") as response:
        assert response.status_code == 200 and len(response.data) > 1000

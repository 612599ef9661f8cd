"""Fixtures: a fresh, fully migrated database per test (SQLite file, or PostgreSQL when DATABASE_URL says so)."""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import create_app
from api.config import TestConfig
from api.extensions import limiter
from models import db
from tests.factories import PersonFactory

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
USE_POSTGRES = POSTGRES_URL.startswith("postgresql")


def build_test_app(database_url: str, **overrides):
    redis_url = os.environ.get("REDIS_URL")
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url}
    if redis_url:
        # The storage's own prefix too: limiter.reset() deletes every key under it, and other test
        # runs share this Redis (with the default "LIMITS" one run's reset wipes another's counts).
        prefix = uuid.uuid4().hex
        settings |= {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix,
                     "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"LIMITS-{prefix}"}}
    return create_app(TestConfig, **(settings | overrides))


def _migrate(database_url: str) -> None:
    app = build_test_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    # Alembic's env.py calls logging.config.fileConfig(), which disables every logger that already
    # exists, our request log among them; a deployment migrates in its own process and never sees this.
    for name in list(logging.root.manager.loggerDict):
        if name == "peerless" or name.startswith("peerless."):
            logging.getLogger(name).disabled = False


def migrated_database() -> tuple[str, callable]:
    """A new, fully migrated database outside the fixtures (for module-level apps such as
    schemathesis needs); returns its URL and a function that drops it."""
    if USE_POSTGRES:
        name = f"peerless_module_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        directory = tempfile.mkdtemp(prefix="peerless-")
        url = f"sqlite:///{directory}/peerless.db"

        def drop():
            shutil.rmtree(directory, ignore_errors=True)
    _migrate(url)
    return url, drop


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Run the real migrations once; each test starts from a copy of the result."""
    if USE_POSTGRES:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        template = f"peerless_template_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{template}"'))
        _migrate(make_url(POSTGRES_URL).set(database=template).render_as_string(hide_password=False))
        yield template
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _migrate(f"sqlite:///{path}")
        yield path


def _copy_strategy(conn) -> str:
    """PostgreSQL 15 copies a template through the WAL by default; copying its files is about twice as
    fast for a database this small, and every test makes one."""
    return " STRATEGY FILE_COPY" if conn.dialect.server_version_info >= (15,) else ""


@pytest.fixture
def database_url(database_template, tmp_path):
    if USE_POSTGRES:
        name = f"peerless_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{database_template}"{_copy_strategy(conn)}'))
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "peerless.db"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url):
    """Build another app instance on the same database (a restart, or a second process)."""
    apps = []

    def build(**overrides):
        app = build_test_app(database_url, **overrides)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        limiter.reset()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def people(app):
    """`people.make(**overrides)` registers someone and returns their id, email, password and auth headers."""
    return PersonFactory(app)


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is an RFC 9457 problem document with this status (and code); returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body

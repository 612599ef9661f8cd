"""The Flask application factory."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import flask_swagger_ui
from flask import Flask, send_from_directory
import orjson
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from api import presence  # noqa: F401 - its Socket.IO handlers must exist before any init_app
from api import sqlite
from api.auth import jwt
from api.config import INSTANCE_DIR, Config, check_production_settings
from api.errors import register_error_handlers
from api.extensions import api, limiter, migrate
from api.realtime import init_realtime
from api.request_log import register_request_log
from api.metrics import register_metrics
from api.error_reporting import init_error_reporting
from api.openapi import OperationIdPlugin
from api.schemas.common import ID_PATTERN
from api.security import register_security
from models import db

SWAGGER_ASSETS = Path(flask_swagger_ui.__file__).parent / "dist"


class IdConverter(BaseConverter):
    """`<id:x>` matches only UUID strings, so anything else in a path is a plain 404."""

    regex = ID_PATTERN


class JSONProvider(DefaultJSONProvider):
    """Answers are written by orjson, keys in the order the schema gives them (not sorted): several
    times faster than the standard library on the big answers (`/sync`, lists). Datetimes leave as
    ISO 8601 UTC with a Z wherever they appear (Flask's default is RFC 822); schemas have usually
    written them already. Requests are still read by the standard library's parser."""

    OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # datetimes go through `default`, in UTC with a Z

    @staticmethod
    def default(o):
        if isinstance(o, datetime):
            return o.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        return DefaultJSONProvider.default(o)

    def dumps(self, obj, **kwargs) -> str:
        return orjson.dumps(obj, default=self.default, option=self.OPTIONS).decode()

    def response(self, *args, **kwargs):
        body = orjson.dumps(self._prepare_response_obj(args, kwargs), default=self.default, option=self.OPTIONS)
        return self._app.response_class(body, mimetype=self.mimetype)


def create_app(config: type[Config] = Config, **overrides) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.json = JSONProvider(app)
    app.config.from_object(config)
    app.config.update(overrides)
    check_production_settings(app.config)
    app.url_map.converters["id"] = IdConverter
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_log(app)
    register_metrics(app)
    init_error_reporting(app)
    register_security(app)
    register_commands(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind nginx, take the client address and scheme from the last TRUSTED_PROXIES hops of
    X-Forwarded-For/-Proto; wraps the whole app (Socket.IO included), so it goes last."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    is_sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if is_sqlite:
        sqlite.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    jwt.init_app(app)
    limiter.init_app(app)
    api.init_app(app, spec_kwargs={"extra_plugins": [OperationIdPlugin()]})
    init_realtime(app)
    app.add_url_rule("/docs/assets/<path:filename>", "swagger_assets",
                     lambda filename: send_from_directory(SWAGGER_ASSETS, filename))
    if is_sqlite:
        with app.app_context():
            sqlite.install(db.engine)


def register_blueprints(app: Flask) -> None:
    from api import (
        accounts, blocks, check_ins, conditions, connections, conversations, courses, devices, groups, health, mentoring,
        moderation, organisations, outcomes, password_reset, resources, support_requests, users,
    )

    for module in (health, accounts, password_reset, users, conditions, connections, conversations, blocks, devices,
                   mentoring, groups, support_requests, moderation, organisations, resources, check_ins, outcomes,
                   courses):
        api.register_blueprint(module.blp)
    from api import console  # HTML pages for staff: a plain blueprint, outside the OpenAPI document

    app.register_blueprint(console.bp)


def register_commands(app: Flask) -> None:
    from api import cli, push_cli

    for command in cli.commands + push_cli.commands:
        app.cli.add_command(command)
    if app.config["PUSH_WORKER_IN_PROCESS"]:
        push_cli.start_in_process_worker(app)

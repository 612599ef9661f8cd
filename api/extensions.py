"""Extension objects, created unbound and attached in create_app()."""
from __future__ import annotations

import hashlib
import http
from copy import deepcopy
from functools import wraps

from flask import current_app, g, request
from flask_jwt_extended import get_jwt, get_jwt_identity
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_socketio import rooms
from flask_migrate import Migrate
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from limits import parse_many

from api.errors import PROBLEM_MIMETYPE, http_problem
from api.schemas.common import ProblemSchema


class ProblemApi(Api):
    """flask-smorest, answering and documenting every error as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return http_problem(error)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = ProblemApi()
migrate = Migrate(render_as_batch=True, compare_type=True)
limiter = Limiter(key_func=get_remote_address)

PUBLIC = {"security": []}  # `@blp.doc(**PUBLIC)`: everything else needs a bearer token


def per_user_and_ip(setting: str):
    """Limit a signed-in action per person (`setting`) and per client address (`setting`_PER_IP).

    Goes below `@jwt_required()`, so the person is known when the limit is checked; carrier NAT
    puts many phones behind one address, hence the separate, looser per-address limit. Shared: every
    route with the same setting draws on one allowance (editing and deleting messages are one budget).
    """
    return _per_person_and_ip(setting, _person)


def per_staff_and_ip(setting: str):
    """`per_user_and_ip` for the console's form posts, whose person comes from the console session
    (set by the console's before_request, so it is known when the limit is checked)."""
    return _per_person_and_ip(setting, _console_person)


def _per_person_and_ip(setting: str, person):
    def decorate(view):
        view = limiter.shared_limit(lambda: current_app.config[setting], scope=setting, key_func=person)(view)
        view = limiter.shared_limit(lambda: current_app.config[f"{setting}_PER_IP"], scope=f"{setting}_PER_IP")(view)
        return _documents_429(view)
    return decorate


def per_session_and_ip(setting: str):
    """Limit token refreshes per session (the refresh token's family, `setting`) and, very loosely, per
    address (`setting`_PER_IP). Goes below `@jwt_required(refresh=True)`. Keyed on the session, not the
    address: behind a carrier's NAT hundreds of phones share one address and each refreshes every
    15 minutes (docs/security.md)."""
    return _per_person_and_ip(setting, _session_family)


def per_account_and_ip(setting: str):
    """Limit sign-in attempts per account named in the body (`setting`) and more loosely per address
    (`setting`_PER_IP): password guessing is stopped per account, and a shared address is not."""
    return _per_person_and_ip(setting, _account_in_body)


def _documents_429(view):
    """Put the 429 in the OpenAPI document, as `@blp.alt_response(429)` would (flask-smorest reads `_apidoc`)."""
    view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    responses = view._apidoc.setdefault("response", {}).setdefault("responses", {})
    responses.setdefault(429, []).append({"description": "Too many requests: try again after Retry-After seconds",
                                          "content_type": None})
    return view


def socket_event_limit(setting: str):
    """Socket.IO events are writes too, but no HTTP route: each counts against `setting` per person
    (the socket's user room). Over the limit the event is dropped and its acknowledgement says so."""
    def decorate(handler):
        @wraps(handler)
        def limited(*args):
            if not _socket_event_allowed(setting):
                return {"ok": False, "error": "rate_limited"}
            return handler(*args)
        return limited
    return decorate


def _socket_event_allowed(setting: str) -> bool:
    if not limiter.enabled:
        return True
    person = next((room for room in rooms() if room.startswith("user:")), f"socket:{request.sid}")
    return all(limiter.limiter.hit(item, setting, person) for item in parse_many(current_app.config[setting]))


def _person() -> str:
    return f"user:{get_jwt_identity()}"


def _session_family() -> str:
    return f"session:{get_jwt().get('sid')}"


def _account_in_body() -> str:
    """The account an anonymous request names, hashed (rate-limit keys live in Redis, emails must not)."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        return f"address:{get_remote_address()}"
    return "account:" + hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _console_person() -> str:
    return f"user:{g.console.user.id}"


__all__ = ["api", "migrate", "limiter", "Blueprint", "PUBLIC", "per_account_and_ip", "per_session_and_ip",
           "per_staff_and_ip", "per_user_and_ip",
           "socket_event_limit"]

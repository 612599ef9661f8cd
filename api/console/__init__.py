"""The moderator console: server-rendered pages at /console for moderators and admins.

A plain Flask blueprint (not in the OpenAPI document). Each page calls the same services as the API;
forms are validated with the API's own marshmallow schemas. Sessions and CSRF: see session.py and
docs/console.md.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from api.console import session
from models import Role, Severity, db
from services.errors import ServiceError

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")

PUBLIC_ENDPOINTS = {"console.sign_in", "console.static"}
SEVERITY_NAMES = {Severity.HIGH: "High", Severity.NORMAL: "Normal", Severity.LOW: "Low"}
SIGN_IN_NOTICES = {
    "expired": "Your session expired. Sign in again to carry on.",
    "ended": "Your session has ended. Sign in again to carry on.",
    "signed_out": "You are signed out.",
}


@bp.before_request
def require_staff():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    try:
        g.console = session.authenticate()
    except session.SessionEnded as ended:
        return _to_sign_in(ended.reason)
    except session.FormForged:
        return error_page(400, "This form could not be verified",
                          "It was not sent from this console, or the page was too old. Reload the page and try again.")
    if not g.console.user.is_staff:
        return error_page(403, "Staff only", "The console is for moderators and admins.")
    return None


@bp.after_request
def set_cookies(response):
    console = g.get("console")
    if console is not None and console.new_tokens is not None:
        session.store_tokens(response, console.new_tokens)
    session.remember_sign_in_token(response)
    return response


# (endpoint, label, admins only). Pages whose routes are not registered (yet) are left out of the menu.
NAV = [("console.dashboard", "Dashboard", False), ("console.report_queue", "Reports", False),
       ("console.mentor_applications", "Mentor applications", False),
       ("console.accreditation", "Accreditation", False), ("console.circles", "Circles", False),
       ("console.resources_list", "Resources", False), ("console.outcomes_page", "Outcomes", False),
       ("console.tutor_applications", "Tutor applications", False), ("console.courses", "Courses", False),
       ("console.audit_log", "Audit log", True)]


@bp.context_processor
def console_context():
    console = g.get("console")
    if console is None:
        return {}
    is_admin = console.user.has_role(Role.ADMIN)
    nav = [(endpoint, label) for endpoint, label, admin_only in NAV
           if endpoint in current_app.view_functions and (is_admin or not admin_only)]
    return {"staff": console.user, "csrf_token": console.csrf_token, "is_admin": is_admin, "nav": nav}


@bp.app_template_filter("console_severity")
def severity_name(level: int) -> str:
    return SEVERITY_NAMES.get(level, str(level))


@bp.app_template_filter("console_time")
def format_time(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    db.session.rollback()
    return error_page(error.status, error.title, error.detail)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return error_page(error.code or 500, error.name, error.description)


def error_page(status: int, title: str, detail: str):
    return render_template("console/error.html", status=status, title=title, detail=detail), status


def _to_sign_in(reason: str):
    is_page = request.method == "GET"
    response = redirect(url_for("console.sign_in", next=request.full_path.rstrip("?") if is_page else None,
                                notice=None if reason == "anonymous" else reason), 303)
    if reason != "anonymous":
        session.clear_tokens(response)
    return response


def safe_next(target: str | None) -> str:
    """Only a path inside the console: `next` must never send a signed-in moderator elsewhere."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/console") or target.startswith("//"):
        return url_for("console.dashboard")
    return target


def parse_form(schema: Schema, fields: tuple[str, ...]) -> dict:
    """The form's fields through the API's schema; blank optional text is absent, not empty."""
    data = {name: request.form[name].strip() for name in fields if request.form.get(name, "").strip()}
    return schema.load(data)


def form_errors(error: ValidationError) -> str:
    return "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in error.messages.items())


from api.console import (  # noqa: E402,F401 - the routes
    audit_log, auth_views, circles, courses, dashboard, mentors, outcomes, reports, resources,
)

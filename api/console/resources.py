"""The evidence library editor: search, overdue reviews, write, publish, archive and record reviews."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.console import bp, form_errors
from api.extensions import per_staff_and_ip
from api.schemas.resources import EVIDENCE_LEVELS, STATUSES, ResourceCreateSchema, ResourceUpdateSchema
from models import db
from services import conditions, resources
from services.errors import InvalidInputError

TEXT_FIELDS = ("title", "url", "body", "evidence_level", "language", "status")
ALL_CONDITIONS = 500  # the whole taxonomy (about 135 entries) in one list


@bp.get("/resources")
def resources_list():
    """Overdue reviews, then the library by status."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else "published"
    q = (request.args.get("q") or "").strip()[:100] or None
    page = resources.search(g.console.user, q=q, status=status, cursor=request.args.get("cursor") or None)
    return render_template("console/resources.html", page=page, status=status, statuses=STATUSES, q=q,
                           overdue=resources.overdue_reviews(g.console.user), done=request.args.get("done"))


@bp.get("/resources/new")
def new_resource():
    """An empty editor."""
    return _editor(None, {"status": "draft", "language": "en", "condition_ids": []})


@bp.post("/resources/new")
@per_staff_and_ip("RESOURCE_RATE_LIMIT")
def create_resource():
    """Add a resource (a draft, or published at once)."""
    try:
        created = resources.create(g.console.user, **ResourceCreateSchema().load(_form(blank_as_none=False)))
    except (ValidationError, InvalidInputError) as invalid:
        db.session.rollback()
        return _editor(None, _submitted(), error=_message(invalid), status=422)
    return redirect(url_for("console.edit_resource", resource_id=created.id, done="saved"), 303)


@bp.get("/resources/<id:resource_id>")
def edit_resource(resource_id: str):
    """The editor for one resource."""
    view = resources.get(g.console.user, resource_id)
    return _editor(view, {**{name: getattr(view, name) for name in TEXT_FIELDS}, "condition_ids": view.condition_ids},
                   done=request.args.get("done"))


@bp.post("/resources/<id:resource_id>")
@per_staff_and_ip("RESOURCE_RATE_LIMIT")
def update_resource(resource_id: str):
    """Save the editor: content, status, conditions."""
    try:
        resources.update(g.console.user, resource_id, **ResourceUpdateSchema().load(_form(blank_as_none=True)))
    except (ValidationError, InvalidInputError) as invalid:
        db.session.rollback()
        return _editor(resources.get(g.console.user, resource_id), _submitted(), error=_message(invalid), status=422)
    return redirect(url_for("console.edit_resource", resource_id=resource_id, done="saved"), 303)


@bp.post("/resources/<id:resource_id>/review")
@per_staff_and_ip("RESOURCE_RATE_LIMIT")
def review_resource(resource_id: str):
    """Record that a resource was reviewed now."""
    resources.update(g.console.user, resource_id, reviewed=True)
    return redirect(url_for("console.resources_list", done="reviewed"), 303)


def _form(*, blank_as_none: bool) -> dict:
    """The editor's fields. On an edit, an emptied link or text is cleared (None), not left as it was."""
    data = {}
    for name in TEXT_FIELDS:
        value = request.form.get(name, "").strip()
        if value:
            data[name] = value
        elif blank_as_none and name in ("url", "body"):
            data[name] = None
    data["condition_ids"] = request.form.getlist("condition_ids")
    return data


def _submitted() -> dict:
    return {**{name: request.form.get(name, "") for name in TEXT_FIELDS},
            "condition_ids": request.form.getlist("condition_ids")}


def _message(invalid) -> str:
    return form_errors(invalid) if isinstance(invalid, ValidationError) else invalid.detail


def _editor(view, values: dict, *, error: str | None = None, done: str | None = None, status: int = 200):
    every_condition = conditions.search_conditions(limit=ALL_CONDITIONS).items
    return render_template("console/resource.html", view=view, values=values, error=error, done=done,
                           conditions=every_condition, evidence_levels=EVIDENCE_LEVELS, statuses=STATUSES), status

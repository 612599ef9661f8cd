"""Mentor applications (approve or reject, with a note) and accreditation renewal."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.console import bp, form_errors, parse_form
from api.extensions import per_staff_and_ip
from api.schemas.mentoring import DecisionSchema
from models import db
from services import conditions, mentors
from services.errors import ConflictError

STATUSES = ("pending", "approved", "rejected")


@bp.get("/mentors")
def mentor_applications(*, error: str | None = None, status_code: int = 200):
    """Mentor applications by status, oldest first, with approve and reject."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else "pending"
    page = mentors.list_applications(g.console.user, status=status, cursor=request.args.get("cursor") or None)
    names = conditions.names_of({cid for application in page.items for cid in application.condition_ids})
    return render_template("console/mentors.html", page=page, status=status, statuses=STATUSES,
                           condition_names=names, error=error, done=request.args.get("done")), status_code


@bp.post("/mentors/applications/<id:application_id>/decision")
@per_staff_and_ip("STAFF_ACTION_RATE_LIMIT")
def decide_application(application_id: str):
    """Approve or reject an application, with a note."""
    try:
        data = parse_form(DecisionSchema(), ("decision", "note"))
        mentors.decide(g.console.user, application_id, **data)
    except ValidationError as invalid:
        return mentor_applications(error=form_errors(invalid), status_code=422)
    except ConflictError as refused:  # decided already, perhaps by another moderator a moment ago
        db.session.rollback()
        return mentor_applications(error=refused.detail, status_code=409)
    return redirect(url_for("console.mentor_applications", done=data["decision"]), 303)


@bp.get("/mentors/accreditation")
def accreditation():
    """Mentors whose accreditation ends soon or has ended."""
    days = request.args.get("days", type=int)
    days = days if days is not None and 0 <= days <= 3650 else None
    profiles = mentors.expiring_accreditations(g.console.user, within_days=days)
    return render_template("console/accreditation.html", profiles=profiles, days=days,
                           done=request.args.get("done"))


@bp.post("/mentors/<id:mentor_id>/renew")
@per_staff_and_ip("STAFF_ACTION_RATE_LIMIT")
def renew(mentor_id: str):
    """Renew a mentor's accreditation for another period."""
    mentors.renew_accreditation(g.console.user, mentor_id)
    return redirect(url_for("console.accreditation", done=mentor_id), 303)

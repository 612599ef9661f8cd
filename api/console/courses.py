"""Self-management courses for programme staff: tutor applications, the courses they run, each with its
sessions, roster, waitlist and attendance register (reading it is audited), and the course outcomes."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from api.console import bp, form_errors, parse_form
from api.console.outcomes import _organisation_id, _period
from api.extensions import per_staff_and_ip
from api.schemas.mentoring import DecisionSchema
from models import User, db
from services import policy
from services.courses import catalogue, enrolment, outcomes, tutors
from services.courses.attendance import required_sessions
from services.errors import ConflictError, NotFoundError

STATUSES = ("pending", "approved", "rejected")


@bp.get("/courses")
def courses():
    """The courses this member of staff runs, newest first."""
    staff = g.console.user
    shown = [c for c in catalogue.list_courses(staff, limit=100) if policy.runs_courses_of(staff, c.organisation_id)]
    return render_template("console/courses.html", courses=shown)


@bp.get("/courses/outcomes")
def course_outcomes():
    """Completion, attendance per session and SEMCD-6 change for completers (an audited read)."""
    period, periods = _period()
    figures = outcomes.course_outcomes(g.console.user, organisation_id=_organisation_id(), period=period)
    return render_template("console/course_outcomes.html", figures=figures, period=period, periods=periods)


@bp.get("/courses/<id:course_id>")
def course(course_id: str):
    """One course: sessions in local time, the roster with its waitlist, and the attendance register."""
    staff = g.console.user
    course = catalogue.access_course(staff, course_id)
    if not policy.runs_courses_of(staff, course.organisation_id):
        raise NotFoundError("Course not found.")
    view = catalogue.view_of(staff, course)
    roster = enrolment.roster(staff, course_id)
    present: dict[int, int] = {}
    for person in roster["enrolled"]:
        for number in person["attended"]:
            present[number] = present.get(number, 0) + 1
    return render_template("console/course.html", course=view, roster=roster, present=present,
                           needed=required_sessions())


@bp.get("/tutors")
def tutor_applications(*, error: str | None = None, status_code: int = 200):
    """Tutor applications by status, oldest first, with approve and reject."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else "pending"
    page = tutors.list_applications(g.console.user, status=status, cursor=request.args.get("cursor") or None)
    names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_([a.user_id for a in page.items]))).all()) if page.items else {}
    return render_template("console/tutors.html", page=page, status=status, statuses=STATUSES, names=names,
                           error=error, done=request.args.get("done")), status_code


@bp.post("/tutors/applications/<id:application_id>/decision")
@per_staff_and_ip("STAFF_ACTION_RATE_LIMIT")
def decide_tutor_application(application_id: str):
    """Approve or reject a tutor application, with a note."""
    try:
        data = parse_form(DecisionSchema(), ("decision", "note"))
        tutors.decide(g.console.user, application_id, **data)
    except ValidationError as invalid:
        return tutor_applications(error=form_errors(invalid), status_code=422)
    except ConflictError as refused:  # decided already, perhaps by another moderator a moment ago
        db.session.rollback()
        return tutor_applications(error=refused.detail, status_code=409)
    return redirect(url_for("console.tutor_applications", done=data["decision"]), 303)

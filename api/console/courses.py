"""Self-management courses for programme staff: the courses they run, each with its sessions, roster,
waitlist and attendance register (reading it is audited), and the course outcomes."""
from __future__ import annotations

from flask import g, render_template, request

from api.console import bp
from api.console.outcomes import _organisation_id, _period
from services import policy
from services.courses import catalogue, enrolment, outcomes
from services.courses.attendance import required_sessions
from services.errors import NotFoundError


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

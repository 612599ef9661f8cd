"""Self-management courses for programme staff: tutor applications, the courses they run, each with its
sessions, roster, waitlist and attendance register (reading it is audited), and the course outcomes."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from api.console import bp, form_errors, parse_form
from api.console.outcomes import _organisation_id, _period
from api.extensions import per_staff_and_ip
from api.schemas.courses import CourseCreateSchema, SessionUpdateSchema
from api.schemas.mentoring import DecisionSchema
from models import User, db
from services import conditions, policy
from services.courses import catalogue, enrolment, outcomes, tutors
from services.courses.attendance import required_sessions
from services.errors import ConflictError, NotFoundError, ServiceError

STATUSES = ("pending", "approved", "rejected")
COURSE_FIELDS = ("title", "description", "organisation_id", "capacity", "delivery", "meeting_url", "venue",
                 "time_zone")
SESSION_FIELDS = tuple(f"session_{n}" for n in range(1, catalogue.SESSIONS + 1))
ALL_CONDITIONS = 500  # the whole taxonomy in one list, as the resources editor


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


@bp.get("/courses/new")
def new_course():
    """An empty course form."""
    return _course_form({"capacity": "16", "delivery": "online", "time_zone": "Europe/London", "minutes": "150"})


@bp.post("/courses/new")
@per_staff_and_ip("COURSE_RATE_LIMIT")
def create_course():
    """Create a course with its two tutors and six sessions (local times), then show it."""
    try:
        created = catalogue.create_course(g.console.user, **CourseCreateSchema().load(_course_data()))
    except ValidationError as invalid:
        return _course_form(_submitted(), error=form_errors(invalid), status=422)
    except ServiceError as refused:  # 422 a rule only the service checks, 404/403 a programme not theirs
        db.session.rollback()
        return _course_form(_submitted(), error=refused.detail, status=refused.status)
    return redirect(url_for("console.course", course_id=created.id, done="created"), 303)


@bp.post("/courses/<id:course_id>/sessions/<id:session_id>")
@per_staff_and_ip("COURSE_RATE_LIMIT")
def update_course_session(course_id: str, session_id: str):
    """Move (`action=move`, a new local start) or cancel (`action=cancel`; `restore` undoes it) a session;
    the service tells everyone enrolled."""
    staff = g.console.user
    _course_run_by(staff, course_id)
    action = request.form.get("action")
    data = {"cancelled": action == "cancel"} if action in ("cancel", "restore") else {}
    if action == "move" and request.form.get("starts_at", "").strip():
        data["starts_at"] = request.form["starts_at"].strip()
    try:
        catalogue.update_session(staff, course_id, session_id, **SessionUpdateSchema().load(data))
    except ValidationError as invalid:
        return course(course_id, error=form_errors(invalid), status_code=422)
    except ServiceError as refused:
        db.session.rollback()
        if refused.status == 404:
            raise
        return course(course_id, error=refused.detail, status_code=refused.status)
    return redirect(url_for("console.course", course_id=course_id, done="moved" if action == "move" else action), 303)


@bp.get("/courses/<id:course_id>")
def course(course_id: str, *, error: str | None = None, status_code: int = 200):
    """One course: sessions in local time, the roster with its waitlist, and the attendance register."""
    staff = g.console.user
    course = _course_run_by(staff, course_id)
    view = catalogue.view_of(staff, course)
    roster = enrolment.roster(staff, course_id)
    present: dict[int, int] = {}
    for person in roster["enrolled"]:
        for number in person["attended"]:
            present[number] = present.get(number, 0) + 1
    return render_template("console/course.html", course=view, roster=roster, present=present,
                           needed=required_sessions(), error=error, done=request.args.get("done")), status_code


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


def _course_run_by(staff: User, course_id: str):
    course = catalogue.access_course(staff, course_id)
    if not policy.runs_courses_of(staff, course.organisation_id):
        raise NotFoundError("Course not found.")
    return course


def _course_data() -> dict:
    """The course form as CourseCreateSchema's input: blank optional fields absent, whole numbers as numbers."""
    data = {name: request.form[name].strip() for name in COURSE_FIELDS if request.form.get(name, "").strip()}
    data["organisation_id"] = data.get("organisation_id")  # none: a network course (network staff only)
    if data.get("capacity", "").isdigit():
        data["capacity"] = int(data["capacity"])
    data["condition_ids"] = request.form.getlist("condition_ids")
    data["tutor_ids"] = [t for t in (request.form.get("tutor_1", "").strip(), request.form.get("tutor_2", "").strip())
                         if t]
    minutes = request.form.get("minutes", "").strip()
    session = {"minutes": int(minutes)} if minutes.isdigit() else ({"minutes": minutes} if minutes else {})
    data["sessions"] = [{"starts_at": request.form.get(name, "").strip(), **session} for name in SESSION_FIELDS
                        if request.form.get(name, "").strip()]
    return data


def _submitted() -> dict:
    fields = COURSE_FIELDS + SESSION_FIELDS + ("tutor_1", "tutor_2", "minutes")
    return {**{name: request.form.get(name, "") for name in fields},
            "condition_ids": request.form.getlist("condition_ids")}


def _course_form(values: dict, *, error: str | None = None, status: int = 200):
    staff = g.console.user
    return render_template("console/course_new.html", values=values, error=error,
                           organisations=catalogue.organisations_run_by(staff),
                           network=policy.runs_courses_of(staff, None), tutors=tutors.choosable_by(staff),
                           conditions=conditions.search_conditions(limit=ALL_CONDITIONS).items,
                           sessions=SESSION_FIELDS), status

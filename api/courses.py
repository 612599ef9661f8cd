"""Self-management courses led by expert patients (issue 17; docs/courses.md)."""
from flask import Response, url_for
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import PUBLIC, per_user_and_ip
from api.schemas.courses import (
    ActionPlanCreateSchema, ActionPlanListSchema, ActionPlanSchema, ActionPlanUpdateSchema, AttendanceSchema,
    CalendarUrlSchema, CourseCreateSchema, CourseListSchema, CourseOutcomeQuerySchema, CourseOutcomesSchema,
    CourseQuerySchema, CourseSchema, CourseSessionSchema, EnrolmentSchema, EnrolSchema, RosterSchema,
    SessionUpdateSchema, TutorAccreditationSchema, TutorApplicationCreateSchema, TutorApplicationPageSchema,
    TutorApplicationQuerySchema, TutorApplicationSchema,
)
from api.schemas.mentoring import DecisionSchema
from services.courses import action_plans, attendance, calendar, catalogue, enrolment, outcomes, tutors

blp = Blueprint("courses", __name__, url_prefix="/api/v1", description="Self-management courses led by expert patients")


# --- tutors ---------------------------------------------------------------------------------------

@blp.post("/tutor-applications")
@jwt_required()
@per_user_and_ip("MENTORSHIP_RATE_LIMIT")
@blp.arguments(TutorApplicationCreateSchema)
@blp.response(201, TutorApplicationSchema)
@blp.alt_response(403, description="Not an accredited mentor")
def apply_to_tutor(data):
    """Accredited mentors: apply to tutor self-management courses."""
    return tutors.apply(current_user, **data)


@blp.get("/moderation/tutor-applications")
@jwt_required()
@blp.arguments(TutorApplicationQuerySchema, location="query")
@blp.response(200, TutorApplicationPageSchema)
def list_tutor_applications(args):
    """Moderators: tutor applications from people in their scope, oldest first."""
    return tutors.list_applications(current_user, **args)


@blp.post("/moderation/tutor-applications/<id:application_id>/decision")
@jwt_required()
@per_user_and_ip("STAFF_ACTION_RATE_LIMIT")
@blp.arguments(DecisionSchema)
@blp.response(200, TutorApplicationSchema)
def decide_tutor_application(data, application_id):
    """Moderators: approve (a 12-month tutor accreditation) or reject a tutor application."""
    return tutors.decide(current_user, application_id, **data)


@blp.post("/moderation/tutors/<id:tutor_id>/renew")
@jwt_required()
@per_user_and_ip("STAFF_ACTION_RATE_LIMIT")
@blp.response(200, TutorAccreditationSchema)
def renew_tutor_accreditation(tutor_id):
    """Moderators: renew a tutor's accreditation for another period."""
    return tutors.renew(current_user, tutor_id)


# --- courses and sessions -------------------------------------------------------------------------

@blp.post("/courses")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.arguments(CourseCreateSchema)
@blp.response(201, CourseSchema)
@blp.alt_response(403, description="Not staff of the programme")
def create_course(data):
    """Programme staff: create a course with two accredited tutors and six sessions (local times)."""
    return catalogue.create_course(current_user, **data)


@blp.get("/courses")
@jwt_required()
@blp.arguments(CourseQuerySchema, location="query")
@blp.response(200, CourseListSchema)
def list_courses(args):
    """The courses the caller may join or runs, newest first."""
    return {"items": catalogue.list_courses(current_user, **args), "next_cursor": None}


@blp.get("/courses/<id:course_id>")
@jwt_required()
@blp.response(200, CourseSchema)
def get_course(course_id):
    """One course with its sessions; the meeting link only for enrolled people and tutors."""
    return catalogue.get_course(current_user, course_id)


@blp.patch("/courses/<id:course_id>/sessions/<id:session_id>")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.arguments(SessionUpdateSchema)
@blp.response(200, CourseSessionSchema)
def update_course_session(data, course_id, session_id):
    """Tutors and programme staff: move or cancel a session; everyone enrolled is told."""
    return catalogue.update_session(current_user, course_id, session_id, **data)


# --- places -----------------------------------------------------------------------------------------

@blp.post("/courses/<id:course_id>/enrol")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.arguments(EnrolSchema)
@blp.response(200, EnrolmentSchema)
def enrol_on_course(data, course_id):
    """Take a place, or a place on the waitlist when the course is full."""
    return enrolment.enrol(current_user, course_id, **data)


@blp.post("/courses/<id:course_id>/withdraw")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.response(200, EnrolmentSchema)
def withdraw_from_course(course_id):
    """Give up a place (it is offered to the first person waiting) and leave the course circle."""
    return enrolment.withdraw(current_user, course_id)


@blp.post("/courses/<id:course_id>/accept-offer")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.response(200, EnrolmentSchema)
@blp.alt_response(409, description="No open offer (it lapsed, or there never was one)")
def accept_course_offer(course_id):
    """The holder of an offered place takes it, within 48 hours."""
    return enrolment.accept_offer(current_user, course_id)


@blp.get("/courses/<id:course_id>/roster")
@jwt_required()
@blp.response(200, RosterSchema)
def read_course_roster(course_id):
    """Tutors and programme staff: who is enrolled and waiting, with attendance."""
    return enrolment.roster(current_user, course_id)


@blp.put("/courses/<id:course_id>/sessions/<id:session_id>/attendance")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.arguments(AttendanceSchema)
@blp.response(200, AttendanceSchema)
def mark_attendance(data, course_id, session_id):
    """Tutors: who was at a session (replaces the register); completion follows."""
    return attendance.mark_attendance(current_user, course_id, session_id, **data)


# --- action plans -------------------------------------------------------------------------------------

@blp.post("/courses/<id:course_id>/action-plans")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.arguments(ActionPlanCreateSchema)
@blp.response(201, ActionPlanSchema)
def create_action_plan(data, course_id):
    """A participant's plan for the week; confidence under 7 answers `rework_suggested: true`."""
    return action_plans.create_plan(current_user, course_id, **data)


@blp.get("/courses/<id:course_id>/action-plans")
@jwt_required()
@blp.response(200, ActionPlanListSchema)
def list_action_plans(course_id):
    """The caller's own plans; tutors also see the plans shared with them."""
    return {"items": action_plans.list_plans(current_user, course_id), "next_cursor": None}


@blp.patch("/courses/<id:course_id>/action-plans/<id:plan_id>")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.arguments(ActionPlanUpdateSchema)
@blp.response(200, ActionPlanSchema)
def update_action_plan(data, course_id, plan_id):
    """The writer records how the plan went, or changes whether the tutors see it."""
    return action_plans.update_plan(current_user, course_id, plan_id, **data)


# --- outcomes -----------------------------------------------------------------------------------------

@blp.get("/moderation/courses/outcomes")
@jwt_required()
@blp.arguments(CourseOutcomeQuerySchema, location="query")
@blp.response(200, CourseOutcomesSchema)
@blp.alt_response(403, description="Not staff")
@blp.alt_response(404, description="A programme whose courses you do not run (or none with this id)")
def read_course_outcomes(args):
    """Programme staff: completion, attendance per session and SEMCD-6 change for completers; small cells withheld."""
    return outcomes.course_outcomes(current_user, **args)


# --- the calendar feed --------------------------------------------------------------------------------

@blp.get("/me/calendar-url")
@jwt_required()
@blp.response(200, CalendarUrlSchema)
def get_calendar_url():
    """The caller's secret iCalendar feed URL, for the phone's calendar."""
    return {"url": _feed_url(calendar.feed_token(current_user))}


@blp.post("/me/calendar-url/rotate")
@jwt_required()
@per_user_and_ip("COURSE_RATE_LIMIT")
@blp.response(200, CalendarUrlSchema)
def rotate_calendar_url():
    """A new secret feed URL; the old one stops working at once."""
    return {"url": _feed_url(calendar.rotate(current_user))}


@blp.get("/calendar/<feed_token>.ics")
@blp.doc(**PUBLIC, responses={"200": {"description": "An iCalendar document of the person's course sessions",
                                      "content": {"text/calendar": {"schema": {"type": "string"}}}}})
@blp.alt_response(404, description="No feed has this token (or it was rotated)")
def read_calendar_feed(feed_token):
    """The secret feed itself (no bearer token: the URL is the secret)."""
    return Response(calendar.render_feed(feed_token), content_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})


def _feed_url(token: str) -> str:
    return url_for("courses.read_calendar_feed", feed_token=token, _external=True)

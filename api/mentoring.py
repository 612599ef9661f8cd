from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.mentoring import (
    ApplicationQuerySchema, DecisionSchema, FeedbackCreateSchema, FeedbackSchema, MatchPageSchema,
    MatchQuerySchema, MentorApplicationCreateSchema, MentorApplicationPageSchema, MentorApplicationSchema,
    MentorProfileSchema, MentorProfileUpdateSchema, MentorshipCreateSchema, MentorshipPageSchema,
    MentorshipQuerySchema, MentorshipSchema,
)
from services import mentors, mentorships, resources
from services.matching import find_matches

blp = Blueprint("mentoring", __name__, url_prefix="/api/v1", description="Mentors, matching and mentorships")


@blp.post("/mentor-applications")
@jwt_required()
@per_user_and_ip("MENTORSHIP_RATE_LIMIT")
@blp.arguments(MentorApplicationCreateSchema)
@blp.response(201, MentorApplicationSchema)
def apply_to_mentor(data):
    """Apply to become an expert-patient mentor."""
    return mentors.apply(current_user, **data)


@blp.get("/moderation/mentor-applications")
@jwt_required()
@blp.arguments(ApplicationQuerySchema, location="query")
@blp.response(200, MentorApplicationPageSchema)
def list_mentor_applications(args):
    """Moderators: mentor applications, oldest first."""
    return mentors.list_applications(current_user, **args)


@blp.post("/moderation/mentor-applications/<id:application_id>/decision")
@jwt_required()
@per_user_and_ip("STAFF_ACTION_RATE_LIMIT")
@blp.arguments(DecisionSchema)
@blp.response(200, MentorApplicationSchema)
def decide_mentor_application(data, application_id):
    """Moderators: approve (mentor role, 12-month accreditation) or reject an application."""
    return mentors.decide(current_user, application_id, **data)


@blp.post("/moderation/mentors/<id:mentor_id>/renew")
@jwt_required()
@per_user_and_ip("STAFF_ACTION_RATE_LIMIT")
@blp.response(200, MentorProfileSchema)
def renew_mentor_accreditation(mentor_id):
    """Moderators: renew a mentor's accreditation for another period."""
    return mentors.renew_accreditation(current_user, mentor_id)


@blp.patch("/me/mentor-profile")
@jwt_required()
@per_user_and_ip("PROFILE_RATE_LIMIT")
@blp.arguments(MentorProfileUpdateSchema)
@blp.response(200, MentorProfileSchema)
def update_mentor_profile(changes):
    """Mentors: accepting or paused, capacity, support types, availability."""
    return mentors.update_profile(current_user, **changes)


@blp.get("/matches")
@jwt_required()
@blp.arguments(MatchQuerySchema, location="query")
@blp.response(200, MatchPageSchema)
def list_matches(args):
    """Peers or mentors for the caller, best first, each with plain-language reasons."""
    items = find_matches(current_user, **args)  # first: it checks the condition and consent
    return {"items": items, "next_cursor": None,
            "resources": resources.suggest_for_person(current_user, args.get("condition_id"))}


@blp.post("/mentorships")
@jwt_required()
@per_user_and_ip("REQUEST_RATE_LIMIT")
@blp.arguments(MentorshipCreateSchema)
@blp.response(201, MentorshipSchema)
def request_mentorship(data):
    """Ask a mentor for a mentorship, with a message and goals."""
    return mentorships.request_mentorship(current_user, **data)


@blp.get("/mentorships")
@jwt_required()
@blp.arguments(MentorshipQuerySchema, location="query")
@blp.response(200, MentorshipPageSchema)
def list_mentorships(args):
    """The caller's mentorships, as mentor or mentee."""
    return mentorships.list_mentorships(current_user, **args)


@blp.post("/mentorships/<id:mentorship_id>/accept")
@jwt_required()
@per_user_and_ip("MENTORSHIP_RATE_LIMIT")
@blp.response(200, MentorshipSchema)
def accept_mentorship(mentorship_id):
    """The mentor accepts; a direct conversation opens."""
    return mentorships.accept(current_user, mentorship_id)


@blp.post("/mentorships/<id:mentorship_id>/decline")
@jwt_required()
@per_user_and_ip("MENTORSHIP_RATE_LIMIT")
@blp.response(200, MentorshipSchema)
def decline_mentorship(mentorship_id):
    """The mentor declines."""
    return mentorships.decline(current_user, mentorship_id)


@blp.post("/mentorships/<id:mentorship_id>/end")
@jwt_required()
@per_user_and_ip("MENTORSHIP_RATE_LIMIT")
@blp.response(200, MentorshipSchema)
def end_mentorship(mentorship_id):
    """Either side ends an active mentorship."""
    return mentorships.end(current_user, mentorship_id)


@blp.post("/mentorships/<id:mentorship_id>/feedback")
@jwt_required()
@per_user_and_ip("MENTORSHIP_RATE_LIMIT")
@blp.arguments(FeedbackCreateSchema)
@blp.response(201, FeedbackSchema)
def give_mentorship_feedback(data, mentorship_id):
    """The mentee rates the mentorship (once ended, or after 14 days)."""
    return mentorships.give_feedback(current_user, mentorship_id, **data)

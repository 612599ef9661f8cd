from datetime import datetime, timezone

from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.extensions import per_user_and_ip
from api.schemas.common import Password, StrictBool, UTCDateTime
from api.schemas.users import ConditionEntrySchema, MeSchema, ProfileUpdateSchema, PublicProfileSchema
from services import consents, privacy, profiles

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="Profiles, conditions and privacy")


EXPORT_SECTIONS = (
    "conditions", "consents", "messages", "conversations", "connections", "blocks", "devices", "notifications",
    "mentor_applications", "mentorships", "feedback_given", "feedback_received", "support_requests", "circles",
    "circles_created", "reports_filed", "reports_about_me", "safety_flags", "moderation_actions_about_me",
    "staff_actions", "organisations", "sessions", "password_resets", "check_ins", "resources_authored",
    "tutor_applications", "courses_tutored", "courses", "course_attendance", "action_plans",
)


# The whole export, one section per kind of record (see docs/privacy.md).
ExportSchema = Schema.from_dict({
    "exported_at": UTCDateTime(), "account": fields.Dict(),
    "mentor_profile": fields.Dict(allow_none=True), "check_in_reminders": fields.Dict(allow_none=True),
    "tutor_accreditation": fields.Dict(allow_none=True), "calendar_feed": fields.Dict(allow_none=True),
    **{section: fields.List(fields.Dict()) for section in EXPORT_SECTIONS},
}, name="Export")


class EraseSchema(Schema):
    """Without a sign-in in the last RECENT_SIGN_IN_SECONDS, the password proves it is really them."""

    password = Password(validate=validate.Length(max=256))


def _token_is_fresh() -> bool:
    """True for an access token from a sign-in less than RECENT_SIGN_IN_SECONDS ago (login, registration)."""
    fresh = get_jwt().get("fresh", False)
    if isinstance(fresh, bool):
        return fresh
    return fresh >= datetime.now(timezone.utc).timestamp()


@blp.get("/me")
@jwt_required()
@blp.response(200, MeSchema)
def get_me():
    """Show the caller's own profile, settings and conditions."""
    return current_user


@blp.patch("/me")
@jwt_required()
@per_user_and_ip("PROFILE_RATE_LIMIT")
@blp.arguments(ProfileUpdateSchema, required=False)  # no body: nothing to change
@blp.response(200, MeSchema)
def update_me(changes):
    """Change profile fields and settings; `settings` merges into what is stored."""
    return profiles.update_profile(current_user, **changes)


@blp.put("/me/conditions")
@jwt_required()
@per_user_and_ip("PROFILE_RATE_LIMIT")
@blp.arguments(ConditionEntrySchema(many=True))
@blp.response(200, MeSchema)
def replace_my_conditions(items):
    """Replace the caller's conditions, each with its own visibility."""
    return profiles.replace_conditions(current_user, items)


class ConsentChangeSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["terms", "health_data", "safety_research"]))
    granted = StrictBool(required=True)


class ConsentSchema(Schema):
    kind = fields.String()
    granted = fields.Boolean()
    version = fields.String()
    recorded_at = UTCDateTime()


class ConsentListSchema(Schema):
    items = fields.List(fields.Nested(ConsentSchema))
    next_cursor = fields.String(allow_none=True)


@blp.get("/me/consents")
@jwt_required()
@blp.response(200, ConsentListSchema)
def list_my_consents():
    """The caller's current consents (the latest record of each kind)."""
    return {"items": consents.current_consents(current_user), "next_cursor": None}


@blp.post("/me/consents")
@jwt_required()
@per_user_and_ip("PROFILE_RATE_LIMIT")
@blp.arguments(ConsentChangeSchema)
@blp.response(201, ConsentSchema)
def change_my_consent(data):
    """Withdraw or give again a consent; without health-data consent, conditions leave matching."""
    return consents.change_consent(current_user, **data)


@blp.get("/me/export")
@jwt_required()
@per_user_and_ip("EXPORT_RATE_LIMIT")
@blp.response(200, ExportSchema)
def export_me():
    """Download every record the service holds about the caller."""
    return privacy.export_user_data(current_user)


@blp.delete("/me")
@jwt_required()
@per_user_and_ip("ERASURE_RATE_LIMIT")
@blp.arguments(EraseSchema, required=False)  # no body: a fresh sign-in is proof enough
@blp.response(204)
@blp.alt_response(401, description="No sign-in in the last RECENT_SIGN_IN_SECONDS (`recent_sign_in_required`) "
                                   "or a wrong password (`password_incorrect`); nothing was changed")
def erase_me(data):
    """Erase the caller's account (needs a recent sign-in or the password); their messages stay in others'
    histories as "deleted user"."""
    privacy.erase_account(current_user, fresh_token=_token_is_fresh(), password=(data or {}).get("password"))


@blp.get("/users/<id:user_id>")
@jwt_required()
@blp.response(200, PublicProfileSchema)
def get_user(user_id):
    """Show someone's public profile, with only the conditions they let the caller see."""
    return profiles.public_profile(current_user, user_id)

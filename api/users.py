from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.extensions import per_user_and_ip
from api.schemas.common import StrictBool, UTCDateTime
from api.schemas.users import ConditionEntrySchema, MeSchema, ProfileUpdateSchema, PublicProfileSchema
from services import consents, privacy, profiles

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="Profiles, conditions and privacy")


class ExportSchema(Schema):
    """The whole export, one section per kind of record (see docs/privacy.md)."""

    exported_at = UTCDateTime()
    account = fields.Dict()
    conditions = fields.List(fields.Dict())
    consents = fields.List(fields.Dict())
    messages = fields.List(fields.Dict())
    connections = fields.List(fields.Dict())
    blocks = fields.List(fields.Dict())
    devices = fields.List(fields.Dict())
    notifications = fields.List(fields.Dict())
    mentor_applications = fields.List(fields.Dict())
    mentor_profile = fields.Dict(allow_none=True)
    mentorships = fields.List(fields.Dict())
    feedback_given = fields.List(fields.Dict())
    support_requests = fields.List(fields.Dict())
    circles = fields.List(fields.Dict())
    reports_filed = fields.List(fields.Dict())
    organisations = fields.List(fields.Dict())
    sessions = fields.List(fields.Dict())
    check_ins = fields.List(fields.Dict())
    check_in_reminders = fields.Dict(allow_none=True)
    resources_authored = fields.List(fields.Dict())


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
    kind = fields.String(required=True, validate=validate.OneOf(["terms", "health_data"]))
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
@blp.response(200, ExportSchema)
def export_me():
    """Download every record the service holds about the caller."""
    return privacy.export_user_data(current_user)


@blp.delete("/me")
@jwt_required()
@per_user_and_ip("ERASURE_RATE_LIMIT")
@blp.response(204)
def erase_me():
    """Erase the caller's account; their messages stay in others' histories as "deleted user"."""
    privacy.erase_account(current_user)


@blp.get("/users/<id:user_id>")
@jwt_required()
@blp.response(200, PublicProfileSchema)
def get_user(user_id):
    """Show someone's public profile, with only the conditions they let the caller see."""
    return profiles.public_profile(current_user, user_id)

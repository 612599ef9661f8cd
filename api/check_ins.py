from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.check_ins import (
    CheckInCreateSchema, CheckInPageSchema, CheckInQuerySchema, CheckInSchema, InstrumentListSchema,
    ReminderSchema, ReminderUpdateSchema,
)
from services.checkins import records, reminders
from services.checkins.instruments import INSTRUMENTS

blp = Blueprint("check_ins", __name__, url_prefix="/api/v1", description="Outcome check-ins with short validated questionnaires")


@blp.get("/check-ins/instruments")
@jwt_required()
@blp.response(200, InstrumentListSchema)
def list_instruments():
    """The questionnaires offered: items, answer options, scoring, bands and sources."""
    return {"items": list(INSTRUMENTS.values()), "next_cursor": None}


@blp.post("/check-ins")
@jwt_required()
@per_user_and_ip("CHECK_IN_RATE_LIMIT")
@blp.arguments(CheckInCreateSchema)
@blp.response(201, CheckInSchema)
@blp.alt_response(403, description="Health-data consent is withdrawn (code health_consent_withdrawn)")
def create_check_in(data):
    """Answer a questionnaire; the server scores it. A screen-positive PHQ-2 or GAD-2 also answers with support."""
    return records.record_check_in(current_user, **data)


@blp.get("/check-ins")
@jwt_required()
@blp.arguments(CheckInQuerySchema, location="query")
@blp.response(200, CheckInPageSchema)
def list_check_ins(args):
    """The caller's own check-ins, oldest first."""
    return records.list_check_ins(current_user, **args)


@blp.get("/check-ins/<id:check_in_id>")
@jwt_required()
@blp.response(200, CheckInSchema)
def get_check_in(check_in_id):
    """One of the caller's own check-ins."""
    return records.get_check_in(current_user, check_in_id)


@blp.delete("/check-ins/<id:check_in_id>")
@jwt_required()
@per_user_and_ip("CHECK_IN_RATE_LIMIT")
@blp.response(204)
def delete_check_in(check_in_id):
    """Delete one of the caller's own check-ins."""
    records.delete_check_in(current_user, check_in_id)


@blp.get("/me/check-in-reminders")
@jwt_required()
@blp.response(200, ReminderSchema)
def get_check_in_reminders():
    """The caller's check-in reminders (off unless they chose a cadence)."""
    return reminders.get_reminders(current_user)


@blp.put("/me/check-in-reminders")
@jwt_required()
@per_user_and_ip("PROFILE_RATE_LIMIT")
@blp.arguments(ReminderUpdateSchema)
@blp.response(200, ReminderSchema)
def set_check_in_reminders(data):
    """Choose how often to be reminded to check in, and of which questionnaires; `off` stops them."""
    return reminders.set_reminders(current_user, **data)

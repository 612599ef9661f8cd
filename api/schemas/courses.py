"""Self-management courses (issue 17): tutors, courses, sessions, places, register, action plans."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.common import NOT_BLANK, Id, Line, PageArgsSchema, StrictBool, Text, UTCDateTime, page_schema
from api.schemas.messaging import SafetySchema
from api.schemas.resources import WebAddress

DELIVERIES = ["online", "venue"]
STATUSES = ["upcoming", "running", "finished"]
OUTCOMES = ["done", "partly", "not_done"]
_LOCAL = {"description": "Local time in the course's time zone, without an offset (2027-03-28T10:00:00)."}


class TutorApplicationCreateSchema(Schema):
    training = Text(required=True, validate=[validate.Length(min=10, max=2000), NOT_BLANK],
                    metadata={"description": "The tutor training you took, where and when."})


class TutorApplicationSchema(Schema):
    id = fields.String()
    user_id = fields.String()
    status = fields.String()
    training = fields.String()
    note = fields.String(allow_none=True)
    created_at = UTCDateTime()
    decided_at = UTCDateTime(allow_none=True)
    safety = fields.Nested(SafetySchema, metadata={"description": "Only when the text reads as a crisis or concern."})


TutorApplicationPageSchema = page_schema(TutorApplicationSchema, "TutorApplicationPage")


class TutorApplicationQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(["pending", "approved", "rejected"]))


class TutorAccreditationSchema(Schema):
    user_id = fields.String()
    accredited_until = UTCDateTime()


class SessionCreateSchema(Schema):
    starts_at = fields.NaiveDateTime(required=True, metadata=_LOCAL)
    minutes = fields.Integer(strict=True, load_default=150, validate=validate.Range(min=30, max=300))


class CourseCreateSchema(Schema):
    title = Line(required=True, validate=[validate.Length(min=3, max=120), NOT_BLANK])
    description = Text(required=True, validate=[validate.Length(min=1, max=4000), NOT_BLANK])
    organisation_id = Id(allow_none=True)
    condition_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=20))
    capacity = fields.Integer(strict=True, load_default=16, validate=validate.Range(min=2, max=30))
    tutor_ids = fields.List(Id(), required=True, validate=validate.Length(equal=2))
    delivery = fields.String(required=True, validate=validate.OneOf(DELIVERIES))
    meeting_url = WebAddress(allow_none=True, validate=validate.Length(max=500))
    venue = Line(allow_none=True, validate=[validate.Length(min=1, max=300), NOT_BLANK])
    time_zone = Line(load_default="Europe/London", validate=validate.Length(min=1, max=64))
    sessions = fields.List(fields.Nested(SessionCreateSchema), required=True, validate=validate.Length(equal=6))

    @validates_schema
    def two_different_tutors(self, data, **kwargs):
        if len(set(data.get("tutor_ids", []))) != len(data.get("tutor_ids", [])):
            raise ValidationError("Name two different tutors.", "tutor_ids")


class CourseQuerySchema(Schema):
    condition_id = Id()
    organisation_id = Id()
    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PersonNameSchema(Schema):
    id = fields.String()
    display_name = fields.String()


class CourseSessionSchema(Schema):
    id = fields.String()
    number = fields.Integer()
    starts_at = UTCDateTime()
    local_starts_at = fields.String(metadata={"description": "The same moment in the course's time zone."})
    minutes = fields.Integer()
    cancelled = fields.Boolean()


class CertificateSchema(Schema):
    course_title = fields.String()
    completed_at = UTCDateTime()
    sessions_attended = fields.Integer()
    sessions = fields.Integer()


class CourseSchema(Schema):
    id = fields.String()
    title = fields.String()
    description = fields.String()
    organisation_id = fields.String(allow_none=True)
    condition_ids = fields.List(fields.String())
    capacity = fields.Integer()
    places_left = fields.Integer()
    delivery = fields.String()
    venue = fields.String(allow_none=True)
    meeting_url = fields.String(allow_none=True, metadata={"description": "Enrolled people and tutors only."})
    time_zone = fields.String()
    status = fields.String()
    tutors = fields.List(fields.Nested(PersonNameSchema))
    sessions = fields.List(fields.Nested(CourseSessionSchema))
    my_status = fields.String(allow_none=True)
    waitlist_position = fields.Integer(allow_none=True)
    offer_expires_at = UTCDateTime(allow_none=True)
    conversation_id = fields.String(allow_none=True, metadata={"description": "The course circle, for its members."})
    certificate = fields.Nested(CertificateSchema, allow_none=True)
    is_tutor = fields.Boolean()
    created_at = UTCDateTime()
    safety = fields.Nested(SafetySchema, metadata={"description": "Only when the text reads as a crisis or concern."})


class CourseListSchema(Schema):
    items = fields.List(fields.Nested(CourseSchema))
    next_cursor = fields.String(allow_none=True)


class SessionUpdateSchema(Schema):
    starts_at = fields.NaiveDateTime(metadata=_LOCAL)
    cancelled = StrictBool()

    @validates_schema
    def something_changes(self, data, **kwargs):
        if not data:
            raise ValidationError("Give starts_at, cancelled or both.", "_schema")


class EnrolSchema(Schema):
    referral_code = Line(validate=validate.Length(min=1, max=64),
                         metadata={"description": "Joins the course's programme first, as POST /me/referrals."})


class EnrolmentSchema(Schema):
    course_id = fields.String()
    status = fields.String(metadata={"description": "enrolled, waitlisted, offered or withdrawn"})
    waitlist_position = fields.Integer(allow_none=True)
    offer_expires_at = UTCDateTime(allow_none=True)


class RosterPersonSchema(Schema):
    user_id = fields.String()
    display_name = fields.String()
    attended = fields.List(fields.Integer(), metadata={"description": "Session numbers attended."})
    completed = fields.Boolean()


class WaitlistPersonSchema(Schema):
    user_id = fields.String()
    display_name = fields.String()
    status = fields.String()
    position = fields.Integer()
    offer_expires_at = UTCDateTime(allow_none=True)


class RosterSchema(Schema):
    course_id = fields.String()
    capacity = fields.Integer()
    enrolled = fields.List(fields.Nested(RosterPersonSchema))
    waitlist = fields.List(fields.Nested(WaitlistPersonSchema))


class AttendanceSchema(Schema):
    session_id = fields.String(dump_only=True)
    present = fields.List(Id(), required=True, validate=validate.Length(max=50))


class ActionPlanCreateSchema(Schema):
    week = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=6))
    what = Text(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])
    how_much = Text(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])
    when = Text(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])
    days_per_week = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=7))
    confidence = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=10))
    share_with_tutors = StrictBool(load_default=False)


class ActionPlanUpdateSchema(Schema):
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    share_with_tutors = StrictBool()

    @validates_schema
    def something_changes(self, data, **kwargs):
        if not data:
            raise ValidationError("Give outcome, share_with_tutors or both.", "_schema")


class ActionPlanSchema(Schema):
    id = fields.String()
    course_id = fields.String()
    user_id = fields.String()
    week = fields.Integer()
    what = fields.String()
    how_much = fields.String()
    when = fields.String()
    days_per_week = fields.Integer()
    confidence = fields.Integer()
    share_with_tutors = fields.Boolean()
    outcome = fields.String(allow_none=True)
    rework_suggested = fields.Boolean(metadata={"description": "Confidence under 7: suggest reworking the plan."})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    safety = fields.Nested(SafetySchema, metadata={"description": "Only when the text reads as a crisis or concern."})


class ActionPlanListSchema(Schema):
    items = fields.List(fields.Nested(ActionPlanSchema))
    next_cursor = fields.String(allow_none=True)


class CalendarUrlSchema(Schema):
    url = fields.String(metadata={"description": "Secret: anyone with it reads your session times. Rotate to revoke."})


class CourseOutcomeQuerySchema(Schema):
    organisation_id = Id(metadata={"description": "One programme whose courses you run; default: all in your scope."})
    period = Line(validate=validate.Length(max=16), metadata={
        "description": "One calendar quarter that has ended, e.g. 2026-Q3 (courses whose last session ended in "
                       "it); default: the latest one.", "example": "2026-Q3"})


class SessionAttendanceSchema(Schema):
    session = fields.Integer()
    attended = fields.Integer(allow_none=True)
    rate = fields.Float(allow_none=True)
    suppressed = fields.Boolean()


class SelfEfficacySchema(Schema):
    n = fields.Integer(allow_none=True, metadata={"description": "Completers with a SEMCD-6 before and after."})
    suppressed = fields.Boolean()
    mean_first = fields.Float(allow_none=True)
    mean_latest = fields.Float(allow_none=True)
    mean_change = fields.Float(allow_none=True)
    direction = fields.String(allow_none=True)


class CourseOutcomesSchema(Schema):
    generated_at = UTCDateTime()
    period = fields.String()
    scope = fields.String()
    organisation_id = fields.String(allow_none=True)
    min_cell_size = fields.Integer()
    completion_sessions = fields.Integer(metadata={"description": "Sessions attended to complete a course."})
    courses = fields.Integer()
    participants = fields.Integer(allow_none=True)
    completers = fields.Integer(allow_none=True)
    completion_rate = fields.Float(allow_none=True)
    attendance = fields.List(fields.Nested(SessionAttendanceSchema))
    self_efficacy = fields.Nested(SelfEfficacySchema)
    suppressed = fields.List(fields.String(), metadata={"description": "Figures withheld: too few people."})

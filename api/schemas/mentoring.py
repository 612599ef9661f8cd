from marshmallow import Schema, fields, validate

from api.schemas.common import Id, Line, PageArgsSchema, StrictBool, Text, UTCDateTime, page_schema
from api.schemas.fastdump import FastDump
from api.schemas.resources import ResourceSummarySchema
from api.schemas.users import HH_MM, UserSchema

SUPPORT_TYPES = ["chat", "mentoring", "group", "review"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class MentorApplicationCreateSchema(Schema):
    motivation = Text(required=True, validate=validate.Length(min=20, max=4000))
    experience = Text(required=True, validate=validate.Length(min=20, max=4000))
    training = Text(allow_none=True, validate=validate.Length(max=2000))
    condition_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=10))


class MentorApplicationSchema(Schema):
    id = fields.String()
    user_id = fields.String()
    display_name = fields.Function(lambda a: a.user.display_name)
    status = fields.String()
    motivation = fields.String()
    experience = fields.String()
    training = fields.String(allow_none=True)
    condition_ids = fields.List(fields.String())
    note = fields.String(allow_none=True)
    created_at = UTCDateTime()
    decided_at = UTCDateTime(allow_none=True)


class ApplicationQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(["pending", "approved", "rejected"]))


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    note = Text(allow_none=True, validate=validate.Length(max=2000))


class AvailabilitySlotSchema(Schema):
    day = fields.String(required=True, validate=validate.OneOf(DAYS))
    start = Line(required=True, validate=HH_MM)
    end = Line(required=True, validate=HH_MM)


class MentorProfileUpdateSchema(Schema):
    accepting_mentees = StrictBool()
    capacity = fields.Integer(strict=True, validate=validate.Range(min=0, max=20))
    support_types = fields.List(fields.String(validate=validate.OneOf(SUPPORT_TYPES)),
                                validate=validate.Length(min=1, max=4))
    availability = fields.List(fields.Nested(AvailabilitySlotSchema), validate=validate.Length(max=21))


class MentorProfileSchema(Schema):
    user_id = fields.String()
    accepting_mentees = fields.Boolean()
    capacity = fields.Integer()
    active_mentees = fields.Integer()
    support_types = fields.List(fields.String())
    availability = fields.List(fields.Dict())
    accredited_until = UTCDateTime()
    rating_count = fields.Integer()


class MatchQuerySchema(Schema):
    kind = fields.String(load_default="peer", validate=validate.OneOf(["peer", "mentor"]))
    condition_id = Id()
    support_type = fields.String(validate=validate.OneOf(SUPPORT_TYPES))
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class MatchSchema(Schema):
    user = fields.Nested(UserSchema)
    score = fields.Float()
    reasons = fields.List(fields.String())


class MatchPageSchema(Schema):
    items = fields.List(fields.Nested(MatchSchema))
    next_cursor = fields.String(allow_none=True)
    resources = fields.List(fields.Nested(ResourceSummarySchema),
                            metadata={"description": "Published resources about the condition asked, or your own."})


class MentorshipCreateSchema(Schema):
    mentor_id = Id(required=True)
    message = Text(allow_none=True, validate=validate.Length(max=2000))
    goals = fields.List(Line(validate=validate.Length(min=1, max=200)), validate=validate.Length(max=10))


class MentorshipSchema(FastDump):
    id = fields.String()
    status = fields.String()
    mentor_id = fields.String()
    mentee_id = fields.String()
    message = fields.String(allow_none=True)
    goals = fields.List(fields.String())
    conversation_id = fields.String(allow_none=True)
    created_at = UTCDateTime()
    expires_at = UTCDateTime()
    started_at = UTCDateTime(allow_none=True)
    ended_at = UTCDateTime(allow_none=True)
    safety = fields.Nested("SafetySchema", metadata={"description": "Only when a request just sent reads as a crisis or concern."})


class MentorshipQuerySchema(PageArgsSchema):
    role = fields.String(validate=validate.OneOf(["mentor", "mentee"]))
    status = fields.String(validate=validate.OneOf(["requested", "active", "declined", "expired", "ended"]))


class FeedbackCreateSchema(Schema):
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = Text(allow_none=True, validate=validate.Length(max=2000))


class FeedbackSchema(Schema):
    id = fields.String()
    mentorship_id = fields.String()
    rating = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = UTCDateTime()
    safety = fields.Nested("SafetySchema", metadata={"description": "Only when a comment just given reads as a crisis or concern."})


MentorApplicationPageSchema = page_schema(MentorApplicationSchema, "MentorApplicationPage")
MentorshipPageSchema = page_schema(MentorshipSchema, "MentorshipPage")

from marshmallow import Schema, fields, validate

from api.schemas.common import Id, PageArgsSchema, Text, UTCDateTime, page_schema
from api.schemas.messaging import MessageSchema

REASONS = ["risk_to_self", "harassment", "medical_misinformation", "spam", "other"]
ACTIONS = ["dismiss", "remove_content", "warn", "suspend_user", "unsuspend"]


class ReportCreateSchema(Schema):
    target_type = fields.String(required=True, validate=validate.OneOf(["message", "user", "group"]))
    target_id = Id(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    details = Text(allow_none=True, validate=validate.Length(max=2000))


class ReportReceiptSchema(Schema):
    """What the reporter sees: enough to know it arrived, nothing about what moderators decide."""

    id = fields.String()
    status = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    reason = fields.String()
    created_at = UTCDateTime()


class ReportSchema(ReportReceiptSchema):
    source = fields.String()
    severity = fields.Integer()
    reporter_id = fields.String(allow_none=True)
    target_user_id = fields.String(allow_none=True)
    action = fields.String(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    resolved_at = UTCDateTime(allow_none=True)
    acknowledged_at = UTCDateTime(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)
    escalation_level = fields.Integer()
    real_crisis = fields.Boolean(allow_none=True)
    concern_reviewed = fields.Boolean(allow_none=True)


class ReportDetailSchema(ReportSchema):
    details = fields.String(allow_none=True)
    escalations = fields.List(fields.Dict())  # [{step, name, at, notified}]: who was told, when, while unanswered
    context = fields.List(fields.Nested(MessageSchema))


class ReportQuerySchema(PageArgsSchema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved"]))


class ResolveSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    note = Text(allow_none=True, validate=validate.Length(max=2000))
    # The moderator's label for the next training round (flask safety-labels): was it a real crisis,
    # and for a concern item, was the concern warranted. Optional, so older clients resolve as before.
    real_crisis = fields.Boolean(allow_none=True)
    concern_reviewed = fields.Boolean(allow_none=True)


class AcknowledgementSchema(Schema):
    acknowledged_at = UTCDateTime()
    acknowledged_by = fields.String()


class AuditEntrySchema(Schema):
    id = fields.String()
    actor_id = fields.String(allow_none=True)
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    details = fields.Dict()
    created_at = UTCDateTime()


class AuditQuerySchema(PageArgsSchema):
    pass


class FlagCountSchema(Schema):
    user_id = fields.String()
    display_name = fields.String()
    count = fields.Integer()
    conversations = fields.Integer()
    last_at = UTCDateTime()


class FlagCountListSchema(Schema):
    items = fields.List(fields.Nested(FlagCountSchema))
    next_cursor = fields.String(allow_none=True)


ReportPageSchema = page_schema(ReportSchema, "ReportPage")
AuditPageSchema = page_schema(AuditEntrySchema, "AuditPage")

"""Time to acknowledge crisis alerts (GET /moderation/outcomes/alert-response)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import UTCDateTime
from api.schemas.outcomes import OutcomeQuerySchema, ScopeSchema


class AlertResponseQuerySchema(OutcomeQuerySchema):
    period = fields.String(load_default="month", validate=validate.OneOf(["week", "month"]),
                           metadata={"description": "Group alerts by ISO week (from Monday) or calendar month, UTC."})


class PeriodResponseSchema(Schema):
    period_start = UTCDateTime()
    suppressed = fields.Boolean(metadata={"description": "Fewer different people than min_cell: every figure withheld."})
    alerts = fields.Integer(allow_none=True, metadata={"description": "High-severity alerts raised in the period."})
    acknowledged = fields.Integer(allow_none=True)
    median_minutes = fields.Float(allow_none=True, metadata={"description": "From alert to acknowledgement."})
    p90_minutes = fields.Float(allow_none=True, metadata={"description": "90th percentile (nearest rank)."})


class AlertResponseSchema(Schema):
    generated_at = UTCDateTime()
    scope = fields.Nested(ScopeSchema)
    period = fields.String()
    min_cell = fields.Integer()
    periods = fields.List(fields.Nested(PeriodResponseSchema))

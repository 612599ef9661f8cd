"""Outcomes and programme metrics: aggregates only, never a person's id."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import Id, Line, UTCDateTime


class OutcomeQuerySchema(Schema):
    organisation_id = Id(metadata={"description": "One organisation you moderate; default: all in your scope."})
    period = Line(validate=validate.Length(max=16), metadata={
        "description": "One calendar quarter that has ended, e.g. 2026-Q3; default: the latest one.",
        "example": "2026-Q3"})
    since = UTCDateTime(metadata={"description": "With until: the start of one ended calendar quarter (else 422)."})
    until = UTCDateTime(metadata={"description": "With since: the start of the next quarter (else 422)."})


class ChartQuerySchema(OutcomeQuerySchema):
    instrument = Line(required=True, validate=validate.Length(max=16), metadata={"example": "ucla3"})
    measure = Line(required=True, validate=validate.Length(max=40), metadata={"example": "total"})


class ScopeSchema(Schema):
    kind = fields.String(metadata={"enum": ["network", "moderated_organisations", "organisation"]})
    description = fields.String()
    organisation_ids = fields.List(fields.String())


class CellSchema(Schema):
    group = fields.String(metadata={"enum": ["with_peer_support", "without_peer_support", "all"]})
    n = fields.Integer(allow_none=True, metadata={
        "description": "People in this cell, with noise (never under min_cell_size); null when suppressed."})
    suppressed = fields.Boolean()
    mean_first = fields.Float(allow_none=True)
    mean_latest = fields.Float(allow_none=True)
    mean_change = fields.Float(allow_none=True, metadata={"description": "Mean of (latest − first) per person."})
    direction = fields.String(allow_none=True, metadata={"enum": ["improved", "worsened", "unchanged", None]})


class MeasureOutcomeSchema(Schema):
    instrument = fields.String()
    measure = fields.String()
    higher_is_better = fields.Boolean()
    groups = fields.List(fields.Nested(CellSchema))


class _ReportSchema(Schema):
    generated_at = UTCDateTime()
    scope = fields.Nested(ScopeSchema)
    period = fields.String(metadata={"description": "The calendar quarter reported, e.g. 2026-Q3."})
    since = UTCDateTime(allow_none=True)
    until = UTCDateTime(allow_none=True)
    min_cell_size = fields.Integer()


class OutcomeSummarySchema(_ReportSchema):
    measures = fields.List(fields.Nested(MeasureOutcomeSchema))


class MentorLoadSchema(Schema):
    mentors = fields.Integer(allow_none=True)
    capacity = fields.Integer(allow_none=True)
    active_mentorships = fields.Integer(allow_none=True)
    load = fields.Float(allow_none=True, metadata={"description": "Active mentorships / capacity."})
    at_or_over_capacity = fields.Integer(allow_none=True)
    below_capacity = fields.Integer(allow_none=True)


class ProgrammeMetricsSchema(_ReportSchema):
    match_requests = fields.Integer(allow_none=True)
    acceptance_rate = fields.Float(allow_none=True, metadata={"description": "Accepted / (accepted + declined)."})
    expiry_rate = fields.Float(allow_none=True, metadata={"description": "Expired unanswered / requested."})
    median_hours_to_decision = fields.Float(allow_none=True)
    median_hours_to_first_reply = fields.Float(allow_none=True)
    mentor_load = fields.Nested(MentorLoadSchema)
    suppressed = fields.List(fields.String())

"""Check-ins: the questionnaires, answers with their scores, and reminder settings."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from api.schemas.common import PageArgsSchema, StrictBool, UTCDateTime, page_schema
from api.schemas.groups import GroupSchema, SuggestedPersonSchema
from api.schemas.messaging import CrisisResourceSchema
from api.schemas.resources import ResourceSummarySchema
from services.checkins.instruments import INSTRUMENTS
from services.checkins.reminders import CADENCES, OFF

INSTRUMENT_KEYS = list(INSTRUMENTS)
MAX_ANSWERS = 20  # more than any instrument has: a longer list is refused before it is looked at


class StrictInteger(fields.Integer):
    """A JSON integer only: not a float (1.0), a string ("1") or a boolean (true counts as 1 in Python)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Must be a whole number (an integer), not text, a decimal or true/false.")
        return value


class Score(fields.Number):
    """A score as computed: a whole number for sums, a decimal for means (SEMCD-6)."""

    num_type = float

    def _format_num(self, value):
        return value


# --- the questionnaires ------------------------------------------------------------------------

class OptionSchema(Schema):
    value = fields.Integer()
    label = fields.String()


class ItemSchema(Schema):
    text = fields.String()
    options = fields.List(fields.Nested(OptionSchema))


class BandSchema(Schema):
    low = fields.Integer(metadata={"description": "Lowest score in the band (inclusive)."})
    high = fields.Integer(metadata={"description": "Highest score in the band (inclusive)."})
    key = fields.String()
    label = fields.String()


class MeasureSchema(Schema):
    key = fields.String(metadata={"description": "The key of this measure in `scores`."})
    name = fields.String()
    low = fields.Integer()
    high = fields.Integer()
    higher_is_better = fields.Boolean()
    bands = fields.List(fields.Nested(BandSchema))


class ThresholdSchema(Schema):
    measure = fields.String()
    at_least = fields.Integer()
    meaning = fields.String()
    safety = fields.Boolean(metadata={"description": "Whether reaching it answers with helplines and support."})


class InstrumentSchema(Schema):
    key = fields.String()
    name = fields.String()
    description = fields.String()
    attribution = fields.String()
    instructions = fields.String()
    items = fields.List(fields.Nested(ItemSchema))
    measures = fields.List(fields.Nested(MeasureSchema))
    scoring = fields.String()
    threshold = fields.Nested(ThresholdSchema, allow_none=True)


class InstrumentListSchema(Schema):
    items = fields.List(fields.Nested(InstrumentSchema))
    next_cursor = fields.String(allow_none=True)


# --- answering ---------------------------------------------------------------------------------

class CheckInCreateSchema(Schema):
    instrument = fields.String(required=True, validate=validate.OneOf(INSTRUMENT_KEYS))
    answers = fields.List(StrictInteger(allow_none=True), required=True,
                          validate=validate.Length(min=1, max=MAX_ANSWERS),
                          metadata={"description": "One answer value per item, in order; null for a question "
                                                   "left out, where the instrument allows it (SEMCD-6: up to two)."})
    offer_support = StrictBool(metadata={"description": "For this check-in only: offer (true) or do not offer "
                                                        "(false) mentors and circles if it screens positive; "
                                                        "without it, the setting check_ins.offer_support decides."})


class SupportOfferSchema(Schema):
    mentors = fields.List(fields.Nested(SuggestedPersonSchema))
    circles = fields.List(fields.Nested(GroupSchema))


class CheckInSafetySchema(Schema):
    screen_positive = fields.Boolean()
    message = fields.String()
    resources = fields.List(fields.Nested(CrisisResourceSchema), metadata={"description": "Helplines for the "
                                                                                        "person's region."})
    library = fields.List(fields.Nested(ResourceSummarySchema),
                          metadata={"description": "Up to three published guides from the resource library."})


class CheckInSchema(Schema):
    id = fields.String()
    instrument = fields.String()
    answers = fields.List(fields.Integer(allow_none=True))
    scores = fields.Dict(keys=fields.String(), values=Score(),
                         metadata={"description": "Empty when too many questions were left out to score."})
    interpretation = fields.Dict(keys=fields.String(), values=fields.Nested(BandSchema),
                                 metadata={"description": "The band each measure's score falls in."})
    created_at = UTCDateTime()
    safety = fields.Nested(CheckInSafetySchema, metadata={"description": "Only when answering a PHQ-2 or GAD-2 "
                                                                         "at or over its threshold."})
    support_offer = fields.Nested(SupportOfferSchema, metadata={"description": "Only with safety, and only with "
                                                                               "the person's consent."})

    @post_dump
    def drop_empty(self, data, **kwargs):
        return {k: v for k, v in data.items() if k not in ("safety", "support_offer") or v is not None}


CheckInPageSchema = page_schema(CheckInSchema, "CheckInPage")


class CheckInQuerySchema(PageArgsSchema):
    instrument = fields.String(validate=validate.OneOf(INSTRUMENT_KEYS))


# --- reminders ---------------------------------------------------------------------------------

class ReminderUpdateSchema(Schema):
    cadence = fields.String(required=True, validate=validate.OneOf([OFF, *CADENCES]))
    instruments = fields.List(fields.String(validate=validate.OneOf(INSTRUMENT_KEYS)),
                              validate=validate.Length(min=1, max=len(INSTRUMENT_KEYS) * 2),
                              metadata={"description": "Which check-ins to be reminded of; default all."})


class ReminderSchema(Schema):
    cadence = fields.String()
    instruments = fields.List(fields.String())
    next_due_at = UTCDateTime(allow_none=True)

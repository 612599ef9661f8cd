"""People: what the owner sees of themselves, and what everyone else may see."""
from __future__ import annotations

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from api.schemas.common import NOT_BLANK, FullMatch, Id, Line, StrictBool, Text, UTCDateTime

LANGUAGE_TAG = FullMatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", error="Use a language tag such as en or pt-BR.")
HH_MM = FullMatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", error="Use 24-hour HH:MM.")


def _known_timezone(value: str) -> None:
    if value not in _TIMEZONES:
        raise ValidationError("Use an IANA time zone such as Europe/London.")


_TIMEZONES = frozenset(available_timezones())

def display_name(**kwargs) -> Line:
    return Line(validate=[validate.Length(min=1, max=50), NOT_BLANK], **kwargs)


def bio() -> Text:
    return Text(allow_none=True, validate=validate.Length(max=1000))


def pronouns() -> Line:
    return Line(allow_none=True, validate=validate.Length(max=40))


def languages() -> fields.List:
    return fields.List(Line(validate=LANGUAGE_TAG), validate=validate.Length(min=1, max=10))


def region() -> Line:
    return Line(allow_none=True, validate=validate.Length(min=1, max=64))


def timezone() -> Line:
    return Line(allow_none=True, validate=_known_timezone)


class ConditionRefSchema(Schema):
    id = fields.String()
    slug = fields.String()
    name = fields.String()
    parent_id = fields.String(allow_none=True)


class VisibleConditionSchema(Schema):
    condition_id = fields.String()
    condition = fields.Nested(ConditionRefSchema)
    diagnosed_year = fields.Integer(allow_none=True)
    treatments = fields.List(fields.String())


class OwnConditionSchema(VisibleConditionSchema):
    visibility = fields.String()


class UserSchema(Schema):
    """What anyone signed in may see; email and birth year are the owner's alone."""

    id = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    bio = fields.String(allow_none=True)
    pronouns = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    region = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True)
    created_at = UTCDateTime()


class PublicProfileSchema(UserSchema):
    conditions = fields.List(fields.Nested(VisibleConditionSchema))


class QuietHoursSchema(Schema):
    start = Line(required=True, validate=HH_MM)
    end = Line(required=True, validate=HH_MM)


class NotificationTypesSchema(Schema):
    message = StrictBool()
    mentorship = StrictBool()
    connection = StrictBool()
    group = StrictBool()
    check_in = StrictBool()


class NotificationSettingsSchema(Schema):
    message_previews = StrictBool()
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True)
    types = fields.Nested(NotificationTypesSchema)


class CheckInSettingsSchema(Schema):
    offer_support = StrictBool(metadata={"description": "Offer mentors and circles when a PHQ-2 or GAD-2 "
                                                        "check-in screens positive (default false)."})


class ModerationSettingsSchema(Schema):
    on_call = StrictBool(metadata={"description": "Moderators: on call for crisis alerts (pushed first; counts as "
                                                  "staffed outside staffed hours). Means nothing for anyone else."})


class SettingsSchema(Schema):
    notifications = fields.Nested(NotificationSettingsSchema)
    check_ins = fields.Nested(CheckInSettingsSchema)
    moderation = fields.Nested(ModerationSettingsSchema)


class MeSchema(UserSchema):
    email = fields.String()
    birth_year = fields.Integer()
    settings = fields.Nested(SettingsSchema)
    conditions = fields.List(fields.Nested(OwnConditionSchema))
    matching_scope = fields.String(metadata={"description": "network (default) or programme: match only within my programmes"})
    safety = fields.Nested("SafetySchema", metadata={"description": "Only when profile text just saved reads as a crisis or concern."})


class ProfileUpdateSchema(Schema):
    display_name = display_name()
    bio = bio()
    pronouns = pronouns()
    languages = languages()
    region = region()
    timezone = timezone()
    settings = fields.Nested(SettingsSchema)
    matching_scope = fields.String(validate=validate.OneOf(["network", "programme"]))


class ConditionEntrySchema(Schema):
    condition_id = Id(required=True)
    diagnosed_year = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1900, max=2200))
    treatments = fields.List(Line(validate=validate.Length(min=1, max=80)), validate=validate.Length(max=20))
    visibility = fields.String(required=True, validate=validate.OneOf(["public", "matches", "private"]))

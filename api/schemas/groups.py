"""Peer circles (groups) and support requests: the group end of the sliding scale."""
from __future__ import annotations

from marshmallow import Schema, fields, post_dump, validate

from api.schemas.common import NOT_BLANK, Id, Line, PageArgsSchema, Text, UTCDateTime, page_schema
from api.schemas.messaging import ConnectionSchema, PersonRefSchema, SafetySchema
from api.schemas.resources import ResourceSummarySchema

INTENTS = ["listen", "tips", "review", "one_to_one", "group"]
DURATIONS = ["one_off", "ongoing"]
URGENCIES = ["low", "normal"]


# --- circles -----------------------------------------------------------------------------------

class GroupCreateSchema(Schema):
    name = Line(required=True, validate=[validate.Length(min=1, max=80), NOT_BLANK])
    description = Text(allow_none=True, validate=validate.Length(max=2000))
    condition_id = Id(allow_none=True)
    visibility = fields.String(required=True, validate=validate.OneOf(["public", "private"]))
    max_members = fields.Integer(load_default=12, strict=True, validate=validate.Range(min=2, max=50))


class GroupQuerySchema(PageArgsSchema):
    condition_id = Id()
    q = Line(validate=validate.Length(max=80))


class GroupSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    condition_id = fields.String(allow_none=True)
    visibility = fields.String()
    member_count = fields.Integer()
    max_members = fields.Integer()
    conversation_id = fields.String(allow_none=True, metadata={"description": "Members only; null otherwise."})
    membership = fields.String(allow_none=True, metadata={"description": "null, member, invited or requested"})
    role = fields.String(allow_none=True, metadata={"description": "member or host, once a member"})
    created_at = UTCDateTime()
    safety = fields.Nested(SafetySchema, metadata={"description": "Only when a circle just created reads as a crisis or concern."})


class InvitationCreateSchema(Schema):
    user_id = Id(required=True)


class GroupMembershipSchema(Schema):
    group_id = fields.String()
    user_id = fields.String()
    status = fields.String()
    role = fields.String()
    created_at = UTCDateTime()


# --- support requests --------------------------------------------------------------------------

class SupportRequestCreateSchema(Schema):
    intent = fields.String(required=True, validate=validate.OneOf(INTENTS))
    duration = fields.String(required=True, validate=validate.OneOf(DURATIONS))
    condition_id = Id(allow_none=True)
    topic = Line(allow_none=True, validate=validate.Length(min=1, max=200))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))


class SupportRequestQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(["open", "answered", "closed"]))


class SuggestedPersonSchema(Schema):
    user = fields.Nested(PersonRefSchema)
    score = fields.Float()
    reasons = fields.List(fields.String())


class SuggestionsSchema(Schema):
    peers = fields.List(fields.Nested(SuggestedPersonSchema))
    mentors = fields.List(fields.Nested(SuggestedPersonSchema))
    groups = fields.List(fields.Nested(GroupSchema))
    resources = fields.List(fields.Nested(ResourceSummarySchema),
                            metadata={"description": "For tips and review: published resources about the condition."})


class SupportRequestSchema(Schema):
    id = fields.String()
    status = fields.String()
    intent = fields.String()
    duration = fields.String()
    condition_id = fields.String(allow_none=True)
    topic = fields.String(allow_none=True)
    urgency = fields.String()
    answered_by = fields.String(allow_none=True, metadata={"description": "The mentor who answered, if any."})
    listed_for_mentors = fields.Boolean(metadata={
        "description": "Whether mentors see it in their open list: while open, about no condition or one you list as public."})
    created_at = UTCDateTime()
    closed_at = UTCDateTime(allow_none=True)
    suggestions = fields.Nested(SuggestionsSchema, allow_none=True,
                                metadata={"description": "What the request is routed to; while open only."})
    safety = fields.Nested(SafetySchema, metadata={"description": "Only when the topic reads as a crisis."})

    @post_dump
    def drop_empty_safety(self, data, **kwargs):
        if data.get("safety") is None:
            data.pop("safety", None)
        return data


class OpenSupportRequestSchema(Schema):
    """An open request as a mentor sees it: the requester by name only."""

    id = fields.String()
    requester = fields.Nested(PersonRefSchema)
    intent = fields.String()
    duration = fields.String()
    topic = fields.String(allow_none=True)
    urgency = fields.String()
    created_at = UTCDateTime()


class SupportRequestAnswerSchema(Schema):
    id = fields.String()
    status = fields.String()
    connection = fields.Nested(ConnectionSchema)


GroupPageSchema = page_schema(GroupSchema, "GroupPage")
SupportRequestPageSchema = page_schema(SupportRequestSchema, "SupportRequestPage")
OpenSupportRequestPageSchema = page_schema(OpenSupportRequestSchema, "OpenSupportRequestPage")

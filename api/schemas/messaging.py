"""Connections, conversations, messages, blocks and sync."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import Body, Id, Line, PageArgsSchema, Text, UTCDateTime, page_schema
from api.schemas.fastdump import FastDump
from api.schemas.mentoring import MentorshipSchema
from api.schemas.notifications import NotificationSchema

SEQ = validate.Range(min=0, max=2**31 - 1)


class PersonRefSchema(FastDump):
    id = fields.String()
    display_name = fields.String()


class MessageSchema(FastDump):
    id = fields.String()
    conversation_id = fields.String()
    seq = fields.Integer()
    sender_id = fields.String()
    body = fields.String(allow_none=True)  # None on a tombstone; plain text, never HTML
    client_msg_id = fields.String()
    created_at = UTCDateTime()
    edited_at = UTCDateTime(allow_none=True)
    deleted = fields.Boolean()
    labels = fields.List(fields.String())  # e.g. "experience_not_advice": show a reminder beside it


class CrisisResourceSchema(Schema):
    name = fields.String()
    phone = fields.String()
    text = fields.String()
    url = fields.String()


class SafetySchema(Schema):
    crisis = fields.Boolean()
    concern = fields.Boolean(metadata={"description": "A lower-confidence concern: true only when crisis is false."})
    resources = fields.List(fields.Nested(CrisisResourceSchema))
    staffed = fields.Boolean(metadata={"description": "Crisis only: whether a moderator may read it soon (staffed "
                                                      "hours, or someone on call)."})
    message = fields.String(metadata={"description": "Crisis only, when staffed is false: says so, beside the helplines."})


class ContactWarningSchema(Schema):
    contact_details = fields.List(fields.String())
    message = fields.String()


class SentMessageSchema(MessageSchema):
    """The sender's view of a message just sent: with what the safety screening has to say."""

    omit_if_none = ("safety", "warning")

    safety = fields.Nested(SafetySchema)
    warning = fields.Nested(ContactWarningSchema)


class MemberSchema(FastDump):
    id = fields.String(attribute="user_id")
    display_name = fields.String()
    read_seq = fields.Integer()


class ConversationSchema(FastDump):
    id = fields.String()
    kind = fields.String()
    title = fields.String(allow_none=True)
    members = fields.List(fields.Nested(MemberSchema))
    last_message = fields.Nested(MessageSchema, allow_none=True)
    unread_count = fields.Integer()
    muted = fields.Boolean()
    last_activity_at = UTCDateTime()


class ReadPositionSchema(FastDump):
    conversation_id = fields.String()
    user_id = fields.String()
    seq = fields.Integer(attribute="read_seq")


class ConnectionSchema(FastDump):
    id = fields.String()
    status = fields.String()
    requester_id = fields.String()
    addressee_id = fields.String()
    message = fields.String(allow_none=True)
    conversation_id = fields.String(allow_none=True)
    created_at = UTCDateTime()
    responded_at = UTCDateTime(allow_none=True)
    safety = fields.Nested(SafetySchema, metadata={"description": "Only when a note just sent reads as a crisis or concern."})


class BlockSchema(FastDump):
    user_id = fields.String(attribute="blocked_id")
    display_name = fields.Function(lambda block: block.blocked.display_name)
    created_at = UTCDateTime()


class SyncSchema(FastDump):
    next_since = fields.String()
    has_more = fields.Boolean()
    messages = fields.List(fields.Nested(MessageSchema))
    read_positions = fields.List(fields.Nested(ReadPositionSchema))
    conversations = fields.List(fields.Nested(ConversationSchema))
    connections = fields.List(fields.Nested(ConnectionSchema))
    mentorships = fields.List(fields.Nested(MentorshipSchema))
    notifications = fields.List(fields.Nested(NotificationSchema))
    left_conversations = fields.List(fields.String(), metadata={
        "description": "Ids of conversations the caller left or was removed from since `since`, each said once: "
                       "drop them. Nothing else about them arrives any more."})


class ConnectionRequestSchema(Schema):
    user_id = Id(required=True)
    message = Text(allow_none=True, validate=validate.Length(max=1000))


class ConnectionQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(["pending", "accepted", "declined"]))


class MessageCreateSchema(Schema):
    client_msg_id = Line(required=True, validate=validate.Length(min=1, max=64))
    body = Body(required=True, validate=validate.Length(min=1, max=4000))


class MessageEditSchema(Schema):
    body = Body(required=True, validate=validate.Length(min=1, max=4000))


class MessageQuerySchema(PageArgsSchema):
    before_seq = fields.Integer(validate=SEQ)
    after_seq = fields.Integer(validate=SEQ)


class ReadSchema(Schema):
    seq = fields.Integer(required=True, strict=True, validate=SEQ)


class ConversationUpdateSchema(Schema):
    muted = fields.Boolean(required=True, truthy={True}, falsy={False})


class BlockCreateSchema(Schema):
    user_id = Id(required=True)


class SyncQuerySchema(Schema):
    since = Line(validate=validate.Length(min=1, max=500))


ConversationPageSchema = page_schema(ConversationSchema, "ConversationPage")
MessagePageSchema = page_schema(MessageSchema, "MessagePage")
ConnectionPageSchema = page_schema(ConnectionSchema, "ConnectionPage")
BlockPageSchema = page_schema(BlockSchema, "BlockPage")

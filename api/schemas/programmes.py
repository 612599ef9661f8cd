"""Programmes: organisations, their members and moderators, and referral codes."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import NOT_BLANK, Id, Line, UTCDateTime, page_schema

KINDS = ["provider", "charity", "staff_network"]


class OrganisationCreateSchema(Schema):
    name = Line(required=True, validate=[validate.Length(min=2, max=120), NOT_BLANK])
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


class OrganisationQuerySchema(Schema):
    all = fields.Boolean(load_default=False, metadata={"description": "Admins and network-wide moderators: every organisation."})


class OrganisationPersonSchema(Schema):
    """Enough to recognise someone: never their email or anything about their health."""

    id = fields.String()
    display_name = fields.String()


class OrganisationSchema(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    created_at = UTCDateTime()
    role = fields.String(allow_none=True, metadata={"description": "The caller's role in it: member, moderator or null."})
    joined_at = UTCDateTime(allow_none=True)


class OrganisationDetailSchema(OrganisationSchema):
    member_count = fields.Integer(allow_none=True, metadata={"description": "Its staff only; null for members."})
    moderators = fields.List(fields.Nested(OrganisationPersonSchema), allow_none=True)


class OrganisationListSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema))
    next_cursor = fields.String(allow_none=True)


class OrganisationMemberSchema(Schema):
    user = fields.Nested(OrganisationPersonSchema)
    role = fields.String()
    joined_at = UTCDateTime()


MemberPageSchema = page_schema(OrganisationMemberSchema, "OrganisationMemberPage")


class ModeratorAddSchema(Schema):
    user_id = Id(required=True)


class ReferralCodeCreateSchema(Schema):
    uses = fields.Integer(load_default=1, allow_none=True, strict=True, validate=validate.Range(min=1, max=100_000),
                          metadata={"description": "How many people may join with it (default 1); null: any number."})
    expires_at = UTCDateTime(allow_none=True, metadata={"description": "Must be in the future; null: never."})


class ReferralCodeSchema(Schema):
    id = fields.String()
    organisation_id = fields.String()
    prefix = fields.String(attribute="code_prefix")
    max_uses = fields.Integer(allow_none=True)
    use_count = fields.Integer()
    uses_left = fields.Integer(allow_none=True, metadata={"description": "null: any number"})
    status = fields.String(metadata={"description": "active, expired, revoked or used_up"})
    expires_at = UTCDateTime(allow_none=True)
    revoked_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class IssuedReferralCodeSchema(ReferralCodeSchema):
    code = fields.String(metadata={"description": "Shown once: only its hash is kept. Hand it to the patient."})


ReferralCodePageSchema = page_schema(ReferralCodeSchema, "ReferralCodePage")


class RedeemSchema(Schema):
    code = Line(required=True, validate=validate.Length(min=1, max=40))

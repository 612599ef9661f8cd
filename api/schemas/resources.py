"""The evidence library: resources, their review dates, and the lists that carry them."""
from __future__ import annotations

from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.common import NOT_BLANK, Body, FullMatch, Id, Line, PageArgsSchema, StrictBool, UTCDateTime, page_schema

EVIDENCE_LEVELS = ["guideline", "systematic_review", "expert_opinion", "lived_experience"]
STATUSES = ["draft", "published", "archived"]


class AuthorSchema(Schema):
    """The author by name only (PersonRefSchema's shape; api.schemas.messaging would import in a circle)."""

    id = fields.String()
    display_name = fields.String()


class WebAddress(Line):
    """An absolute http(s) address: no javascript:, data: or relative links, and no user name in it
    (https://nhs.uk@example.com reads like the NHS but goes elsewhere)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        validate.URL(schemes={"http", "https"}, require_tld=True, error="Give a full http(s):// address.")(text)
        if "@" in urlsplit(text).netloc:
            raise ValidationError("An address must not carry a user name or password.")
        return text


class ResourceWriteSchema(Schema):
    title = Line(validate=[validate.Length(min=1, max=200), NOT_BLANK])
    url = WebAddress(allow_none=True, validate=validate.Length(max=2000))
    body = Body(allow_none=True, validate=[validate.Length(min=1, max=20_000), NOT_BLANK])
    condition_ids = fields.List(Id(), validate=validate.Length(max=20))
    evidence_level = fields.String(validate=validate.OneOf(EVIDENCE_LEVELS),
                                   metadata={"description": "Mentors' own guides default to lived_experience."})
    language = fields.String(validate=FullMatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,4})?",
                                                      error="A language code such as en or cy."))
    review_due = UTCDateTime(metadata={"description": "Staff: when the next review is due (default: a year on)."})
    reviewed_at = UTCDateTime(metadata={"description": "Staff: when it was last reviewed (not in the future)."})


class ResourceCreateSchema(ResourceWriteSchema):
    title = Line(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    status = fields.String(load_default="draft", validate=validate.OneOf(["draft", "published"]),
                           metadata={"description": "Staff only may publish at once; mentors' guides are drafts."})

    @validates_schema
    def url_or_body(self, data, **kwargs):
        if not data.get("url") and not data.get("body"):
            raise ValidationError("Give a link (url), a text (body), or both.", "body")


class ResourceUpdateSchema(ResourceWriteSchema):
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "Staff only."})
    reviewed = StrictBool(validate=validate.Equal(True, error="Send true to record a review now, or leave it out."),
                          metadata={"description": "Staff: record a review now (moves review_due on)."})


class ResourceQuerySchema(PageArgsSchema):
    condition_id = Id(metadata={"description": "Also matches the condition's group, and a group's conditions."})
    q = Line(validate=validate.Length(max=100))
    evidence_level = fields.String(validate=validate.OneOf(EVIDENCE_LEVELS))
    status = fields.String(validate=validate.OneOf(STATUSES),
                           metadata={"description": "Default published. Drafts, archive: your own, or all for staff."})


class ResourceSummarySchema(Schema):
    """A resource in suggestions and queues: no body (GET /resources/{id} has it)."""

    id = fields.String()
    title = fields.String()
    url = fields.String(allow_none=True)
    condition_ids = fields.List(fields.String())
    evidence_level = fields.String()
    status = fields.String()
    reviewed_at = UTCDateTime(allow_none=True)
    review_due = UTCDateTime(allow_none=True)
    labels = fields.List(fields.String(), metadata={"description": "experience_not_advice: a guide from lived "
                                                                   "experience that reads like a medical instruction."})


class ResourceSchema(ResourceSummarySchema):
    body = fields.String(allow_none=True, metadata={"description": "Plain text, never HTML."})
    language = fields.String()
    author = fields.Nested(AuthorSchema, allow_none=True,
                           metadata={"description": "Shown on lived-experience guides, and to staff and the author."})
    published_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    safety = fields.Nested("SafetySchema", metadata={"description": "Only when text just saved reads as a crisis or concern."})


class OverdueQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


ResourcePageSchema = page_schema(ResourceSchema, "ResourcePage")

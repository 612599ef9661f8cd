"""Fields and schemas shared by every endpoint."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate

ID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Text(fields.String):
    """A string without control characters (newlines and tabs allowed); PostgreSQL rejects NUL."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Control characters are not allowed.")
        return text


class Line(Text):
    """A single line of text: no line breaks either."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\n" in text or "\r" in text or "\t" in text:
            raise ValidationError("Line breaks are not allowed here.")
        return text


class UTCDateTime(fields.DateTime):
    """ISO 8601 in UTC with a `Z` suffix, on the way out and in."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise ValidationError("Give a time zone, e.g. a trailing Z for UTC.")
        return parsed.astimezone(timezone.utc)


def Id(**kwargs) -> fields.String:  # noqa: N802 - reads like a field class
    return fields.String(validate=validate.Regexp(f"^{ID_PATTERN}$", error="Not a valid id."), **kwargs)


def StrictBool(**kwargs) -> fields.Boolean:  # noqa: N802
    return fields.Boolean(truthy={True}, falsy={False}, **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem document."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    code = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = Line(validate=validate.Length(max=2000))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """`{items: [...], next_cursor}`: every list in the API has this shape."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema)), "next_cursor": fields.String(allow_none=True)},
        name=name,
    )

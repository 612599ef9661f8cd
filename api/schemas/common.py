"""Fields and schemas shared by every endpoint."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate

ID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON may carry lone UTF-16 surrogates ("\\ud800"); they cannot be encoded as UTF-8, so no
# database driver (nor argon2) accepts them: refuse them here rather than fail later with a 500.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Password(fields.String):
    """Any characters a person can type: no lone surrogates."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _SURROGATE.search(text):
            raise ValidationError("Not valid Unicode text.")
        return text


class Text(Password):
    """A string without control characters (newlines and tabs allowed); PostgreSQL rejects NUL."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Control characters are not allowed.")
        return text


class Body(Password):
    """Free text stored exactly as sent; only NUL is refused (PostgreSQL cannot store it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("NUL characters are not allowed.")
        return text


class Line(Text):
    """A single line of text: no line breaks either."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\n" in text or "\r" in text or "\t" in text:
            raise ValidationError("Line breaks are not allowed here.")
        return text


class Email(fields.Email):
    """An email address; the domain part is otherwise free to carry lone surrogates."""

    def _deserialize(self, value, attr, data, **kwargs):
        return Line()._deserialize(super()._deserialize(value, attr, data, **kwargs), attr, data, **kwargs)


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
        try:
            return parsed.astimezone(timezone.utc)
        except OverflowError:  # 0001-01-01T00:00+01:00 is a valid ISO string but no UTC datetime
            raise ValidationError("Not a representable time.") from None


class FullMatch(validate.Regexp):
    """The whole value must match `body`, read the same way by Python, ECMAScript and Swift.

    The OpenAPI document shows `^(?:body)$`, which generated clients can use as it is. Python's
    `$` would also accept one trailing newline, so the check itself uses `fullmatch()`.
    """

    def __init__(self, body: str, *, error: str):
        super().__init__(f"^(?:{body})$", error=error)
        self._whole = re.compile(body)

    def __call__(self, value):
        if not isinstance(value, str) or self._whole.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


NOT_BLANK = validate.Regexp(r"^\s*\S", error="Must not be blank.")


def Id(**kwargs) -> fields.String:  # noqa: N802 - reads like a field class
    return fields.String(validate=FullMatch(ID_PATTERN, error="Not a valid id."), **kwargs)


class StrictBool(fields.Boolean):
    """Only JSON true and false: marshmallow's own Boolean takes 1 and 0 (1 == True in Python)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ProblemSchema(Schema):
    """RFC 9457 problem document."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    code = fields.String(metadata={"description": "Machine-readable; the table in the description explains each."})
    instance = fields.String(metadata={"description": "This request's id (X-Request-ID), for the operator."})
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

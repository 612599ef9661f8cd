from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.common import FullMatch, Id, Line, PageArgsSchema, StrictBool, UTCDateTime, page_schema
from api.schemas.fastdump import FastDump


class DeviceCreateSchema(Schema):
    token = Line(required=True, validate=[validate.Length(min=1, max=4096),
                                          FullMatch(r"\S+", error="A token has no spaces.")])
    platform = fields.String(required=True, validate=validate.OneOf(["ios", "android", "web"]))
    app_version = Line(allow_none=True, validate=validate.Length(max=40))


class DeviceSchema(Schema):
    id = fields.String()
    platform = fields.String()
    app_version = fields.String(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class NotificationSchema(FastDump):
    id = fields.String()
    type = fields.String()
    data = fields.Dict(keys=fields.String(), values=fields.String())
    created_at = UTCDateTime()
    read_at = UTCDateTime(allow_none=True)


class NotificationQuerySchema(PageArgsSchema):
    unread_only = fields.Boolean(load_default=False)


class NotificationReadSchema(Schema):
    ids = fields.List(Id(), validate=validate.Length(max=500))
    all = StrictBool()

    @validates_schema
    def one_of_ids_or_all(self, data, **kwargs):
        if not data.get("ids") and data.get("all") is not True:
            raise ValidationError("Send `ids` or `all: true`.", "ids")


class NotificationPageSchema(page_schema(NotificationSchema, "NotificationPageBase")):
    unread_count = fields.Integer(metadata={"description": "Unread notifications: the badge number"})

from marshmallow import Schema, fields, validate

from api.schemas.common import Line, PageArgsSchema, page_schema


class ConditionSchema(Schema):
    id = fields.String()
    slug = fields.String()
    name = fields.String()
    icd10 = fields.String(allow_none=True)
    parent_id = fields.String(allow_none=True)
    synonyms = fields.List(fields.String())


class ConditionQuerySchema(PageArgsSchema):
    q = Line(validate=validate.Length(max=100))


ConditionPageSchema = page_schema(ConditionSchema, "ConditionPage")

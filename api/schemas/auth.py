from marshmallow import Schema, fields, validate

from api.schemas.common import Email, Line, Password, StrictBool
from api.schemas.users import MeSchema, bio, display_name, languages, pronouns, region, timezone


class RegisterSchema(Schema):
    email = Email(required=True, validate=validate.Length(max=254))
    # Length and common-password rules live in the service so the message explains them.
    password = Password(required=True, validate=validate.Length(max=256))
    display_name = display_name(required=True)
    birth_year = fields.Integer(required=True, strict=True, validate=validate.Range(min=1900, max=2200))
    accept_terms = StrictBool(required=True)
    consent_health_data = StrictBool(required=True)
    bio = bio()
    pronouns = pronouns()
    languages = languages()
    region = region()
    timezone = timezone()


class LoginSchema(Schema):
    email = Line(required=True, validate=validate.Length(min=1, max=254))
    password = Password(required=True, validate=validate.Length(max=256))


class TokenPairSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()


class SessionSchema(TokenPairSchema):
    user = fields.Nested(MeSchema)

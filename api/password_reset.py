from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.accounts import auth_rate_limit
from api.extensions import PUBLIC
from api.schemas.common import Email, Line, Password
from services import password_reset

blp = Blueprint("password_reset", __name__, url_prefix="/api/v1/auth", description="Password reset by email")

REQUESTED = "If an account uses this email, we have sent it a link to choose a new password."


class PasswordResetRequestSchema(Schema):
    email = Email(required=True, validate=validate.Length(max=254))


class PasswordResetRequestedSchema(Schema):
    detail = fields.String()


class PasswordResetConfirmSchema(Schema):
    token = Line(required=True, validate=validate.Length(min=1, max=200))
    # Length and common-password rules live in the service, as at registration.
    password = Password(required=True, validate=validate.Length(max=256))


@blp.post("/password-reset")
@blp.doc(**PUBLIC)
@auth_rate_limit()
@blp.arguments(PasswordResetRequestSchema)
@blp.response(202, PasswordResetRequestedSchema)
@blp.alt_response(429, description="Too many attempts")
def request_reset(data):
    """Email a password-reset link; the answer is the same whether or not the email has an account."""
    password_reset.request_reset(email=data["email"])
    return {"detail": REQUESTED}


@blp.post("/password-reset/confirm")
@blp.doc(**PUBLIC)
@auth_rate_limit()
@blp.arguments(PasswordResetConfirmSchema)
@blp.response(204)
@blp.alt_response(400, description="The token is invalid, expired or already used (code `invalid_token`)")
@blp.alt_response(422, description="The new password breaks the password policy")
@blp.alt_response(429, description="Too many attempts")
def confirm_reset(data):
    """Choose a new password with the emailed token; every session of the account ends."""
    password_reset.confirm_reset(token=data["token"], password=data["password"])

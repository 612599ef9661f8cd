from flask import current_app
from flask_jwt_extended import get_jwt, jwt_required
from flask_smorest import Blueprint

from api.extensions import PUBLIC, limiter, per_account_and_ip, per_session_and_ip, per_user_and_ip
from api.schemas.auth import LoginSchema, RegisterSchema, SessionSchema, TokenPairSchema
from services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and sessions")


def auth_rate_limit():
    """Anonymous account actions other than sign-in and registration (password reset): per address."""
    return limiter.limit(lambda: current_app.config["AUTH_RATE_LIMIT"])


def registration_rate_limit():
    """Per address, with a burst a clinic's shared Wi-Fi survives when a group signs up together."""
    return limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT_PER_IP"], scope="REGISTER_RATE_LIMIT_PER_IP")


@blp.post("/register")
@blp.doc(**PUBLIC)
@registration_rate_limit()
@blp.arguments(RegisterSchema)
@blp.response(201, SessionSchema)
@blp.alt_response(409, description="An account with this email exists")
@blp.alt_response(429, description="Too many attempts")
def register(data):
    """Create an account (16+, explicit terms and health-data consent) and sign in."""
    user, tokens = accounts.register(**data)
    return {"user": user, "access_token": tokens.access_token, "refresh_token": tokens.refresh_token}


@blp.post("/login")
@blp.doc(**PUBLIC)
@per_account_and_ip("LOGIN_RATE_LIMIT")
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, description="Wrong email or password (one message for both)")
def login(data):
    """Sign in with email and password."""
    user, tokens = accounts.login(**data)
    return {"user": user, "access_token": tokens.access_token, "refresh_token": tokens.refresh_token}


@blp.post("/refresh")
@jwt_required(refresh=True)
@per_session_and_ip("REFRESH_RATE_LIMIT")
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, description="Missing, expired, revoked or replayed refresh token")
def refresh():
    """Exchange the bearer refresh token for a new pair; the old one stops working."""
    claims = get_jwt()
    return accounts.refresh(user_id=claims["sub"], session_id=claims["sid"], jti=claims["jti"])


@blp.post("/logout")
@jwt_required(verify_type=False)
@per_user_and_ip("SESSION_RATE_LIMIT")
@blp.response(204)
@blp.alt_response(401, description="Missing or invalid token")
def logout():
    """End this session: its access and refresh tokens stop working."""
    accounts.logout(session_id=get_jwt()["sid"])

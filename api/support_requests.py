from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.common import PageArgsSchema
from api.schemas.groups import (
    OpenSupportRequestPageSchema, SupportRequestAnswerSchema, SupportRequestCreateSchema, SupportRequestPageSchema,
    SupportRequestQuerySchema, SupportRequestSchema,
)
from services import support_requests

blp = Blueprint("support_requests", __name__, url_prefix="/api/v1", description="Support requests: the sliding scale")


@blp.post("/support-requests")
@jwt_required()
@per_user_and_ip("SUPPORT_REQUEST_RATE_LIMIT")
@blp.arguments(SupportRequestCreateSchema)
@blp.response(201, SupportRequestSchema)
def create_support_request(data):
    """Ask for support; the answer suggests peers, mentors, circles or resources, by intent."""
    return support_requests.create_request(current_user, **data)


@blp.get("/support-requests")
@jwt_required()
@blp.arguments(SupportRequestQuerySchema, location="query")
@blp.response(200, SupportRequestPageSchema)
def list_support_requests(args):
    """List the caller's own requests, newest first."""
    return support_requests.list_requests(current_user, **args)


@blp.get("/support-requests/open")
@jwt_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, OpenSupportRequestPageSchema)
@blp.alt_response(403, description="Mentors only")
def list_open_support_requests(args):
    """Mentors: open requests they could answer, newest first."""
    return support_requests.list_open_requests(current_user, **args)


@blp.get("/support-requests/<id:request_id>")
@jwt_required()
@blp.response(200, SupportRequestSchema)
def get_support_request(request_id):
    """Show one of the caller's requests; while open, with fresh suggestions."""
    return support_requests.get_request(current_user, request_id)


@blp.post("/support-requests/<id:request_id>/close")
@jwt_required()
@per_user_and_ip("SUPPORT_REQUEST_RATE_LIMIT")
@blp.response(200, SupportRequestSchema)
def close_support_request(request_id):
    """Close one of the caller's requests (closing twice changes nothing)."""
    return support_requests.close_request(current_user, request_id)


@blp.post("/support-requests/<id:request_id>/answer")
@jwt_required()
@per_user_and_ip("SUPPORT_REQUEST_RATE_LIMIT")
@blp.response(200, SupportRequestAnswerSchema)
@blp.alt_response(403, description="Mentors only")
@blp.alt_response(409, description="Already answered or closed")
def answer_support_request(request_id):
    """Mentors: answer an open request; the requester gets a connection request from you."""
    request, connection = support_requests.answer_request(current_user, request_id)
    return {"id": request.id, "status": request.status, "connection": connection}

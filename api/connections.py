from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.messaging import ConnectionPageSchema, ConnectionQuerySchema, ConnectionRequestSchema, ConnectionSchema
from services import connections

blp = Blueprint("connections", __name__, url_prefix="/api/v1", description="Peer connections")


@blp.post("/connections")
@jwt_required()
@per_user_and_ip("REQUEST_RATE_LIMIT")
@blp.arguments(ConnectionRequestSchema)
@blp.response(201, ConnectionSchema)
@blp.alt_response(409, description="A request is already pending, or you are connected")
def request_connection(data):
    """Ask someone to connect, with an optional note."""
    return connections.request_connection(current_user, **data)


@blp.get("/connections")
@jwt_required()
@blp.arguments(ConnectionQuerySchema, location="query")
@blp.response(200, ConnectionPageSchema)
def list_connections(args):
    """List the caller's requests (sent and received) and connections, newest first."""
    return connections.list_connections(current_user, **args)


@blp.post("/connections/<id:connection_id>/accept")
@jwt_required()
@per_user_and_ip("CONNECTION_RATE_LIMIT")
@blp.response(200, ConnectionSchema)
def accept_connection(connection_id):
    """Accept a request addressed to the caller; opens a direct conversation."""
    return connections.accept_connection(current_user, connection_id)


@blp.post("/connections/<id:connection_id>/decline")
@jwt_required()
@per_user_and_ip("CONNECTION_RATE_LIMIT")
@blp.response(200, ConnectionSchema)
def decline_connection(connection_id):
    """Decline a request addressed to the caller."""
    return connections.decline_connection(current_user, connection_id)

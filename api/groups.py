from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.groups import (
    GroupCreateSchema, GroupMembershipSchema, GroupPageSchema, GroupQuerySchema, GroupSchema, InvitationCreateSchema,
)
from services import groups

blp = Blueprint("groups", __name__, url_prefix="/api/v1", description="Peer circles (groups)")


@blp.get("/groups")
@jwt_required()
@blp.arguments(GroupQuerySchema, location="query")
@blp.response(200, GroupPageSchema)
def list_groups(args):
    """List the circles the caller may see, alphabetically; filter by condition or by name."""
    return groups.list_groups(current_user, **args)


@blp.post("/groups")
@jwt_required()
@per_user_and_ip("GROUP_RATE_LIMIT")
@blp.arguments(GroupCreateSchema)
@blp.response(201, GroupSchema)
@blp.alt_response(403, description="Only mentors and moderators start circles")
def create_group(data):
    """Start a circle (mentors and moderators); its group conversation opens with the caller as host."""
    return groups.create_group(current_user, **data)


@blp.get("/groups/<id:group_id>")
@jwt_required()
@blp.response(200, GroupSchema)
def get_group(group_id):
    """Show one circle the caller may see."""
    return groups.get_group(current_user, group_id)


@blp.post("/groups/<id:group_id>/join")
@jwt_required()
@per_user_and_ip("GROUP_RATE_LIMIT")
@blp.response(200, GroupSchema)
@blp.alt_response(409, description="The circle is full")
def join_group(group_id):
    """Join a public circle or one you were invited to; for other private circles, ask to join."""
    return groups.join_group(current_user, group_id)


@blp.post("/groups/<id:group_id>/leave")
@jwt_required()
@per_user_and_ip("GROUP_RATE_LIMIT")
@blp.response(200, GroupSchema)
@blp.alt_response(409, description="You are not in this circle")
def leave_group(group_id):
    """Leave a circle (also: turn down an invitation, or withdraw a request to join)."""
    return groups.leave_group(current_user, group_id)


@blp.post("/groups/<id:group_id>/invitations")
@jwt_required()
@per_user_and_ip("GROUP_RATE_LIMIT")
@blp.arguments(InvitationCreateSchema)
@blp.response(201, GroupMembershipSchema)
@blp.alt_response(200, schema=GroupMembershipSchema, description="Already invited")
@blp.alt_response(403, description="Only the circle's hosts and moderators invite")
@blp.alt_response(409, description="Already a member, or the circle is full")
def invite_to_group(data, group_id):
    """Hosts and moderators: invite someone (someone who asked to join is let in at once)."""
    membership, changed = groups.invite(current_user, group_id, **data)
    return membership, 201 if changed else 200


@blp.post("/groups/<id:group_id>/members/<id:user_id>/approve")
@jwt_required()
@per_user_and_ip("GROUP_RATE_LIMIT")
@blp.response(200, GroupMembershipSchema)
@blp.alt_response(403, description="Only the circle's hosts and moderators approve")
@blp.alt_response(409, description="The circle is full, or this person did not ask to join")
def approve_group_member(group_id, user_id):
    """Hosts and moderators: let in someone who asked to join a private circle."""
    return groups.approve(current_user, group_id, user_id=user_id)


@blp.delete("/groups/<id:group_id>/members/<id:user_id>")
@jwt_required()
@per_user_and_ip("GROUP_RATE_LIMIT")
@blp.response(204)
@blp.alt_response(403, description="Only the circle's hosts and moderators remove people; only moderators remove hosts")
def remove_group_member(group_id, user_id):
    """Hosts and moderators: remove a member, withdraw an invitation or turn down a request."""
    groups.remove_member(current_user, group_id, user_id=user_id)

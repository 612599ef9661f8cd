from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.resources import (
    OverdueQuerySchema, ResourceCreateSchema, ResourcePageSchema, ResourceQuerySchema, ResourceSchema,
    ResourceUpdateSchema,
)
from services import resources

blp = Blueprint("resources", __name__, url_prefix="/api/v1", description="The evidence library: curated guides and links per condition")


@blp.get("/resources")
@jwt_required()
@blp.arguments(ResourceQuerySchema, location="query")
@blp.response(200, ResourcePageSchema)
def list_resources(args):
    """Published guides and links, strongest evidence first, then most recently reviewed."""
    return resources.search(current_user, **args)


@blp.post("/resources")
@jwt_required()
@per_user_and_ip("RESOURCE_RATE_LIMIT")
@blp.arguments(ResourceCreateSchema)
@blp.response(201, ResourceSchema)
@blp.alt_response(403, description="Moderators, and mentors for drafts")
def create_resource(data):
    """Moderators add (and may publish) resources; mentors add drafts a moderator publishes."""
    return resources.create(current_user, **data)


@blp.get("/resources/<id:resource_id>")
@jwt_required()
@blp.response(200, ResourceSchema)
def get_resource(resource_id):
    """One resource; a draft only for its author and staff."""
    return resources.get(current_user, resource_id)


@blp.patch("/resources/<id:resource_id>")
@jwt_required()
@per_user_and_ip("RESOURCE_RATE_LIMIT")
@blp.arguments(ResourceUpdateSchema)
@blp.response(200, ResourceSchema)
@blp.alt_response(403, description="Only staff change published resources, publish, archive or review")
def update_resource(data, resource_id):
    """Authors edit their drafts; staff edit, publish, archive and record reviews (audited)."""
    return resources.update(current_user, resource_id, **data)


@blp.get("/moderation/resources/overdue")
@jwt_required()
@blp.arguments(OverdueQuerySchema, location="query")
@blp.response(200, ResourcePageSchema)
@blp.alt_response(403, description="Moderators only")
def list_overdue_reviews(args):
    """Moderators: published resources whose review is due, the longest overdue first."""
    return {"items": resources.overdue_reviews(current_user, **args), "next_cursor": None}

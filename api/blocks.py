from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.messaging import BlockCreateSchema, BlockPageSchema, BlockSchema
from services import blocks

blp = Blueprint("blocks", __name__, url_prefix="/api/v1", description="Blocks: silent and two-way")


@blp.post("/blocks")
@jwt_required()
@per_user_and_ip("BLOCK_RATE_LIMIT")
@blp.arguments(BlockCreateSchema)
@blp.response(201, BlockSchema)
@blp.alt_response(200, schema=BlockSchema, description="Already blocked")
def block_user(data):
    """Block someone: each disappears from the other's view, and they are not told."""
    block, created = blocks.block_user(current_user, **data)
    return block, 201 if created else 200


@blp.get("/blocks")
@jwt_required()
@blp.response(200, BlockPageSchema)
def list_blocks():
    """List the people the caller has blocked."""
    return {"items": blocks.list_blocks(current_user), "next_cursor": None}


@blp.delete("/blocks/<id:user_id>")
@jwt_required()
@per_user_and_ip("BLOCK_RATE_LIMIT")
@blp.response(204)
def unblock_user(user_id):
    """Lift a block (idempotent)."""
    blocks.unblock_user(current_user, user_id=user_id)

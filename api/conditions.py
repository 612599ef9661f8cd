from flask_smorest import Blueprint

from api.extensions import PUBLIC
from api.schemas.conditions import ConditionPageSchema, ConditionQuerySchema
from services import conditions as condition_service

blp = Blueprint("conditions", __name__, url_prefix="/api/v1", description="The long-term condition taxonomy")


@blp.get("/conditions")
@blp.doc(**PUBLIC)
@blp.arguments(ConditionQuerySchema, location="query")
@blp.response(200, ConditionPageSchema)
def list_conditions(args):
    """Search the condition taxonomy by name or synonym (`?q=sugar` finds diabetes)."""
    return condition_service.search_conditions(**args)

from flask_smorest import Blueprint

blp = Blueprint("outcomes", __name__, url_prefix="/api/v1", description="De-identified outcomes and programme metrics for programme leads")

from flask_smorest import Blueprint

blp = Blueprint("resources", __name__, url_prefix="/api/v1", description="The evidence library: curated guides and links per condition")

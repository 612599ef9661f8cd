from flask_smorest import Blueprint

blp = Blueprint("check_ins", __name__, url_prefix="/api/v1", description="Outcome check-ins with short validated questionnaires")

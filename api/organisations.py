from flask_smorest import Blueprint

blp = Blueprint("organisations", __name__, url_prefix="/api/v1", description="Programmes: organisations, their members and referral codes")

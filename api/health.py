from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.errors import problem
from api.extensions import PUBLIC
from services.health import dependency_status

blp = Blueprint("health", __name__, description="Liveness and readiness for load balancers")


class HealthSchema(Schema):
    status = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String())


@blp.get("/healthz")
@blp.doc(**PUBLIC)
@blp.response(200, HealthSchema)
def healthz():
    """Say the process is up."""
    return {"status": "ok"}


@blp.get("/readyz")
@blp.doc(**PUBLIC)
@blp.response(200, HealthSchema)
@blp.alt_response(503, description="A dependency does not answer")
def readyz():
    """Say whether the database (and Redis, when configured) answer."""
    checks = dependency_status()
    if any(value != "ok" for value in checks.values()):
        unavailable = ", ".join(name for name, value in checks.items() if value != "ok")
        return problem(503, title="Not ready", detail=f"Unavailable: {unavailable}.", code="not_ready",
                       headers={"Retry-After": "5"})
    return {"status": "ok", "checks": checks}

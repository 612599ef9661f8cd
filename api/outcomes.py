"""Outcomes for programme leads: JSON, a CSV for spreadsheets and an SVG chart (docs/outcomes.md)."""
from flask import Response
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.schemas.outcomes import ChartQuerySchema, OutcomeQuerySchema, OutcomeSummarySchema, ProgrammeMetricsSchema
from models import utcnow
from services import outcome_exports, outcomes

blp = Blueprint("outcomes", __name__, url_prefix="/api/v1", description="De-identified outcomes and programme metrics for programme leads")

TEXT = {"schema": {"type": "string"}}


@blp.get("/moderation/outcomes")
@jwt_required()
@blp.arguments(OutcomeQuerySchema, location="query")
@blp.response(200, OutcomeSummarySchema)
@blp.alt_response(403, description="Not a moderator or admin")
@blp.alt_response(404, description="An organisation you do not moderate (or none with this id)")
def read_outcomes(args):
    """Moderators: mean change between first and latest check-in, split by peer support; small groups withheld."""
    return outcomes.summary(current_user, **args)


@blp.get("/moderation/outcomes.csv")
@jwt_required()
@blp.arguments(OutcomeQuerySchema, location="query")
@blp.doc(responses={"200": {"description": "One row per instrument, measure and group (UTF-8)",
                             "content": {"text/csv": TEXT}}})
@blp.alt_response(403, description="Not a moderator or admin")
@blp.alt_response(404, description="An organisation you do not moderate (or none with this id)")
def export_outcomes(args):
    """Moderators: the outcomes as a CSV file for a spreadsheet."""
    body = outcome_exports.to_csv(outcomes.summary(current_user, **args))
    filename = f"peerless-outcomes-{utcnow():%Y-%m-%d}.csv"
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.get("/moderation/outcomes/chart.svg")
@jwt_required()
@blp.arguments(ChartQuerySchema, location="query")
@blp.doc(responses={"200": {"description": "A self-contained, accessible SVG bar chart",
                             "content": {"image/svg+xml": TEXT}}})
@blp.alt_response(403, description="Not a moderator or admin")
@blp.alt_response(404, description="An organisation you do not moderate (or none with this id)")
def outcomes_chart(args):
    """Moderators: mean first vs latest score per group for one instrument's measure, as SVG."""
    instrument, measure = args.pop("instrument"), args.pop("measure")
    return Response(outcome_exports.chart_svg(outcomes.summary(current_user, **args), instrument, measure),
                    content_type="image/svg+xml; charset=utf-8")


@blp.get("/moderation/programme-metrics")
@jwt_required()
@blp.arguments(OutcomeQuerySchema, location="query")
@blp.response(200, ProgrammeMetricsSchema)
@blp.alt_response(403, description="Not a moderator or admin")
@blp.alt_response(404, description="An organisation you do not moderate (or none with this id)")
def read_programme_metrics(args):
    """Moderators: match requests, acceptance, reply times, expiry and mentor load; small groups withheld."""
    return outcomes.programme_metrics(current_user, **args)

"""Outcomes and programme metrics: de-identified tables, one chart (server-side SVG) and a CSV."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, g, render_template, request
from markupsafe import Markup

from api.console import bp
from models import utcnow
from services import organisations, outcomes
from services.checkins.instruments import INSTRUMENTS

# Reporting periods (days back from now); programme reports are usually for a quarter or a year.
PERIODS = {"91": "The last 3 months", "365": "The last 12 months", "730": "The last 2 years"}
DEFAULT_PERIOD = "365"
CHOICES = [(f"{i.key}:{m.key}", f"{i.name}: {m.name}") for i in INSTRUMENTS.values() for m in i.measures]


@bp.get("/outcomes")
def outcomes_page():
    """Programme metrics, outcome tables and one chart (audited reads)."""
    staff, organisation_id, period = g.console.user, _organisation_id(), _period()
    window = {"organisation_id": organisation_id, "since": utcnow() - timedelta(days=int(period))}
    summary = outcomes.summary(staff, **window)
    metrics = outcomes.programme_metrics(staff, **window)
    chosen = request.args.get("chart") if request.args.get("chart") in dict(CHOICES) else CHOICES[0][0]
    # The service escapes every text it puts in the SVG; it is drawn inline so its <title>/<desc> reach screen readers.
    chart = Markup(outcomes.chart_svg(summary, *chosen.split(":")))
    everything = organisations.is_global_staff(staff)
    return render_template(
        "console/outcomes.html", summary=summary, metrics=metrics, chart=chart, chosen=chosen, choices=CHOICES,
        instruments=INSTRUMENTS, group_labels=outcomes.GROUP_LABELS, organisation_id=organisation_id,
        period=period, periods=PERIODS,
        organisations=organisations.list_organisations(staff, everything=everything), everything=everything)


@bp.get("/outcomes.csv")
def outcomes_csv():
    """The outcomes as a CSV file."""
    since = utcnow() - timedelta(days=int(_period()))
    body = outcomes.to_csv(outcomes.summary(g.console.user, organisation_id=_organisation_id(), since=since))
    return Response(body, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="peerless-outcomes-{utcnow():%Y-%m-%d}.csv"'})


def _period() -> str:
    return request.args.get("period") if request.args.get("period") in PERIODS else DEFAULT_PERIOD


def _organisation_id() -> str | None:
    value = request.args.get("organisation_id") or None
    return value if value is None or len(value) == 36 else "not-an-organisation"  # the service answers 404

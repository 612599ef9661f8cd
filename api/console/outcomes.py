"""Outcomes and programme metrics: de-identified tables, one chart (server-side SVG) and a CSV."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, g, render_template, request
from markupsafe import Markup

from api.console import bp
from models import utcnow
from services import disclosure, organisations, outcome_exports, outcomes
from services.checkins.instruments import INSTRUMENTS

# Figures come for one calendar quarter that has ended (services/disclosure.py); the last two years are offered.
QUARTERS_OFFERED = 8
CHOICES = [(f"{i.key}:{m.key}", f"{i.name}: {m.name}") for i in INSTRUMENTS.values() for m in i.measures]


@bp.get("/outcomes")
def outcomes_page():
    """Programme metrics, outcome tables and one chart (audited reads)."""
    staff, organisation_id, (period, periods) = g.console.user, _organisation_id(), _period()
    window = {"organisation_id": organisation_id, "period": period}
    summary = outcomes.summary(staff, **window)
    metrics = outcomes.programme_metrics(staff, **window)
    chosen = request.args.get("chart") if request.args.get("chart") in dict(CHOICES) else CHOICES[0][0]
    # The service escapes every text it puts in the SVG; it is drawn inline so its <title>/<desc> reach screen readers.
    chart = Markup(outcome_exports.chart_svg(summary, *chosen.split(":")))
    everything = organisations.is_global_staff(staff)
    return render_template(
        "console/outcomes.html", summary=summary, metrics=metrics, chart=chart, chosen=chosen, choices=CHOICES,
        instruments=INSTRUMENTS, group_labels=outcomes.GROUP_LABELS, organisation_id=organisation_id,
        period=period, periods=periods,
        organisations=organisations.list_organisations(staff, everything=everything), everything=everything)


@bp.get("/outcomes.csv")
def outcomes_csv():
    """The outcomes as a CSV file."""
    body = outcome_exports.to_csv(outcomes.summary(g.console.user, organisation_id=_organisation_id(), period=_period()[0]))
    return Response(body, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="peerless-outcomes-{utcnow():%Y-%m-%d}.csv"'})


def _period() -> tuple[str, dict[str, str]]:
    """The chosen quarter (the latest ended one unless another offered one is asked for) and the choices."""
    periods = {q.label: f"{q.label} ({q.since:%-d %b} to {q.until - timedelta(days=1):%-d %b %Y})"
               for q in disclosure.completed_quarters(utcnow(), QUARTERS_OFFERED)}
    asked = request.args.get("period")
    return (asked if asked in periods else next(iter(periods))), periods


def _organisation_id() -> str | None:
    value = request.args.get("organisation_id") or None
    return value if value is None or len(value) == 36 else "not-an-organisation"  # the service answers 404

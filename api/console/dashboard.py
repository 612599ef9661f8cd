"""The dashboard: what needs a moderator now, most urgent first, each a count and a link."""
from __future__ import annotations

from flask import g, render_template

from api.console import bp, error_page
from models import Severity
from services import alerts, mentors, moderation, organisations, push_worker, resources

CRISIS_PREVIEW = 5


@bp.app_template_filter("console_age")
def alert_age(report) -> str:
    """How long a report has waited for a moderator (until acknowledged): "4 min", "2 h 5 min", "3 days"."""
    minutes = alerts.minutes_waiting(report)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


@bp.get("/")
def dashboard():
    """What waits for a moderator, most urgent first."""
    staff = g.console.user
    counts = moderation.open_report_counts(staff)
    # The queue's order: most severe first, then oldest, so the longest-waiting crisis alert leads.
    crisis = [r for r in moderation.queue(staff, limit=CRISIS_PREVIEW).items if r.severity == Severity.HIGH]
    names = moderation.display_names(staff, {r.acknowledged_by for r in crisis if r.acknowledged_by})
    # Push delivery is the whole network's plumbing: not shown to an organisation's own moderators.
    dead = push_worker.dead_letter_count() if organisations.is_global_staff(staff) else None
    return render_template(
        "console/dashboard.html", counts=counts, crisis=crisis, names=names, dead_letters=dead,
        pending_applications=mentors.count_applications(staff),
        expiring=len(mentors.expiring_accreditations(staff)), resources_due=len(resources.overdue_reviews(staff)),
    )


@bp.get("/pushes/dead")
def dead_letters():
    """The newest pushes given up on."""
    if not organisations.is_global_staff(g.console.user):
        return error_page(403, "Network staff only", "Push delivery is looked after by network-wide staff.")
    return render_template("console/dead_letters.html", rows=push_worker.dead_letters())


@bp.get("/<path:unknown>")
def not_found(unknown: str):
    """Any other console address: a page, not the API's JSON problem."""
    return error_page(404, "Page not found", "There is no console page at this address.")

"""The dashboard: what needs a moderator now, most urgent first, each a count and a link."""
from __future__ import annotations

from flask import g, render_template

from api.console import bp, error_page
from models import Severity
from services import mentors, moderation, organisations, push_worker, resources

CRISIS_PREVIEW = 5


@bp.get("/")
def dashboard():
    """What waits for a moderator, most urgent first."""
    staff = g.console.user
    counts = moderation.open_report_counts(staff)
    crisis = [r for r in moderation.queue(staff, limit=CRISIS_PREVIEW).items if r.severity == Severity.HIGH]
    # Push delivery is the whole network's plumbing: not shown to an organisation's own moderators.
    dead = push_worker.dead_letter_count() if organisations.is_global_staff(staff) else None
    return render_template(
        "console/dashboard.html", counts=counts, crisis=crisis, dead_letters=dead,
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

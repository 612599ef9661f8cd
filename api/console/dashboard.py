"""The dashboard: what needs a moderator now, most urgent first, each a count and a link."""
from __future__ import annotations

from flask import g, render_template

from api.console import bp
from models import Severity
from services import mentors, moderation, push_worker

CRISIS_PREVIEW = 5


@bp.get("/")
def dashboard():
    staff = g.console.user
    counts = moderation.open_report_counts(staff)
    crisis = [r for r in moderation.queue(staff, limit=CRISIS_PREVIEW).items if r.severity == Severity.HIGH]
    return render_template(
        "console/dashboard.html", counts=counts, crisis=crisis,
        pending_applications=mentors.count_applications(staff),
        expiring=len(mentors.expiring_accreditations(staff)),
        dead_letters=push_worker.dead_letter_count(),
    )


@bp.get("/pushes/dead")
def dead_letters():
    return render_template("console/dead_letters.html", rows=push_worker.dead_letters())

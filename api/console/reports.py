"""The report queue, one report with its content in context (an audited read), and its resolution."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.console import bp, form_errors, parse_form, safe_next
from api.extensions import per_staff_and_ip
from api.schemas.moderation import ACTIONS, ResolveSchema
from models import db
from services import alerts, moderation
from services.errors import ConflictError, InvalidInputError, PermissionDeniedError

ACTION_LABELS = {"dismiss": "Dismiss (no action)", "remove_content": "Remove the message",
                 "warn": "Warn the person", "suspend_user": "Suspend the person", "unsuspend": "Lift a suspension"}
STATUSES = ("open", "resolved")


@bp.get("/reports")
def report_queue():
    """The open (or resolved) reports, most severe first."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else "open"
    page = moderation.queue(g.console.user, status=status, cursor=request.args.get("cursor") or None)
    return render_template("console/reports.html", page=page, status=status, statuses=STATUSES)


@bp.get("/reports/<id:report_id>")
def report_detail(report_id: str, *, error: str | None = None, status: int = 200):
    """One report with the conversation around it (an audited read) and the resolution form."""
    view = moderation.read_report(g.console.user, report_id)
    people = {view.reporter_id, view.target_user_id, view.resolved_by, view.acknowledged_by,
              *(m.sender_id for m in view.context)}
    names = moderation.display_names(g.console.user, {p for p in people if p})
    return render_template("console/report.html", view=view, names=names, error=error,
                           actions=[(a, ACTION_LABELS[a]) for a in ACTIONS], done=request.args.get("done")), status


@bp.post("/reports/<id:report_id>/resolve")
@per_staff_and_ip("STAFF_ACTION_RATE_LIMIT")
def resolve_report(report_id: str):
    """Resolve a report; a refusal is shown beside the form."""
    try:
        data = parse_form(ResolveSchema(), ("action", "note", "real_crisis", "concern_reviewed"))
    except ValidationError as invalid:
        return report_detail(report_id, error=form_errors(invalid), status=422)
    try:
        moderation.resolve(g.console.user, report_id, **data)
    except (ConflictError, InvalidInputError, PermissionDeniedError) as refused:  # shown beside the form
        db.session.rollback()
        return report_detail(report_id, error=refused.detail, status=refused.status)
    return redirect(url_for("console.report_detail", report_id=report_id, done=data["action"]), 303)


@bp.post("/reports/<id:report_id>/acknowledge")
@per_staff_and_ip("STAFF_ACTION_RATE_LIMIT")
def acknowledge_report(report_id: str):
    """Take on an alert ("I have this"): it stops escalating. Back to the page the button was on."""
    try:
        alerts.acknowledge(g.console.user, report_id)
    except ConflictError as refused:  # resolved before anyone acknowledged it
        db.session.rollback()
        return report_detail(report_id, error=refused.detail, status=refused.status)
    if request.form.get("next"):
        return redirect(safe_next(request.form["next"]), 303)
    return redirect(url_for("console.report_detail", report_id=report_id, done="acknowledged"), 303)

"""Crisis alerts that someone answers: acknowledgement, escalation while nobody does, and labels.

A high-severity item (the crisis detector's alert, or a person's report of risk to self) waits for a
moderator to acknowledge it: "I have this". Until someone does, `flask run-scheduled` escalates it
every `CRISIS_ESCALATE_MINUTES` one step further, each step once:

  1. every on-call moderator who covers the alert is pushed again (everyone covering it when nobody is on call);
  2. every moderator who covers it is pushed;
  3. the safeguarding lead (`SAFEGUARDING_LEAD_EMAIL`) is emailed: an id and a link, never the text.

Each step is claimed with a conditional UPDATE on the alert's escalation level, so of several hosts
running the job at once exactly one takes it. Resolving an alert acknowledges it too.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from models import Report, ReportStatus, Role, Severity, User, UserRole, db, utcnow
from services import audit, changes, email, notifications, policy
from services.errors import ConflictError, NotFoundError, PermissionDeniedError

log = logging.getLogger("peerless.alerts")

ON_CALL, EVERY_MODERATOR, SAFEGUARDING_LEAD = 1, 2, 3
LAST_STEP = SAFEGUARDING_LEAD
STEP_NAMES = {ON_CALL: "on_call", EVERY_MODERATOR: "every_moderator", SAFEGUARDING_LEAD: "safeguarding_lead"}
ESCALATED_NOTIFICATION = "crisis_alert_escalated"


def acknowledge(moderator: User, report_id: str, *, now: datetime | None = None) -> Report:
    """Take on an alert: the first acknowledgement stands (time and person); later ones change nothing."""
    if not moderator.is_staff:
        raise PermissionDeniedError("Only moderators can do this.")
    found = db.session.get(Report, report_id)
    if found is None or not policy.report_in_scope(moderator, found):
        raise NotFoundError("Report not found.")
    if found.acknowledged_at is None and found.status == ReportStatus.RESOLVED:
        raise ConflictError("This report is already resolved.")
    # Only while nobody has: of two moderators pressing at once, the first to write is kept.
    taken = db.session.execute(update(Report).where(
        Report.id == found.id, Report.acknowledged_at.is_(None), Report.status == ReportStatus.OPEN,
    ).values(acknowledged_at=now or utcnow(), acknowledged_by=moderator.id)).rowcount == 1
    if taken:
        audit.record(moderator.id, "report.acknowledge", target_type="report", target_id=found.id)
    db.session.commit()
    db.session.refresh(found)
    return found


def acknowledge_on_resolution(moderator: User, found: Report, *, real_crisis: bool | None = None,
                              concern_reviewed: bool | None = None) -> None:
    """Inside `moderation.resolve`: resolving answers the alert, and the moderator's labels are kept
    for the next training round (services/safety_labels.py)."""
    if found.acknowledged_at is None:
        found.acknowledged_at, found.acknowledged_by = utcnow(), moderator.id
    if real_crisis is not None:
        found.real_crisis = real_crisis
    if concern_reviewed is not None:
        found.concern_reviewed = concern_reviewed


def minutes_waiting(found: Report, now: datetime | None = None) -> int:
    """How long an alert has waited (until acknowledged, or until now), in whole minutes."""
    until = found.acknowledged_at or found.resolved_at or now or utcnow()
    return max(0, int((until - found.created_at).total_seconds() // 60))


# --- Escalation ----------------------------------------------------------------------------------

def escalate_unacknowledged(now: datetime, *, claim) -> int:
    """Take the next due step of every open, unacknowledged high-severity alert; return how many steps.

    `claim(model, key, *still_due, **values)` is services.scheduled's claim: the UPDATE only one
    host wins. An alert takes at most one step per run, so a runner that was down catches up one
    minute at a time rather than reaching the safeguarding lead in the same second as on-call.
    """
    interval = timedelta(minutes=current_app.config["CRISIS_ESCALATE_MINUTES"])
    due = db.session.execute(select(Report.id, Report.escalation_level, Report.created_at).where(
        Report.status == ReportStatus.OPEN, Report.severity == Severity.HIGH, Report.acknowledged_at.is_(None),
        Report.escalation_level < LAST_STEP, Report.created_at <= now - interval)).all()
    done = 0
    for report_id, level, created_at in due:
        step = level + 1
        if created_at + step * interval > now:
            continue
        # Still at this level, still open and still unanswered: an acknowledgement after the listing wins.
        if claim(Report, report_id, Report.escalation_level == level, Report.acknowledged_at.is_(None),
                 Report.status == ReportStatus.OPEN, escalation_level=step):
            alert = db.session.get(Report, report_id)
            notified = _take_step(alert, step, now)
            alert.escalations = [*(alert.escalations or []),
                                 {"step": step, "name": STEP_NAMES[step], "at": now.isoformat(), "notified": notified}]
            done += 1
        db.session.commit()
    return done


def _take_step(alert: Report, step: int, now: datetime) -> int:
    if step == SAFEGUARDING_LEAD:
        return _email_safeguarding_lead(alert, now)
    covering = moderators_covering(alert)
    if step == ON_CALL:
        covering = [m for m in covering if is_on_call(m)] or covering
    for moderator in covering:
        notifications.notify(moderator, ESCALATED_NOTIFICATION, {"report_id": alert.id, "step": str(step)})
    return len(covering)


def _email_safeguarding_lead(alert: Report, now: datetime) -> int:
    lead = current_app.config.get("SAFEGUARDING_LEAD_EMAIL")
    if not lead:
        log.error("crisis alert %s unacknowledged: no SAFEGUARDING_LEAD_EMAIL to escalate to", alert.id)
        return 0
    waited = int((now - alert.created_at).total_seconds() // 60)
    base = (current_app.config.get("CONSOLE_URL") or "").rstrip("/")
    link = f"{base}/console/reports/{alert.id}" if base else f"/console/reports/{alert.id} (in the console)"
    # Ids and a link only: what the person wrote stays behind the console's audited read.
    message = email.Email(to=lead, subject="Peerless: a crisis alert has waited unanswered",
                          text=(f"A crisis alert has waited {waited} minutes without a moderator acknowledging it,\n"
                                f"after on-call and then every moderator were notified.\n\n"
                                f"Open it: {link}\nAlert id: {alert.id}\n"))
    changes.after_commit(lambda: email.send(message))  # only once the step is committed
    return 1


def moderators_covering(alert: Report) -> list[User]:
    """Active moderators and admins who could open this alert (an organisation's only for its members)."""
    staff_ids = select(UserRole.user_id).where(UserRole.role.in_([Role.MODERATOR, Role.ADMIN]))
    staff = db.session.scalars(select(User).where(User.id.in_(staff_ids), User.suspended_at.is_(None),
                                                  User.erased_at.is_(None)).order_by(User.id))
    return [m for m in staff if policy.report_in_scope(m, alert)]


def is_on_call(moderator: User) -> bool:
    return bool((moderator.settings or {}).get("moderation", {}).get("on_call"))

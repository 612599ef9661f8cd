"""Jobs on a clock: `flask --app wsgi run-scheduled`, safe from cron every minute on many hosts.

Each job claims a row with a conditional UPDATE (`… WHERE status = 'requested'` and the like) and
acts only when it won that row, so two hosts running at once never act twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from models import CheckInReminder, MentorProfile, Mentorship, MentorshipStatus, TutorAccreditation, User, db, utcnow
from services import alerts, changes, notifications, retention, scheduled_runs
from services.changes import Change
from services.checkins.reminders import next_due
from services.courses import enrolment as course_enrolment
from services.courses import reminders as course_reminders
from services.matching import find_matches


def run_scheduled(now: datetime | None = None) -> dict[str, int]:
    """Run every job once; return how many rows each acted on.

    Each job's run is recorded for /metrics. A job that fails does not stop the others; the first
    failure is raised once they have all run, so cron still sees the command fail.
    """
    now = now or utcnow()
    results, failures = {}, []
    for job, run in _jobs():
        try:
            with scheduled_runs.recorded(job):
                outcome = run(now)
        except Exception as error:  # noqa: BLE001 - recorded, and raised below
            failures.append(error)
            continue
        results.update(outcome if isinstance(outcome, dict) else {job: outcome})
    if failures:
        raise failures[0]
    return results


def _jobs():
    return (
        ("mentorship_requests_expired", expire_unanswered_requests),
        ("mentor_reminders_sent", remind_mentors),
        ("accreditation_notices_sent", warn_expiring_accreditations),
        ("check_in_reminders_sent", remind_check_ins),
        ("crisis_alert_escalations", escalate_crisis_alerts),
        ("tutor_accreditation_notices_sent", warn_expiring_tutor_accreditations),
        ("course_offers_lapsed", expire_course_offers),
        ("course_reminders_sent", remind_course_sessions),
        ("retention", retention.prune),  # storage limitation: docs/privacy.md, "Retention"
    )


def expire_unanswered_requests(now: datetime) -> int:
    """A request nobody answered in time expires; the mentee is told and offered the next best mentors."""
    due = db.session.scalars(select(Mentorship.id).where(
        Mentorship.status == MentorshipStatus.REQUESTED, Mentorship.expires_at <= now)).all()
    done = 0
    for mentorship_id in due:
        if _claim(Mentorship, mentorship_id, Mentorship.status == MentorshipStatus.REQUESTED,
                  status=MentorshipStatus.EXPIRED, updated_at=now):
            mentorship = db.session.get(Mentorship, mentorship_id)
            mentee = db.session.get(User, mentorship.mentee_id)
            suggestions = _next_best_mentors(mentee, instead_of=mentorship.mentor_id)
            notifications.notify(mentee, "mentorship_expired", {"mentorship_id": mentorship_id,
                                                                "suggested_mentor_ids": ",".join(suggestions)})
            changes.record(Change([mentorship.mentor_id, mentorship.mentee_id], "mentorship", mentorship_id,
                                  event="mentorship.updated", entity=mentorship))
            done += 1
        db.session.commit()
    return done


def remind_mentors(now: datetime) -> int:
    """One nudge to the mentor when a request has waited a day."""
    waited = now - timedelta(hours=current_app.config["MENTORSHIP_REMINDER_HOURS"])
    due = db.session.scalars(select(Mentorship.id).where(
        Mentorship.status == MentorshipStatus.REQUESTED, Mentorship.created_at <= waited,
        Mentorship.reminder_sent_at.is_(None))).all()
    done = 0
    for mentorship_id in due:
        # Still unanswered: a mentor who answered after the listing above is not nudged.
        if _claim(Mentorship, mentorship_id, Mentorship.status == MentorshipStatus.REQUESTED,
                  Mentorship.reminder_sent_at.is_(None), reminder_sent_at=now):
            mentorship = db.session.get(Mentorship, mentorship_id)
            notifications.notify(db.session.get(User, mentorship.mentor_id), "mentorship_reminder",
                                 {"mentorship_id": mentorship_id})
            done += 1
        db.session.commit()
    return done


def warn_expiring_accreditations(now: datetime) -> int:
    """Tell mentors a month before their accreditation ends (expired mentors leave matching by themselves)."""
    return _warn_expiring(MentorProfile, "accreditation_expiring", now)


def _warn_expiring(model, notification_type: str, now: datetime) -> int:
    """Tell each holder of an accreditation (`model`: user_id, accredited_until, expiry_notice_sent_at)
    ACCREDITATION_NOTICE_DAYS before it ends, once."""
    horizon = now + timedelta(days=current_app.config["ACCREDITATION_NOTICE_DAYS"])
    due = db.session.scalars(select(model.user_id).where(
        model.accredited_until <= horizon, model.accredited_until > now,
        model.expiry_notice_sent_at.is_(None))).all()
    done = 0
    for user_id in due:
        # Still due: a renewal after the listing above moved accredited_until out of the window.
        if _claim(model, user_id, model.expiry_notice_sent_at.is_(None),
                  model.accredited_until <= horizon, expiry_notice_sent_at=now):
            held = db.session.get(model, user_id)
            notifications.notify(db.session.get(User, user_id), notification_type,
                                 {"accredited_until": held.accredited_until.isoformat()}, now=now)
            done += 1
        db.session.commit()
    return done


def remind_check_ins(now: datetime) -> int:
    """A gentle reminder to check in, at the cadence the person chose; the next one is then scheduled."""
    due = db.session.execute(select(CheckInReminder.user_id, CheckInReminder.next_due_at).where(
        CheckInReminder.next_due_at <= now)).all()
    done = 0
    for user_id, due_at in due:
        person, reminder = db.session.get(User, user_id), db.session.get(CheckInReminder, user_id)
        # Still at the time listed above (not turned off or moved on): of two hosts, the one that moves
        # it on sends the reminder.
        if reminder is not None and _claim(CheckInReminder, user_id, CheckInReminder.next_due_at == due_at,
                                           next_due_at=next_due(person, reminder.cadence, now)):
            # Nothing about health on a lock screen: no instrument names, no scores.
            if person.is_active and person.health_consent_withdrawn_at is None:
                notifications.notify(person, "check_in_reminder", {})
                done += 1
        db.session.commit()
    return done


def escalate_crisis_alerts(now: datetime) -> int:
    """A crisis alert nobody acknowledged escalates one step each CRISIS_ESCALATE_MINUTES (services/alerts.py)."""
    return alerts.escalate_unacknowledged(now, claim=_claim)


def warn_expiring_tutor_accreditations(now: datetime) -> int:
    """Tell course tutors a month before their tutor accreditation ends."""
    return _warn_expiring(TutorAccreditation, "tutor_accreditation_expiring", now)


def expire_course_offers(now: datetime) -> int:
    """A place offered from a course's waitlist and not taken in time goes to the next person (48 hours)."""
    return course_enrolment.expire_offers(now, claim=_claim)


def remind_course_sessions(now: datetime) -> int:
    """Course sessions: a reminder the day before and an hour before, once each."""
    return course_reminders.send_due(now, claim=_claim)


def _next_best_mentors(mentee: User, *, instead_of: str, count: int = 3) -> list[str]:
    # The mentor who let the request expire is back in the pool (nothing open between them any more):
    # ask for one more than needed so leaving them out still leaves `count`.
    return [m.user.id for m in find_matches(mentee, kind="mentor", limit=count + 1) if m.user.id != instead_of][:count]


def _claim(model, key: str, *still_due, **values) -> bool:
    """Take the row only if it is still due: whoever updates it first does the work."""
    primary = model.__mapper__.primary_key[0]
    return db.session.execute(update(model).where(primary == key, *still_due).values(**values)).rowcount == 1

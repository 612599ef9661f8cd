"""Session reminders, the day before and an hour before, from `flask run-scheduled`.

Each reminder of each session is claimed once with a conditional UPDATE, so hosts running at once
never send it twice. A push in the person's quiet hours is silent (notifications.notify), and a
person who muted the course circle gets the reminder in the inbox without a push. When the day
reminder's moment passed unsent (a session moved, the runner down), the hour reminder alone goes.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from models import ConversationMember, Course, CourseSession, Group, db
from services import notifications
from services.courses.catalogue import people_to_tell

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def send_due(now: datetime, *, claim) -> int:
    """Send every reminder that is due; return how many sessions were reminded about."""
    sent = 0
    for kind, lead, column in (("hour", HOUR, "hour_reminder_sent_at"), ("day", DAY, "day_reminder_sent_at")):
        due = db.session.scalars(select(CourseSession.id).where(
            CourseSession.cancelled_at.is_(None), getattr(CourseSession, column).is_(None),
            CourseSession.starts_at > now, CourseSession.starts_at <= now + lead)).all()
        for session_id in due:
            values = {column: now}
            if kind == "hour":
                values["day_reminder_sent_at"] = now  # too late for "tomorrow": this one is enough
            if claim(CourseSession, session_id, getattr(CourseSession, column).is_(None),
                     CourseSession.cancelled_at.is_(None), **values):
                _remind(db.session.get(CourseSession, session_id), kind, now)
                sent += 1
            db.session.commit()
    return sent


def _remind(session: CourseSession, kind: str, now: datetime) -> None:
    course = db.session.get(Course, session.course_id)
    group = db.session.get(Group, course.group_id)
    muted = set(db.session.scalars(select(ConversationMember.user_id).where(
        ConversationMember.conversation_id == group.conversation_id, ConversationMember.muted.is_(True))))
    for person in people_to_tell(course, offers=False):  # an offer not yet taken is no place
        notifications.notify(person, "course_session_reminder",
                             {"course_id": course.id, "session_id": session.id, "when": kind},
                             push=person.id not in muted, now=now)

"""Each person's secret calendar feed (.ics): their course sessions in their phone's calendar.

The URL's token is an HMAC of a random salt under the server's secret, and only a hash of it is
stored, so the database alone opens no one's feed; rotating replaces the salt and the old URL
stops working at once. The feed carries no health information: events are called
"Peerless course session n of 6", never by the course's title (a synced calendar is read by
other apps and shown on lock screens), and an online session says the link is in the app.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select

from models import CalendarFeed, Course, CourseEnrolment, CourseSession, CourseTutor, EnrolmentStatus, User, db
from services.errors import NotFoundError


def feed_token(person: User) -> str:
    """The caller's feed token, made on first use."""
    feed = db.session.get(CalendarFeed, person.id)
    if feed is None:
        feed = _new_feed(person.id)
        db.session.commit()
    return _token(feed.salt)


def rotate(person: User) -> str:
    """A new secret URL; the old one stops working."""
    feed = db.session.get(CalendarFeed, person.id)
    if feed is None:
        feed = _new_feed(person.id)
    else:
        feed.salt = secrets.token_hex(16)
        feed.token_hash = _hash(_token(feed.salt))
    db.session.commit()
    return _token(feed.salt)


def render_feed(token: str) -> bytes:
    """The iCalendar document for whoever holds this token (404 for any other token)."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    person = db.session.get(User, feed.user_id) if feed else None
    if person is None or not person.is_active:
        raise NotFoundError("Calendar not found.")
    calendar = Calendar()
    calendar.add("prodid", "-//Peerless//Courses//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Peerless courses")
    for session, course in _sessions_for(person.id):
        calendar.add_component(_event(session, course))
    return calendar.to_ical()


def _sessions_for(user_id: str) -> list[tuple[CourseSession, Course]]:
    enrolled = select(CourseEnrolment.course_id).where(CourseEnrolment.user_id == user_id,
                                                       CourseEnrolment.status == EnrolmentStatus.ENROLLED)
    tutoring = select(CourseTutor.course_id).where(CourseTutor.user_id == user_id)
    return list(db.session.execute(select(CourseSession, Course).join(Course, Course.id == CourseSession.course_id)
                                   .where(Course.id.in_(enrolled.union(tutoring)))
                                   .order_by(CourseSession.starts_at)).tuples())


def _event(session: CourseSession, course: Course) -> Event:
    count = db.session.scalar(select(CourseSession.number).where(CourseSession.course_id == course.id)
                              .order_by(CourseSession.number.desc()).limit(1))
    event = Event()
    event.add("uid", f"{session.id}@peerless")
    event.add("summary", f"Peerless course session {session.number} of {count}")
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.starts_at + timedelta(minutes=session.minutes))
    event.add("dtstamp", session.updated_at)
    event.add("sequence", int(session.updated_at.timestamp()))
    event.add("location", course.venue if course.delivery == "venue" else "Online: the link is in the Peerless app")
    event.add("status", "CANCELLED" if session.cancelled_at else "CONFIRMED")
    return event


def _new_feed(user_id: str) -> CalendarFeed:
    salt = secrets.token_hex(16)
    feed = CalendarFeed(user_id=user_id, salt=salt, token_hash=_hash(_token(salt)))
    db.session.add(feed)
    return feed


def _token(salt: str) -> str:
    secret = (current_app.config.get("JWT_SECRET_KEY") or "").encode()
    return hmac.new(secret, f"peerless calendar feed {salt}".encode(), hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

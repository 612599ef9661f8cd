"""Shared steps for the course tests, taken through the API the way the app and the console take them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from models import CourseSession, db
from tests.mentoring_helpers import make_mentor

API = "/api/v1"
TRAINING = "Expert Patients Programme tutor training, Leeds, March 2026"


def make_tutor(client, people, moderator, **register):
    """An accredited mentor whose tutor application `moderator` approved."""
    tutor = make_mentor(client, people, moderator=moderator, **register)
    applied = client.post(f"{API}/tutor-applications", json={"training": TRAINING}, headers=tutor.headers)
    assert applied.status_code == 201, applied.get_data(as_text=True)
    decided = client.post(f"{API}/moderation/tutor-applications/{applied.json['id']}/decision",
                          json={"decision": "approve"}, headers=moderator.headers)
    assert decided.status_code == 200, decided.get_data(as_text=True)
    return tutor


def weekly(first: datetime, count: int = 6) -> list[dict]:
    return [{"starts_at": (first + timedelta(weeks=n)).strftime("%Y-%m-%dT%H:%M:%S")} for n in range(count)]


def next_year_local(month: int = 3, day: int = 1, hour: int = 10) -> datetime:
    return datetime(datetime.now().year + 1, month, day, hour, 0)


def course_body(tutors, **overrides) -> dict:
    return {"title": "Living well with a long-term condition", "description": "Six weekly sessions, 2½ hours each.",
            "tutor_ids": [t.id for t in tutors], "delivery": "online",
            "meeting_url": "https://meet.example.org/course-secret-room",
            "sessions": weekly(next_year_local())} | overrides


def create_course(client, staff, tutors, **overrides) -> dict:
    response = client.post(f"{API}/courses", json=course_body(tutors, **overrides), headers=staff.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def enrol(client, person, course_id, **body):
    return client.post(f"{API}/courses/{course_id}/enrol", json=body, headers=person.headers)


def start_sessions(app, course_id: str, *, first_started_ago: timedelta = timedelta(weeks=6)) -> None:
    """Move the course's sessions into the past (weekly), as if it had run."""
    with app.app_context():
        start = datetime.now(timezone.utc) - first_started_ago
        for number in range(1, 7):
            db.session.execute(update(CourseSession).where(CourseSession.course_id == course_id,
                                                           CourseSession.number == number)
                               .values(starts_at=start + timedelta(weeks=number - 1)))
        db.session.commit()

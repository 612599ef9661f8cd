"""The demo's self-management course: two mentors accredited as tutors, a network-wide course of six
weekly sessions starting next week, full with a waitlist, and one tutor application waiting for a
moderator. Made through the services the API uses, as people would."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from models import User, utcnow
from services.courses import catalogue, enrolment, tutors

COURSE_TITLE = "Living well with a long-term condition (demo)"
TUTORS = ("grace", "dev")
PARTICIPANTS = ("sam", "priya", "lee", "fatima", "chris", "ola")  # four places: the last two wait
CAPACITY = 4
PENDING_TUTOR = "mentor01"  # a cohort mentor whose application waits in the console


def seed_course(people: dict[str, User]) -> None:
    moderator = people["amira"]  # network-wide: may run a course outside any programme
    for name in TUTORS:
        application = tutors.apply(people[name], training="Expert Patients Programme tutor training, 2025 (demo).")
        tutors.decide(moderator, application.id, decision="approve", note="Demo: training certificate seen.")
    if PENDING_TUTOR in people:
        tutors.apply(people[PENDING_TUTOR], training="Finished the four-day lay tutor training last month (demo).")
    first = datetime.combine((utcnow() + timedelta(days=7)).date(), time(10, 0))  # 10:00 London time
    course = catalogue.create_course(
        moderator, title=COURSE_TITLE, tutor_ids=[people[name].id for name in TUTORS], delivery="online",
        description="Six weekly sessions on pacing, action plans, talking with your care team and managing "
                    "low moods, for people living with any long-term condition (demo).",
        meeting_url="https://meet.example.invalid/peerless-demo-course", capacity=CAPACITY,
        sessions=[{"starts_at": first + timedelta(weeks=week)} for week in range(6)])
    for name in PARTICIPANTS:
        enrolment.enrol(people[name], course.id)

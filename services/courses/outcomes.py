"""Course outcomes for programme leads: completion, attendance per session and the mean change in
self-efficacy (SEMCD-6) for completers, under the rules of every outcome figure (docs/outcomes.md):
one whole calendar quarter that has ended (courses whose last session ended in it), no figure about
fewer than OUTCOMES_MIN_CELL people, a figure's complement withheld with it, and noise on what is shown.

Self-efficacy pairs each completer's latest scored SEMCD-6 from before the first session with their
first scored one after the last session started.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from models import CheckIn, Course, CourseEnrolment, CourseSession, EnrolmentStatus, Organisation, User, db, utcnow
from services import audit, disclosure, outcomes, policy
from services.checkins.instruments import SEMCD6
from services.courses.attendance import attendance_by_person, required_sessions
from services.errors import NotFoundError, PermissionDeniedError

FOLLOW_UP_DAYS = 90  # a SEMCD-6 this long after the last session no longer counts as the course's


@dataclass(frozen=True)
class SessionAttendance:
    session: int
    attended: int | None
    rate: float | None
    suppressed: bool


@dataclass(frozen=True)
class CourseOutcomes:
    generated_at: datetime
    period: str
    scope: str
    organisation_id: str | None
    min_cell_size: int
    completion_sessions: int
    courses: int
    participants: int | None
    completers: int | None
    completion_rate: float | None
    attendance: list[SessionAttendance]
    self_efficacy: outcomes.Cell
    suppressed: list[str]


def course_outcomes(staff: User, *, organisation_id: str | None = None, period: str | None = None) -> CourseOutcomes:
    """Staff who run courses: the figures for the courses in their scope that ended in the quarter."""
    if not staff.is_staff:
        raise PermissionDeniedError("Only programme staff see course outcomes.")
    quarter = disclosure.reporting_period(period=period, since=None, until=None, now=utcnow())
    if organisation_id is not None and (db.session.get(Organisation, organisation_id) is None
                                        or not policy.runs_courses_of(staff, organisation_id)):
        raise NotFoundError("Organisation not found.")
    courses = [c for c in _courses_in_scope(staff, organisation_id) if quarter.since <= _ended(c) < quarter.until]
    min_cell = current_app.config["OUTCOMES_MIN_CELL"]
    question = ("courses", organisation_id or ("network" if policy.is_global_staff(staff) else staff.id),
                quarter.label)
    people, attended, completers = [], {n: 0 for n in range(1, 7)}, []
    for course in courses:
        by_person = attendance_by_person(course.id)
        for enrolment in db.session.scalars(select(CourseEnrolment).where(
                CourseEnrolment.course_id == course.id, CourseEnrolment.status == EnrolmentStatus.ENROLLED)):
            people.append((course.id, enrolment.user_id))
            for number in by_person.get(enrolment.user_id, []):
                attended[number] = attended.get(number, 0) + 1
            if enrolment.completed_at is not None:
                completers.append((course, enrolment.user_id))
    suppressed = []
    n = len(people)
    shown_n = _count(n, min_cell, question, "participants", people)
    done = len(completers)
    hide_completion = shown_n is None or min(done, n - done) < min_cell
    if hide_completion:
        suppressed.append("completion")
    attendance = []
    for number in range(1, 7):
        count = attended[number]
        hidden = shown_n is None or min(count, n - count) < min_cell
        if hidden:
            suppressed.append(f"attendance.{number}")
        attendance.append(SessionAttendance(number, None if hidden else count,
                                            None if hidden else round(count / n, 3), hidden))
    efficacy = _self_efficacy(completers, min_cell, question)
    if efficacy.suppressed:
        suppressed.append("self_efficacy")
    audit.record(staff.id, "course_outcomes.read", target_type="organisation" if organisation_id else None,
                 target_id=organisation_id, period=quarter.label)
    db.session.commit()
    return CourseOutcomes(utcnow(), quarter.label, "organisation" if organisation_id else "in_scope",
                          organisation_id, min_cell, required_sessions(), len(courses), shown_n,
                          None if hide_completion else done,
                          None if hide_completion else round(done / n, 3), attendance, efficacy, suppressed)


def _courses_in_scope(staff: User, organisation_id: str | None) -> list[Course]:
    stmt = select(Course)
    if organisation_id is not None:
        stmt = stmt.where(Course.organisation_id == organisation_id)
    courses = list(db.session.scalars(stmt))
    return [c for c in courses if policy.runs_courses_of(staff, c.organisation_id)]


def _ended(course: Course) -> datetime:
    last = db.session.scalars(select(CourseSession).where(CourseSession.course_id == course.id)
                              .order_by(CourseSession.number.desc()).limit(1)).one()
    return last.starts_at + timedelta(minutes=last.minutes)


def _count(n: int, min_cell: int, question: tuple, name: str, rows: list) -> int | None:
    if n < min_cell:
        return None
    if not disclosure.noise_enabled():
        return n
    return max(min_cell, round(n + disclosure.laplace(1, *question, name, disclosure.data_digest(rows))))


def _self_efficacy(completers: list[tuple[Course, str]], min_cell: int, question: tuple) -> outcomes.Cell:
    pairs = []
    for course, user_id in completers:
        sessions = db.session.scalars(select(CourseSession).where(CourseSession.course_id == course.id)
                                      .order_by(CourseSession.number)).all()
        before = _semcd(user_id, until=sessions[0].starts_at, newest=True)
        after = _semcd(user_id, since=sessions[-1].starts_at,
                       until=sessions[-1].starts_at + timedelta(days=FOLLOW_UP_DAYS))
        if before is not None and after is not None:
            pairs.append((user_id, before, after))
    hidden = len(pairs) < min_cell
    noise = outcomes._Noise(SEMCD6.measure("mean"), min_cell, (*question, "semcd6", "mean"))
    return outcomes._cell("completers", pairs, True, hidden, noise if disclosure.noise_enabled() else None)


def _semcd(user_id: str, *, since: datetime | None = None, until: datetime, newest: bool = False) -> float | None:
    stmt = select(CheckIn.scores).where(CheckIn.user_id == user_id, CheckIn.instrument == SEMCD6.key,
                                        CheckIn.created_at < until)
    if since is not None:
        stmt = stmt.where(CheckIn.created_at >= since)
    order = CheckIn.created_at.desc() if newest else CheckIn.created_at
    for scores in db.session.scalars(stmt.order_by(order)):
        if "mean" in (scores or {}):
            return scores["mean"]
    return None

"""Courses and their sessions: create, list, read, move or cancel a session.

Session times are given in the course's own time zone (default Europe/London), without an offset,
as a programme lead reads them off a room booking; they are stored in UTC. A time that does not
exist locally (the hour the clocks go forward) is refused; one that happens twice (the hour they
go back) means the first of the two.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from models import (
    Course, CourseEnrolment, CourseSession, CourseTutor, EnrolmentStatus, Group, Organisation, User, db, new_id,
    utcnow,
)
from services import audit, groups, notifications, organisations, policy
from services import conditions as condition_service
from services.courses.tutors import is_current_tutor
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.free_text import screen_fields, with_safety

SESSIONS = 6
ONLINE, VENUE = "online", "venue"
UPCOMING, RUNNING, FINISHED = "upcoming", "running", "finished"
PLANNING_HORIZON = timedelta(days=2 * 366)


@dataclass
class SessionView:
    id: str
    number: int
    starts_at: datetime
    local_starts_at: str
    minutes: int
    cancelled: bool


@dataclass
class CourseView:
    """A course as one person sees it (policy K1-K3)."""

    id: str
    title: str
    description: str
    organisation_id: str | None
    condition_ids: list[str]
    capacity: int
    places_left: int
    delivery: str
    venue: str | None
    meeting_url: str | None        # enrolled people and tutors only (K3)
    time_zone: str
    status: str                    # upcoming | running | finished
    tutors: list[dict]
    sessions: list[SessionView]
    my_status: str | None          # the caller's enrolment: enrolled | waitlisted | offered | withdrawn | lapsed
    waitlist_position: int | None
    offer_expires_at: datetime | None
    conversation_id: str | None    # the course circle, for its members
    certificate: dict | None       # the caller's certificate of completion
    is_tutor: bool
    created_at: datetime


# --- reading -----------------------------------------------------------------------------------

def access_course(viewer: User, course_id: str) -> Course:
    """Return the course if `viewer` may see it (K1); otherwise act as if it doesn't exist."""
    course = db.session.scalar(select(Course).where(Course.id == course_id, policy.courses_visible_to(viewer)))
    if course is None:
        raise NotFoundError("Course not found.")
    return course


def sessions_of(course: Course) -> list[CourseSession]:
    return list(db.session.scalars(select(CourseSession).where(CourseSession.course_id == course.id)
                                   .order_by(CourseSession.number)))


def status_of(sessions: list[CourseSession], now: datetime | None = None) -> str:
    now = now or utcnow()
    live = [s for s in sessions if s.cancelled_at is None] or sessions
    if now < live[0].starts_at:
        return UPCOMING
    last = live[-1]
    return FINISHED if now >= last.starts_at + timedelta(minutes=last.minutes) else RUNNING


def enrolment_of(course_id: str, user_id: str) -> CourseEnrolment | None:
    return db.session.scalar(select(CourseEnrolment).where(CourseEnrolment.course_id == course_id,
                                                           CourseEnrolment.user_id == user_id))


def waitlist_position(enrolment: CourseEnrolment | None) -> int | None:
    if enrolment is None or enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalars(select(CourseEnrolment.id).where(
        CourseEnrolment.course_id == enrolment.course_id, CourseEnrolment.status == EnrolmentStatus.WAITLISTED,
        CourseEnrolment.waitlist_number <= enrolment.waitlist_number)).all()
    return len(ahead)


def view_of(viewer: User, course: Course) -> CourseView:
    sessions = sessions_of(course)
    zone = ZoneInfo(course.time_zone)
    tutors = db.session.scalars(select(User).join(CourseTutor, CourseTutor.user_id == User.id)
                                .where(CourseTutor.course_id == course.id).order_by(User.display_name)).all()
    enrolment = enrolment_of(course.id, viewer.id)
    enrolled = enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED
    is_tutor = any(t.id == viewer.id for t in tutors)
    group = db.session.get(Group, course.group_id)
    certificate = None
    if enrolment is not None and enrolment.completed_at is not None:
        from services.courses.attendance import sessions_attended  # noqa: PLC0415 - attendance imports us

        certificate = {"course_title": course.title, "completed_at": enrolment.completed_at,
                       "sessions_attended": sessions_attended(course.id, viewer.id), "sessions": len(sessions)}
    return CourseView(
        id=course.id, title=course.title, description=course.description, organisation_id=course.organisation_id,
        condition_ids=list(course.condition_ids or []), capacity=course.capacity,
        places_left=max(course.capacity - course.enrolled_count, 0), delivery=course.delivery, venue=course.venue,
        meeting_url=course.meeting_url if (enrolled or is_tutor) else None, time_zone=course.time_zone,
        status=status_of(sessions), tutors=[{"id": t.id, "display_name": t.display_name} for t in tutors],
        sessions=[SessionView(s.id, s.number, s.starts_at, s.starts_at.astimezone(zone).isoformat(), s.minutes,
                              s.cancelled_at is not None) for s in sessions],
        my_status=enrolment.status if enrolment else None, waitlist_position=waitlist_position(enrolment),
        offer_expires_at=enrolment.offer_expires_at if enrolment and enrolment.status == EnrolmentStatus.OFFERED
        else None,
        conversation_id=group.conversation_id if (enrolled or is_tutor) else None, certificate=certificate,
        is_tutor=is_tutor, created_at=course.created_at,
    )


def list_courses(viewer: User, *, condition_id: str | None = None, organisation_id: str | None = None,
                 status: str | None = None, limit: int = 20) -> list[CourseView]:
    """The courses the caller may join or runs (K1), newest first."""
    stmt = select(Course).where(policy.courses_visible_to(viewer)).order_by(Course.created_at.desc(), Course.id)
    if organisation_id:
        stmt = stmt.where(Course.organisation_id == organisation_id)
    views = []
    for course in db.session.scalars(stmt.limit(500)):
        if condition_id and course.condition_ids and condition_id not in course.condition_ids:
            continue
        view = view_of(viewer, course)
        if status and view.status != status:
            continue
        views.append(view)
        if len(views) == limit:
            break
    return views


def organisations_run_by(staff: User) -> list[Organisation]:
    """The programmes whose courses `staff` runs (K2): every one for network staff."""
    if not staff.is_staff:
        return []
    stmt = select(Organisation).order_by(Organisation.name, Organisation.id)
    if not policy.is_global_staff(staff):
        stmt = stmt.where(Organisation.id.in_([o for o in organisations.organisation_ids(staff.id)
                                              if policy.runs_courses_of(staff, o)]))
    return list(db.session.scalars(stmt))


def get_course(viewer: User, course_id: str) -> CourseView:
    """One course with its sessions; the meeting link only for enrolled people and tutors."""
    return view_of(viewer, access_course(viewer, course_id))


# --- changing ----------------------------------------------------------------------------------

def create_course(creator: User, *, title: str, description: str, tutor_ids: list[str], delivery: str,
                  sessions: list[dict], organisation_id: str | None = None, condition_ids: list[str] | None = None,
                  capacity: int = 16, meeting_url: str | None = None, venue: str | None = None,
                  time_zone: str = "Europe/London") -> CourseView:
    """Staff of a programme (or network staff) create a course with two tutors and its sessions."""
    if not creator.is_staff:
        raise PermissionDeniedError("Only a programme's staff can create courses.")
    if organisation_id is not None and (db.session.get(Organisation, organisation_id) is None
                                        or not policy.runs_courses_of(creator, organisation_id)):
        raise NotFoundError("Organisation not found.")
    if not policy.runs_courses_of(creator, organisation_id):
        raise PermissionDeniedError("Only network staff create courses outside a programme: name your organisation.")
    _check_delivery(delivery, meeting_url, venue)
    zone = _zone(time_zone)
    condition_ids = list(dict.fromkeys(condition_ids or []))
    unknown = set(condition_ids) - condition_service.existing_condition_ids(set(condition_ids))
    if unknown:
        raise InvalidInputError("condition_ids", f"Unknown condition: {sorted(unknown)[0]}.")
    _check_tutors(creator, tutor_ids, organisation_id)
    starts = [to_utc(s["starts_at"], zone, f"sessions.{i}.starts_at") for i, s in enumerate(sessions)]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise InvalidInputError("sessions", "Sessions must be in order, one at a time.")
    circle = groups.open_hosted_circle(name=title, created_by=creator.id, host_ids=tutor_ids,
                                       max_members=capacity + len(tutor_ids))
    course = Course(id=new_id(), title=title, description=description, organisation_id=organisation_id,
                    condition_ids=condition_ids, capacity=capacity, delivery=delivery,
                    meeting_url=meeting_url if delivery == ONLINE else None, venue=venue if delivery == VENUE else None,
                    time_zone=time_zone, group_id=circle.id, created_by=creator.id)
    db.session.add(course)
    db.session.flush()
    db.session.add_all([CourseTutor(course_id=course.id, user_id=t) for t in tutor_ids])
    db.session.add_all([CourseSession(course_id=course.id, number=n, starts_at=start, minutes=s.get("minutes", 150))
                        for n, (start, s) in enumerate(zip(starts, sessions), start=1)])
    db.session.flush()
    safety = screen_fields(creator, source="course", source_id=course.id, texts=[title, description])
    audit.record(creator.id, "course.created", target_type="course", target_id=course.id)
    for tutor_id in tutor_ids:
        notifications.notify(db.session.get(User, tutor_id), "course_tutor_added", {"course_id": course.id})
    db.session.commit()
    return with_safety(view_of(creator, course), safety)


def update_session(actor: User, course_id: str, session_id: str, *, starts_at: datetime | None = None,
                   cancelled: bool | None = None) -> SessionView:
    """Staff who run the course or its tutors move or cancel a session; everyone enrolled is told."""
    course = access_course(actor, course_id)
    if not policy.may_run_course(actor, course):
        raise PermissionDeniedError("Only the course's tutors and staff can change its sessions.")
    session = db.session.get(CourseSession, session_id)
    if session is None or session.course_id != course.id:
        raise NotFoundError("Session not found.")
    zone = ZoneInfo(course.time_zone)
    if starts_at is not None:
        moved = to_utc(starts_at, zone, "starts_at")
        if moved != session.starts_at:
            # Reminders follow the new time: each is sent once for the time people were last told.
            session.starts_at, session.day_reminder_sent_at, session.hour_reminder_sent_at = moved, None, None
    if cancelled is not None:
        session.cancelled_at = (session.cancelled_at or utcnow()) if cancelled else None
    session.updated_at = utcnow()
    kind = "course_session_cancelled" if session.cancelled_at else "course_session_changed"
    for person in people_to_tell(course, besides=actor.id):
        notifications.notify(person, kind, {"course_id": course.id, "session_id": session.id})
    audit.record(actor.id, "course.session_changed", target_type="course", target_id=course.id)
    db.session.commit()
    return SessionView(session.id, session.number, session.starts_at,
                       session.starts_at.astimezone(zone).isoformat(), session.minutes, session.cancelled_at is not None)


def people_to_tell(course: Course, *, besides: str | None = None, offers: bool = True) -> list[User]:
    """Everyone enrolled (and, unless `offers` is False, holding an offer) and the tutors."""
    statuses = [EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED] if offers else [EnrolmentStatus.ENROLLED]
    enrolled = select(CourseEnrolment.user_id).where(CourseEnrolment.course_id == course.id,
                                                     CourseEnrolment.status.in_(statuses))
    tutors = select(CourseTutor.user_id).where(CourseTutor.course_id == course.id)
    return list(db.session.scalars(select(User).where(User.id.in_(enrolled.union(tutors)), User.id != besides)
                                   .order_by(User.id)))


def to_utc(local: datetime, zone: ZoneInfo, field_name: str) -> datetime:
    """A future wall-clock time in `zone` (no offset, within PLANNING_HORIZON) as UTC; a time the
    clocks skip is refused."""
    if local.tzinfo is not None:
        raise InvalidInputError(field_name, "Give the local time without an offset; the course's time zone applies.")
    now = utcnow()
    if not now.replace(tzinfo=None) - timedelta(days=1) < local < now.replace(tzinfo=None) + PLANNING_HORIZON:
        raise InvalidInputError(field_name, "Sessions are planned in the future, at most two years ahead.")
    first = local.replace(tzinfo=zone, fold=0)
    there_and_back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if there_and_back != local:
        raise InvalidInputError(field_name, "That time does not exist locally (the clocks go forward).")
    moment = first.astimezone(timezone.utc)
    if moment <= now:
        raise InvalidInputError(field_name, "Sessions are planned in the future.")
    return moment


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError("time_zone", f"Unknown time zone: {name}.") from None


def _check_delivery(delivery: str, meeting_url: str | None, venue: str | None) -> None:
    if delivery == ONLINE and not meeting_url:
        raise InvalidInputError("meeting_url", "An online course needs its meeting link.")
    if delivery == VENUE and not venue:
        raise InvalidInputError("venue", "A course at a venue needs the venue.")


def _check_tutors(creator: User, tutor_ids: list[str], organisation_id: str | None) -> None:
    for tutor_id in tutor_ids:
        tutor = db.session.get(User, tutor_id)
        if tutor is None or not tutor.is_active or not policy.covers(creator, tutor_id) \
                or not is_current_tutor(tutor_id):
            raise InvalidInputError("tutor_ids", "Each tutor must hold a current tutor accreditation in your scope.")
        if organisation_id and organisation_id not in _organisations_of(tutor_id):
            raise InvalidInputError("tutor_ids", "A programme's tutors are members of that programme.")


def _organisations_of(user_id: str) -> set[str]:
    return set(organisations.organisation_ids(user_id))


def require_running_it(actor: User, course: Course) -> None:
    if not policy.may_run_course(actor, course):
        raise PermissionDeniedError("Only the course's tutors and staff can do this.")


def require_not_started(course: Course) -> None:
    if status_of(sessions_of(course)) != UPCOMING:
        raise ConflictError("This course has started: enrolment is closed.")

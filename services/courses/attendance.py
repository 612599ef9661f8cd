"""The attendance register (tutors), completion and the certificate of completion.

Completion is attending at least COURSE_COMPLETION_SESSIONS sessions (default 4 of 6, as in the
Expert Patients Programme). It is recomputed whenever the register changes, so a corrected
register corrects the certificate too.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, select

from models import AuditEntry, CourseAttendance, CourseEnrolment, CourseSession, EnrolmentStatus, User, db, utcnow
from services import audit, notifications, policy
from services.courses.catalogue import access_course
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError

REGISTER_TAKEN = "course.attendance_marked"


def mark_attendance(tutor: User, course_id: str, session_id: str, *, present: list[str]) -> dict:
    """A tutor records who was there, during or after the session (the list replaces the last one)."""
    course = access_course(tutor, course_id)
    if not policy.tutors_course(tutor, course):
        raise PermissionDeniedError("Only the course's tutors take the register.")
    session = db.session.get(CourseSession, session_id)
    if session is None or session.course_id != course.id:
        raise NotFoundError("Session not found.")
    if session.cancelled_at is not None:
        raise ConflictError("This session was cancelled.")
    if session.starts_at > utcnow():
        raise ConflictError("The register opens when the session starts.")
    present = list(dict.fromkeys(present))
    enrolled = set(db.session.scalars(select(CourseEnrolment.user_id).where(
        CourseEnrolment.course_id == course.id, CourseEnrolment.status == EnrolmentStatus.ENROLLED)))
    strangers = [user_id for user_id in present if user_id not in enrolled]
    if strangers:
        raise InvalidInputError("present", "Only people enrolled on this course can be marked present.")
    # the audit entry of an earlier save (even of an empty register) says the register was taken before
    had_register = db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == REGISTER_TAKEN, AuditEntry.target_type == "course_session",
        AuditEntry.target_id == session.id).limit(1)) is not None
    first_register_of_last_session = not had_register and session.number == _last_number(course.id)
    db.session.execute(delete(CourseAttendance).where(CourseAttendance.session_id == session.id,
                                                      CourseAttendance.user_id.notin_(present)))
    already = set(db.session.scalars(select(CourseAttendance.user_id).where(CourseAttendance.session_id == session.id)))
    db.session.add_all([CourseAttendance(session_id=session.id, user_id=user_id, marked_by=tutor.id)
                        for user_id in present if user_id not in already])
    db.session.flush()
    _update_completion(course.id)
    if first_register_of_last_session:  # the course is over: the SEMCD-6 again, as the after measure
        for user_id in sorted(enrolled):
            notifications.notify(db.session.get(User, user_id), "check_in_offered",
                                 {"instrument": "semcd6", "course_id": course.id})
    audit.record(tutor.id, REGISTER_TAKEN, target_type="course_session", target_id=session.id, course_id=course.id)
    db.session.commit()
    return {"session_id": session.id, "present": sorted(present)}


def sessions_attended(course_id: str, user_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(CourseAttendance).join(
        CourseSession, CourseSession.id == CourseAttendance.session_id).where(
        CourseSession.course_id == course_id, CourseAttendance.user_id == user_id)) or 0


def attendance_by_person(course_id: str) -> dict[str, list[int]]:
    """user id -> the session numbers they attended."""
    found: dict[str, list[int]] = {}
    for user_id, number in db.session.execute(select(CourseAttendance.user_id, CourseSession.number).join(
            CourseSession, CourseSession.id == CourseAttendance.session_id).where(
            CourseSession.course_id == course_id).order_by(CourseSession.number)):
        found.setdefault(user_id, []).append(number)
    return found


def _last_number(course_id: str) -> int:
    return db.session.scalar(select(func.max(CourseSession.number)).where(CourseSession.course_id == course_id))


def required_sessions() -> int:
    return current_app.config["COURSE_COMPLETION_SESSIONS"]


def _update_completion(course_id: str) -> None:
    needed = required_sessions()
    attended = attendance_by_person(course_id)
    for enrolment in db.session.scalars(select(CourseEnrolment).where(
            CourseEnrolment.course_id == course_id, CourseEnrolment.status == EnrolmentStatus.ENROLLED)):
        done = len(attended.get(enrolment.user_id, [])) >= needed
        if done and enrolment.completed_at is None:
            enrolment.completed_at = utcnow()
            notifications.notify(db.session.get(User, enrolment.user_id), "course_completed",
                                 {"course_id": course_id})
        elif not done and enrolment.completed_at is not None:
            enrolment.completed_at = None  # the register was corrected

"""The course sections of `GET /me/export` (services/privacy/export.py; coverage.py maps each column)."""
from __future__ import annotations

from sqlalchemy import select

from models import (
    ActionPlan, CalendarFeed, CourseAttendance, CourseEnrolment, CourseSession, CourseTutor, TutorAccreditation,
    TutorApplication, db,
)


def export_sections(uid: str) -> dict:
    accreditation = db.session.get(TutorAccreditation, uid)
    feed = db.session.get(CalendarFeed, uid)
    return {
        "tutor_applications": [
            {"id": a.id, "status": a.status, "training": a.training, "note": a.note, "created_at": a.created_at,
             "decided_at": a.decided_at}
            for a in db.session.scalars(select(TutorApplication).where(TutorApplication.user_id == uid))],
        "tutor_accreditation": {"accredited_until": accreditation.accredited_until} if accreditation else None,
        "courses_tutored": [{"course_id": course_id} for course_id in db.session.scalars(
            select(CourseTutor.course_id).where(CourseTutor.user_id == uid))],
        "courses": [
            {"course_id": e.course_id, "status": e.status, "completed_at": e.completed_at, "created_at": e.created_at,
             "updated_at": e.updated_at}
            for e in db.session.scalars(select(CourseEnrolment).where(CourseEnrolment.user_id == uid))],
        "course_attendance": [
            {"course_id": course_id, "session_number": number, "marked_at": marked_at}
            for course_id, number, marked_at in db.session.execute(
                select(CourseSession.course_id, CourseSession.number, CourseAttendance.marked_at)
                .join(CourseSession, CourseSession.id == CourseAttendance.session_id)
                .where(CourseAttendance.user_id == uid))],
        "action_plans": [
            {"id": p.id, "course_id": p.course_id, "week": p.week, "what": p.what, "how_much": p.how_much,
             "when": p.plan_when, "days_per_week": p.days_per_week, "confidence": p.confidence,
             "share_with_tutors": p.share_with_tutors, "outcome": p.outcome, "created_at": p.created_at}
            for p in db.session.scalars(select(ActionPlan).where(ActionPlan.user_id == uid)
                                        .order_by(ActionPlan.created_at))],
        # Never the URL or its salt: they are a credential (GET /me/calendar-url shows it to its owner).
        "calendar_feed": {"created_at": feed.created_at} if feed else None,
    }

"""Course tutors: accredited mentors apply, a moderator who covers them approves, and the
accreditation runs out like the mentor accreditation (TUTOR_ACCREDITATION_DAYS)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from models import ApplicationStatus, OrganisationMember, TutorAccreditation, TutorApplication, User, db, utcnow
from services import audit, notifications, policy
from services.errors import ConflictError, NotFoundError, PermissionDeniedError
from services.free_text import screen_fields, with_safety
from services.groups import is_accredited_mentor
from services.pagination import Page, decode_cursor, page_from_rows


def is_current_tutor(user_id: str) -> bool:
    accreditation = db.session.get(TutorAccreditation, user_id)
    return accreditation is not None and accreditation.accredited_until > utcnow()


def choosable_by(staff: User, organisation_id: str | None = None) -> list[User]:
    """The people `staff` may name as a course's tutors (what create_course checks): active, in their
    scope, holding a current tutor accreditation and, for a programme's course, members of it."""
    if not staff.is_staff:
        return []
    stmt = (select(User).join(TutorAccreditation, TutorAccreditation.user_id == User.id)
            .where(TutorAccreditation.accredited_until > utcnow(), User.suspended_at.is_(None),
                   User.erased_at.is_(None))
            .order_by(User.display_name, User.id))
    scope = policy.members_in_scope(staff)
    if scope is not None:
        stmt = stmt.where(User.id.in_(scope))
    if organisation_id is not None:
        stmt = stmt.where(User.id.in_(select(OrganisationMember.user_id).where(
            OrganisationMember.organisation_id == organisation_id)))
    return list(db.session.scalars(stmt))


def apply(applicant: User, *, training: str) -> TutorApplication:
    """An accredited mentor applies to tutor courses; one open application at a time."""
    if not is_accredited_mentor(applicant):
        raise PermissionDeniedError("Only accredited mentors can apply to tutor courses.")
    if is_current_tutor(applicant.id):
        raise ConflictError("You are already an accredited tutor.")
    pending = db.session.scalar(select(TutorApplication.id).where(
        TutorApplication.user_id == applicant.id, TutorApplication.status == ApplicationStatus.PENDING))
    if pending:
        raise ConflictError("You already have an application waiting for a decision.")
    application = TutorApplication(user_id=applicant.id, training=training)
    db.session.add(application)
    db.session.flush()
    safety = screen_fields(applicant, source="tutoring", source_id=application.id, texts=[training])
    db.session.commit()
    return with_safety(application, safety)


def list_applications(moderator: User, *, status: str | None = None, limit: int = 20,
                      cursor: str | None = None) -> Page[TutorApplication]:
    """Moderators: tutor applications from people in their scope, oldest first."""
    _require_staff(moderator)
    stmt = select(TutorApplication).order_by(TutorApplication.created_at, TutorApplication.id)
    if status:
        stmt = stmt.where(TutorApplication.status == status)
    scope = policy.members_in_scope(moderator)
    if scope is not None:
        stmt = stmt.where(TutorApplication.user_id.in_(scope))
    after = decode_cursor("tutor_applications", cursor)
    if after:
        stmt = stmt.offset(after)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="tutor_applications",
                          position_of=lambda _: (after or 0) + limit)


def decide(moderator: User, application_id: str, *, decision: str, note: str | None = None) -> TutorApplication:
    """Approve (a tutor accreditation for TUTOR_ACCREDITATION_DAYS) or reject; the applicant is told."""
    _require_staff(moderator)
    application = db.session.get(TutorApplication, application_id)
    if application is None or not policy.covers(moderator, application.user_id):
        raise NotFoundError("Application not found.")
    status = ApplicationStatus.APPROVED if decision == "approve" else ApplicationStatus.REJECTED
    # One conditional UPDATE: of two moderators deciding at once, exactly one decision stands.
    decided = db.session.execute(update(TutorApplication).where(
        TutorApplication.id == application.id, TutorApplication.status == ApplicationStatus.PENDING,
    ).values(status=status, decided_by=moderator.id, decided_at=utcnow(), note=note)).rowcount
    if decided != 1:
        raise ConflictError(f"This application was already {application.status}.")
    db.session.refresh(application)
    if status == ApplicationStatus.APPROVED:
        _accredit(application.user_id)
    audit.record(moderator.id, f"tutor_application.{status}", target_type="user", target_id=application.user_id)
    notifications.notify(db.session.get(User, application.user_id), f"tutor_application_{status}",
                         {"application_id": application.id})
    db.session.commit()
    return application


def renew(moderator: User, tutor_id: str) -> TutorAccreditation:
    """Extend a tutor's accreditation by one period from today (or from its end, if later)."""
    _require_staff(moderator)
    accreditation = db.session.get(TutorAccreditation, tutor_id)
    if accreditation is None or not policy.covers(moderator, tutor_id):
        raise NotFoundError("Tutor not found.")
    accreditation.accredited_until = max(utcnow(), accreditation.accredited_until) + _period()
    accreditation.expiry_notice_sent_at = None
    audit.record(moderator.id, "tutor.renewed", target_type="user", target_id=tutor_id)
    db.session.commit()
    return accreditation


def _accredit(user_id: str) -> None:
    accreditation = db.session.get(TutorAccreditation, user_id) or TutorAccreditation(user_id=user_id)
    accreditation.accredited_until = utcnow() + _period()
    accreditation.expiry_notice_sent_at = None
    db.session.add(accreditation)


def _period() -> timedelta:
    return timedelta(days=current_app.config["TUTOR_ACCREDITATION_DAYS"])


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDeniedError("Only moderators can do this.")

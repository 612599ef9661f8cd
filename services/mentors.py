"""Becoming an expert-patient mentor: apply, be approved by a moderator, stay accredited."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from models import ApplicationStatus, MentorApplication, MentorProfile, Role, User, UserRole, db, utcnow
from services import conditions as condition_service
from services import notifications, organisations
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, page_from_rows


def require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDeniedError("Only moderators can do this.")


def apply(applicant: User, *, motivation: str, experience: str, condition_ids: list[str],
          training: str | None = None) -> MentorApplication:
    """Apply to mentor; one open application at a time."""
    if applicant.has_role(Role.MENTOR):
        raise ConflictError("You are already a mentor.")
    unknown = set(condition_ids) - condition_service.existing_condition_ids(set(condition_ids))
    if unknown:
        raise InvalidInputError("condition_ids", f"Unknown condition: {sorted(unknown)[0]}.")
    pending = db.session.scalar(select(MentorApplication.id).where(
        MentorApplication.user_id == applicant.id, MentorApplication.status == ApplicationStatus.PENDING))
    if pending:
        raise ConflictError("You already have an application waiting for a decision.")
    application = MentorApplication(user_id=applicant.id, motivation=motivation, experience=experience,
                                    training=training, condition_ids=list(dict.fromkeys(condition_ids)))
    db.session.add(application)
    db.session.commit()
    return application


def list_applications(moderator: User, *, status: str | None = None, limit: int = 20,
                      cursor: str | None = None) -> Page[MentorApplication]:
    """Applications for moderators, oldest first (first come, first decided)."""
    require_staff(moderator)
    stmt = select(MentorApplication).order_by(MentorApplication.created_at, MentorApplication.id)
    if status:
        stmt = stmt.where(MentorApplication.status == status)
    scope = organisations.members_in_scope(moderator)
    if scope is not None:  # an organisation's moderator decides for its members only
        stmt = stmt.where(MentorApplication.user_id.in_(scope))
    after = decode_cursor("applications", cursor)
    if after:
        stmt = stmt.offset(after)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="applications", position_of=lambda _: (after or 0) + limit)


def count_applications(moderator: User, *, status: str = ApplicationStatus.PENDING) -> int:
    require_staff(moderator)
    stmt = select(func.count()).select_from(MentorApplication).where(MentorApplication.status == status)
    scope = organisations.members_in_scope(moderator)
    if scope is not None:  # the same applications list_applications shows them
        stmt = stmt.where(MentorApplication.user_id.in_(scope))
    return db.session.scalar(stmt)


def expiring_accreditations(moderator: User, *, within_days: int | None = None,
                            limit: int = 100) -> list[MentorProfile]:
    """Mentors whose accreditation ends within the notice period (default) or has already ended, soonest first."""
    require_staff(moderator)
    days = current_app.config["ACCREDITATION_NOTICE_DAYS"] if within_days is None else within_days
    stmt = select(MentorProfile).where(MentorProfile.accredited_until <= utcnow() + timedelta(days=days))
    scope = organisations.members_in_scope(moderator)
    if scope is not None:  # mentors they may renew
        stmt = stmt.where(MentorProfile.user_id.in_(scope))
    return list(db.session.scalars(stmt.order_by(MentorProfile.accredited_until, MentorProfile.user_id).limit(limit)))


def decide(moderator: User, application_id: str, *, decision: str, note: str | None = None) -> MentorApplication:
    """Approve (mentor role, profile, 12-month accreditation) or reject; the applicant is told."""
    require_staff(moderator)
    application = db.session.get(MentorApplication, application_id)
    if application is None or not organisations.covers(moderator, application.user_id):
        raise NotFoundError("Application not found.")
    if application.status != ApplicationStatus.PENDING:
        raise ConflictError(f"This application was already {application.status}.")
    # One conditional UPDATE: of two moderators deciding at once, exactly one decision stands.
    status = ApplicationStatus.APPROVED if decision == "approve" else ApplicationStatus.REJECTED
    decided = db.session.execute(update(MentorApplication).where(
        MentorApplication.id == application.id, MentorApplication.status == ApplicationStatus.PENDING,
    ).values(status=status, decided_by=moderator.id, decided_at=utcnow(), note=note)).rowcount
    if decided != 1:
        raise ConflictError("Another moderator decided this application just now.")
    db.session.refresh(application)
    applicant = application.user
    if decision == "approve":
        _make_mentor(applicant)
    notifications.notify(applicant, f"mentor_application_{application.status}", {"application_id": application.id})
    db.session.commit()
    return application


def _make_mentor(user: User) -> None:
    if not user.has_role(Role.MENTOR):
        user.role_rows.append(UserRole(role=Role.MENTOR))
    profile = db.session.get(MentorProfile, user.id) or MentorProfile(user_id=user.id)
    profile.accredited_until = utcnow() + _accreditation_period()
    profile.expiry_notice_sent_at = None
    db.session.add(profile)


def renew_accreditation(moderator: User, mentor_id: str) -> MentorProfile:
    """Extend a mentor's accreditation by one period from today (or from its end, if later)."""
    require_staff(moderator)
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is None or not organisations.covers(moderator, mentor_id):
        raise NotFoundError("Mentor not found.")
    profile.accredited_until = max(utcnow(), profile.accredited_until) + _accreditation_period()
    profile.expiry_notice_sent_at = None
    db.session.commit()
    return profile


def update_profile(mentor: User, **changes) -> MentorProfile:
    """A mentor sets what they offer: accepting or paused, capacity, support types, availability."""
    profile = db.session.get(MentorProfile, mentor.id)
    if profile is None or not mentor.has_role(Role.MENTOR):
        raise PermissionDeniedError("Only approved mentors have a mentor profile.")
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.updated_at = utcnow()
    db.session.commit()
    return profile


def _accreditation_period() -> timedelta:
    return timedelta(days=current_app.config["MENTOR_ACCREDITATION_DAYS"])

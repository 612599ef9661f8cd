"""Mentorships: requested → active → ended, or declined, or expired when nobody answers."""
from __future__ import annotations

from datetime import timedelta
from statistics import median

from flask import current_app
from sqlalchemy import func, or_, select, update

from models import (
    MentorProfile, Mentorship, MentorshipFeedback, MentorshipStatus, User, db, new_id, utcnow,
)
from services import blocks, changes, free_text, notifications
from services.changes import Change
from services.conversations import open_direct_conversation
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, page_from_rows

FEEDBACK_AFTER = timedelta(days=14)
OPEN = (MentorshipStatus.REQUESTED, MentorshipStatus.ACTIVE)


def request_mentorship(mentee: User, *, mentor_id: str, message: str | None = None,
                       goals: list[str] | None = None) -> Mentorship:
    """Ask a mentor from the pool; they have a few days to answer before it moves on."""
    if mentor_id == mentee.id:
        raise InvalidInputError("mentor_id", "You cannot mentor yourself.")
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is None or blocks.is_blocked_either_way(mentee.id, mentor_id) or not profile.user.is_active:
        raise NotFoundError("Mentor not found.")
    if not is_available(profile):
        raise ConflictError("This mentor is not taking new mentees right now.")
    if _open_between(mentee.id, mentor_id):
        raise ConflictError("You already have a mentorship request or mentorship with this mentor.")
    now = utcnow()
    mentorship = Mentorship(id=new_id(), mentor_id=mentor_id, mentee_id=mentee.id, message=message,
                            goals=goals or [], created_at=now, updated_at=now,
                            expires_at=now + timedelta(hours=current_app.config["MENTORSHIP_REQUEST_TTL_HOURS"]))
    db.session.add(mentorship)
    db.session.flush()
    notifications.notify(profile.user, "mentorship_request", {"mentorship_id": mentorship.id})
    _record(mentorship)
    safety = free_text.screen_fields(mentee, source="mentorship", source_id=mentorship.id, texts=[message, *(goals or [])])
    db.session.commit()
    return free_text.with_safety(mentorship, safety)


def accept(mentor: User, mentorship_id: str) -> Mentorship:
    """The mentor says yes: a direct conversation opens and a place is taken."""
    mentorship = _as_mentor(mentor, mentorship_id, MentorshipStatus.REQUESTED)
    now = utcnow()
    _move(mentorship, MentorshipStatus.REQUESTED, status=MentorshipStatus.ACTIVE, responded_at=now, started_at=now)
    if not _take_place(mentor.id):
        raise ConflictError("You are at capacity; end a mentorship or raise your capacity first.")
    mentorship.conversation_id = open_direct_conversation(mentorship.mentor_id, mentorship.mentee_id).id
    _refresh_responsiveness(db.session.get(MentorProfile, mentor.id))
    _tell(mentorship.mentee_id, "mentorship_accepted", mentorship)
    db.session.commit()
    return mentorship


def decline(mentor: User, mentorship_id: str) -> Mentorship:
    mentorship = _as_mentor(mentor, mentorship_id, MentorshipStatus.REQUESTED)
    _move(mentorship, MentorshipStatus.REQUESTED, status=MentorshipStatus.DECLINED, responded_at=utcnow())
    _refresh_responsiveness(db.session.get(MentorProfile, mentor.id))
    _tell(mentorship.mentee_id, "mentorship_declined", mentorship)
    db.session.commit()
    return mentorship


def end(person: User, mentorship_id: str) -> Mentorship:
    """Either side ends an active mentorship; the place is freed."""
    mentorship = access_mentorship(person, mentorship_id)
    _require_status(mentorship, MentorshipStatus.ACTIVE)
    _move(mentorship, MentorshipStatus.ACTIVE, status=MentorshipStatus.ENDED, ended_at=utcnow(), ended_by=person.id)
    db.session.execute(update(MentorProfile).where(MentorProfile.user_id == mentorship.mentor_id,
                                                   MentorProfile.active_mentees > 0)
                       .values(active_mentees=MentorProfile.active_mentees - 1))
    other = mentorship.mentee_id if person.id == mentorship.mentor_id else mentorship.mentor_id
    _tell(other, "mentorship_ended", mentorship)
    db.session.commit()
    return mentorship


def give_feedback(mentee: User, mentorship_id: str, *, rating: int, comment: str | None = None) -> MentorshipFeedback:
    """The mentee rates a mentorship once, after it ended or after two weeks."""
    mentorship = access_mentorship(mentee, mentorship_id)
    if mentorship.mentee_id != mentee.id:
        raise PermissionDeniedError("Only the mentee gives feedback.")
    ready = mentorship.status == MentorshipStatus.ENDED or (
        mentorship.status == MentorshipStatus.ACTIVE and utcnow() - mentorship.started_at >= FEEDBACK_AFTER)
    if not ready:
        raise ConflictError("Feedback opens when the mentorship ends or after 14 days.")
    if db.session.scalar(select(MentorshipFeedback.id).where(MentorshipFeedback.mentorship_id == mentorship.id)):
        raise ConflictError("You already gave feedback for this mentorship.")
    feedback = MentorshipFeedback(mentorship_id=mentorship.id, mentor_id=mentorship.mentor_id,
                                  rating=rating, comment=comment)
    db.session.add(feedback)
    db.session.flush()
    _refresh_rating(mentorship.mentor_id)
    safety = free_text.screen_fields(mentee, source="feedback", source_id=feedback.id, texts=[comment])
    db.session.commit()
    return free_text.with_safety(feedback, safety)


def list_mentorships(person: User, *, role: str | None = None, status: str | None = None, limit: int = 20,
                     cursor: str | None = None) -> Page[Mentorship]:
    stmt = select(Mentorship)
    if role == "mentor":
        stmt = stmt.where(Mentorship.mentor_id == person.id)
    elif role == "mentee":
        stmt = stmt.where(Mentorship.mentee_id == person.id)
    else:
        stmt = stmt.where(or_(Mentorship.mentor_id == person.id, Mentorship.mentee_id == person.id))
    if status:
        stmt = stmt.where(Mentorship.status == status)
    offset = decode_cursor("mentorships", cursor) or 0
    rows = list(db.session.scalars(stmt.order_by(Mentorship.updated_at.desc(), Mentorship.id)
                                   .offset(offset).limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="mentorships", position_of=lambda _: offset + limit)


def access_mentorship(person: User, mentorship_id: str) -> Mentorship:
    mentorship = db.session.get(Mentorship, mentorship_id)
    if mentorship is None or person.id not in (mentorship.mentor_id, mentorship.mentee_id):
        raise NotFoundError("Mentorship not found.")
    if blocks.is_blocked_either_way(mentorship.mentor_id, mentorship.mentee_id):
        raise NotFoundError("Mentorship not found.")  # across a block: as if it were gone, and silently so
    return mentorship


def is_available(profile: MentorProfile) -> bool:
    return (profile.accepting_mentees and profile.active_mentees < profile.capacity
            and profile.accredited_until > utcnow())


def has_active_mentorship(user_a: str, user_b: str) -> bool:
    return db.session.scalar(select(Mentorship.id).where(
        Mentorship.status == MentorshipStatus.ACTIVE,
        or_((Mentorship.mentor_id == user_a) & (Mentorship.mentee_id == user_b),
            (Mentorship.mentor_id == user_b) & (Mentorship.mentee_id == user_a))).limit(1)) is not None


def _open_between(mentee_id: str, mentor_id: str) -> bool:
    return db.session.scalar(select(Mentorship.id).where(
        Mentorship.mentee_id == mentee_id, Mentorship.mentor_id == mentor_id, Mentorship.status.in_(OPEN)
    ).limit(1)) is not None


def _as_mentor(mentor: User, mentorship_id: str, status: MentorshipStatus) -> Mentorship:
    mentorship = access_mentorship(mentor, mentorship_id)
    if mentorship.mentor_id != mentor.id:
        raise PermissionDeniedError("Only the mentor answers a mentorship request.")
    _require_status(mentorship, status)
    return mentorship


def _move(mentorship: Mentorship, expected: MentorshipStatus, **values) -> None:
    """Change the mentorship only if it is still `expected`, in one conditional UPDATE: of two
    answers racing (or an answer and the expiry job), exactly one wins and the other gets 409."""
    moved = db.session.execute(update(Mentorship).where(Mentorship.id == mentorship.id, Mentorship.status == expected)
                               .values(**values)).rowcount
    if moved != 1:
        raise ConflictError(f"This mentorship is no longer {expected}.")
    db.session.refresh(mentorship)


def _take_place(mentor_id: str) -> bool:
    """Count one more active mentee unless that would go over capacity (atomic, like _move)."""
    return db.session.execute(update(MentorProfile).where(
        MentorProfile.user_id == mentor_id, MentorProfile.active_mentees < MentorProfile.capacity,
    ).values(active_mentees=MentorProfile.active_mentees + 1)).rowcount == 1


def _require_status(mentorship: Mentorship, status: MentorshipStatus) -> None:
    if mentorship.status != status:
        raise ConflictError(f"This mentorship is {mentorship.status}, not {status}.")


def _tell(user_id: str, type_: str, mentorship: Mentorship) -> None:
    mentorship.updated_at = utcnow()
    notifications.notify(db.session.get(User, user_id), type_, {"mentorship_id": mentorship.id})
    _record(mentorship)


def _record(mentorship: Mentorship) -> None:
    changes.record(Change([mentorship.mentor_id, mentorship.mentee_id], "mentorship", mentorship.id,
                          event="mentorship.updated", entity=mentorship))


def refresh_mentor_figures(mentor_id: str) -> None:
    """Work out a mentor's rating and responsiveness again (after a mentee's account is erased)."""
    _refresh_rating(mentor_id)
    _refresh_responsiveness(db.session.get(MentorProfile, mentor_id))


def _refresh_responsiveness(profile: MentorProfile | None) -> None:
    """Median hours from request to answer over the mentor's last 20 answered requests."""
    if profile is None:
        return
    db.session.flush()
    answered = db.session.execute(select(Mentorship.created_at, Mentorship.responded_at).where(
        Mentorship.mentor_id == profile.user_id, Mentorship.responded_at.isnot(None))
        .order_by(Mentorship.responded_at.desc()).limit(20)).all()
    if answered:
        profile.median_response_hours = median((r - c).total_seconds() / 3600 for c, r in answered)


def _refresh_rating(mentor_id: str) -> None:
    count, mean = db.session.execute(select(func.count(), func.avg(MentorshipFeedback.rating))
                                     .where(MentorshipFeedback.mentor_id == mentor_id)).one()
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is not None:
        profile.rating_count, profile.rating_mean = count, float(mean) if mean is not None else None

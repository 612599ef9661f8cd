"""Places on a course: enrol, the waitlist in order, 48-hour offers, withdrawing, the roster.

`courses.enrolled_count` counts the places taken, by people enrolled and by the one holding an
offer. A place is taken with one conditional UPDATE (`… WHERE enrolled_count < capacity`), so of
two people taking the last place at once exactly one gets it and the other joins the waitlist.
A place given back goes straight to the first on the waitlist as an offer (the count is unchanged),
so a newcomer never overtakes someone waiting.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from models import Course, CourseEnrolment, EnrolmentStatus, Group, GroupMembership, User, UserCondition, db, utcnow
from services import audit, groups, notifications, organisations, policy
from services import conditions as condition_service
from services.courses.catalogue import access_course, enrolment_of, require_not_started, waitlist_position
from services.errors import ConflictError, PermissionDeniedError

LAPSED = "lapsed"
HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED, EnrolmentStatus.WAITLISTED)


@dataclass
class EnrolmentView:
    course_id: str
    status: str
    waitlist_position: int | None = None
    offer_expires_at: datetime | None = None


def view_of(enrolment: CourseEnrolment) -> EnrolmentView:
    return EnrolmentView(enrolment.course_id, enrolment.status, waitlist_position(enrolment),
                         enrolment.offer_expires_at if enrolment.status == EnrolmentStatus.OFFERED else None)


def enrol(person: User, course_id: str, *, referral_code: str | None = None) -> EnrolmentView:
    """Take a place, or the next place on the waitlist; enrolling again changes nothing."""
    if referral_code:
        organisations.redeem(person, referral_code)  # joins the programme first (its own commit)
    course = access_course(person, course_id)
    enrolment = enrolment_of(course.id, person.id)
    if enrolment is not None and enrolment.status in HOLDING:
        return view_of(enrolment)
    _check_eligible(person, course)
    require_not_started(course)
    if enrolment is None:
        enrolment = CourseEnrolment(course_id=course.id, user_id=person.id, status=EnrolmentStatus.WAITLISTED)
        db.session.add(enrolment)
    enrolment.offer_expires_at, enrolment.updated_at = None, utcnow()
    if _take_place(course.id):
        enrolment.status, enrolment.waitlist_number = EnrolmentStatus.ENROLLED, None
        _welcome(person, course)
    else:
        enrolment.status, enrolment.waitlist_number = EnrolmentStatus.WAITLISTED, _next_waitlist_number(course.id)
    db.session.flush()
    view = view_of(enrolment)
    db.session.commit()
    return view


def withdraw(person: User, course_id: str) -> EnrolmentView:
    """Give up a place (or an offer, or a place on the waitlist); a place goes to the first waiting."""
    course = access_course(person, course_id)
    enrolment = enrolment_of(course.id, person.id)
    if enrolment is None or enrolment.status not in HOLDING:
        raise ConflictError("You are not enrolled on this course.")
    held_place = enrolment.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED)
    was_enrolled = enrolment.status == EnrolmentStatus.ENROLLED
    claimed = db.session.execute(update(CourseEnrolment).where(
        CourseEnrolment.id == enrolment.id, CourseEnrolment.status == enrolment.status,
    ).values(status=EnrolmentStatus.WITHDRAWN, waitlist_number=None, offer_expires_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise ConflictError("Your place changed just now; look again.")
    if was_enrolled:
        _leave_circle(course, person.id)
    if held_place:
        release_place(course, utcnow())
    db.session.commit()
    db.session.refresh(enrolment)
    return view_of(enrolment)


def accept_offer(person: User, course_id: str) -> EnrolmentView:
    """The holder of an offer takes the place, before it lapses."""
    course = access_course(person, course_id)
    enrolment = enrolment_of(course.id, person.id)
    now = utcnow()
    taken = enrolment is not None and db.session.execute(update(CourseEnrolment).where(
        CourseEnrolment.id == enrolment.id, CourseEnrolment.status == EnrolmentStatus.OFFERED,
        CourseEnrolment.offer_expires_at > now,
    ).values(status=EnrolmentStatus.ENROLLED, offer_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not taken:
        raise ConflictError("You have no open offer of a place on this course (an offer lasts 48 hours).")
    _welcome(person, course)
    db.session.commit()
    db.session.refresh(enrolment)
    return view_of(enrolment)


def release_place(course: Course, now: datetime) -> None:
    """A place came free: offer it to the first on the waitlist for COURSE_OFFER_HOURS, or free it."""
    for enrolment_id, user_id in db.session.execute(select(CourseEnrolment.id, CourseEnrolment.user_id).where(
            CourseEnrolment.course_id == course.id, CourseEnrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(CourseEnrolment.waitlist_number)).all():
        expires = now + timedelta(hours=current_app.config["COURSE_OFFER_HOURS"])
        offered = db.session.execute(update(CourseEnrolment).where(
            CourseEnrolment.id == enrolment_id, CourseEnrolment.status == EnrolmentStatus.WAITLISTED,
        ).values(status=EnrolmentStatus.OFFERED, offer_expires_at=expires, waitlist_number=None, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if offered == 1:
            notifications.notify(db.session.get(User, user_id), "course_place_offered", {"course_id": course.id},
                                 now=now)
            return
    db.session.execute(update(Course).where(Course.id == course.id, Course.enrolled_count > 0)
                       .values(enrolled_count=Course.enrolled_count - 1).execution_options(synchronize_session=False))


def expire_offers(now: datetime, *, claim) -> int:
    """`flask run-scheduled`: an offer not taken in time lapses and goes to the next person waiting."""
    due = db.session.execute(select(CourseEnrolment.id, CourseEnrolment.course_id, CourseEnrolment.user_id).where(
        CourseEnrolment.status == EnrolmentStatus.OFFERED, CourseEnrolment.offer_expires_at <= now)).all()
    done = 0
    for enrolment_id, course_id, user_id in due:
        if claim(CourseEnrolment, enrolment_id, CourseEnrolment.status == EnrolmentStatus.OFFERED,
                 CourseEnrolment.offer_expires_at <= now, status=LAPSED, offer_expires_at=None, updated_at=now):
            notifications.notify(db.session.get(User, user_id), "course_offer_lapsed", {"course_id": course_id},
                                 push=False, now=now)
            release_place(db.session.get(Course, course_id), now)
            done += 1
        db.session.commit()
    return done


def forget_person(user_id: str) -> None:
    """Account erasure: give back every place (or offer) the person holds, so the waitlist moves on;
    their rows then go with the erasure's coverage rules. The caller commits."""
    now = utcnow()
    for enrolment in db.session.scalars(select(CourseEnrolment).where(
            CourseEnrolment.user_id == user_id,
            CourseEnrolment.status.in_([EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED]))).all():
        enrolment.status = EnrolmentStatus.WITHDRAWN
        db.session.flush()
        release_place(db.session.get(Course, enrolment.course_id), now)


def roster(actor: User, course_id: str) -> dict:
    """Tutors and the staff who run it: enrolled, waitlisted and offered, with attendance (K4)."""
    from services.courses.attendance import attendance_by_person  # noqa: PLC0415 - attendance imports us

    course = access_course(actor, course_id)
    if not policy.may_run_course(actor, course):
        raise PermissionDeniedError("Only the course's tutors and staff can see its roster.")
    rows = db.session.execute(select(CourseEnrolment, User).join(User, User.id == CourseEnrolment.user_id).where(
        CourseEnrolment.course_id == course.id, CourseEnrolment.status.in_(HOLDING))
        .order_by(CourseEnrolment.created_at, CourseEnrolment.id)).all()
    attended = attendance_by_person(course.id)
    enrolled = [{"user_id": u.id, "display_name": u.display_name, "attended": attended.get(u.id, []),
                 "completed": e.completed_at is not None}
                for e, u in rows if e.status == EnrolmentStatus.ENROLLED]
    waiting = sorted([(e, u) for e, u in rows if e.status != EnrolmentStatus.ENROLLED],
                     key=lambda pair: (pair[0].status != EnrolmentStatus.OFFERED, pair[0].waitlist_number or 0))
    waitlist = [{"user_id": u.id, "display_name": u.display_name, "status": e.status, "position": n,
                 "offer_expires_at": e.offer_expires_at} for n, (e, u) in enumerate(waiting, start=1)]
    if not policy.tutors_course(actor, course):  # a staff read of who is on a course is audited
        audit.record(actor.id, "course.roster_read", target_type="course", target_id=course.id)
        db.session.commit()
    return {"course_id": course.id, "capacity": course.capacity, "enrolled": enrolled, "waitlist": waitlist}


def _check_eligible(person: User, course: Course) -> None:
    if policy.tutors_course(person, course):
        raise ConflictError("You tutor this course.")
    if course.organisation_id and course.organisation_id not in organisations.organisation_ids(person.id):
        raise PermissionDeniedError("This course is for the programme's members: use your referral code.")
    if course.condition_ids:
        own = set(db.session.scalars(select(UserCondition.condition_id).where(UserCondition.user_id == person.id)))
        if not condition_service.related_condition_ids(own) & set(course.condition_ids):
            raise PermissionDeniedError("This course is for people living with the conditions it names.")


def _take_place(course_id: str) -> bool:
    """One conditional UPDATE: the row lock orders concurrent enrolments, so a course never overfills."""
    return db.session.execute(update(Course).where(Course.id == course_id, Course.enrolled_count < Course.capacity)
                              .values(enrolled_count=Course.enrolled_count + 1)
                              .execution_options(synchronize_session=False)).rowcount == 1


def _next_waitlist_number(course_id: str) -> int:
    db.session.execute(update(Course).where(Course.id == course_id).values(waitlist_seq=Course.waitlist_seq + 1)
                       .execution_options(synchronize_session=False))
    return db.session.scalar(select(Course.waitlist_seq).where(Course.id == course_id))


def _welcome(person: User, course: Course) -> None:
    """A place taken: into the course circle, and the SEMCD-6 offered as the before measure."""
    groups.add_member(db.session.get(Group, course.group_id), person.id)
    notifications.notify(person, "check_in_offered", {"instrument": "semcd6", "course_id": course.id})


def _leave_circle(course: Course, user_id: str) -> None:
    """Withdrawing leaves the course circle exactly as leaving any circle does (/sync, sockets, inbox)."""
    membership = db.session.get(GroupMembership, (course.group_id, user_id))
    if membership is not None:
        groups.remove_membership(membership)

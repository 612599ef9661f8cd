"""Weekly action plans: private to the participant, shared with the tutors only if they choose (K5).

A confidence under 7 (out of 10) tells the app to suggest reworking the plan, as the course does;
next week the participant records how it went. Plans are screened like any free text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from models import ActionPlan, User, db, utcnow
from services import policy
from services.courses.catalogue import SESSIONS, access_course
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.free_text import screen_fields, with_safety

REWORK_BELOW = 7


@dataclass
class PlanView:
    id: str
    course_id: str
    user_id: str
    week: int
    what: str
    how_much: str
    when: str
    days_per_week: int
    confidence: int
    share_with_tutors: bool
    outcome: str | None
    rework_suggested: bool
    created_at: datetime
    updated_at: datetime


def view_of(plan: ActionPlan) -> PlanView:
    return PlanView(plan.id, plan.course_id, plan.user_id, plan.week, plan.what, plan.how_much, plan.plan_when,
                    plan.days_per_week, plan.confidence, plan.share_with_tutors, plan.outcome,
                    plan.confidence < REWORK_BELOW, plan.created_at, plan.updated_at)


def create_plan(person: User, course_id: str, *, week: int, what: str, how_much: str, when: str,
                days_per_week: int, confidence: int, share_with_tutors: bool = False) -> PlanView:
    """A participant writes this week's plan (one per week)."""
    course = access_course(person, course_id)
    if not policy.is_enrolled(person, course):
        raise PermissionDeniedError("Action plans are for the people enrolled on this course.")
    if week > SESSIONS:
        raise InvalidInputError("week", f"A course has {SESSIONS} weeks.")
    if db.session.scalar(select(ActionPlan.id).where(ActionPlan.course_id == course.id,
                                                     ActionPlan.user_id == person.id, ActionPlan.week == week)):
        raise ConflictError("You already have a plan for this week: change it instead.")
    plan = ActionPlan(course_id=course.id, user_id=person.id, week=week, what=what, how_much=how_much,
                      plan_when=when, days_per_week=days_per_week, confidence=confidence,
                      share_with_tutors=share_with_tutors)
    db.session.add(plan)
    db.session.flush()
    safety = screen_fields(person, source="action_plan", source_id=plan.id, texts=[what, how_much, when])
    db.session.commit()
    return with_safety(view_of(plan), safety)


def update_plan(person: User, course_id: str, plan_id: str, **changes) -> PlanView:
    """The writer records how it went (done, partly, not done) or changes whether tutors see it."""
    course = access_course(person, course_id)
    plan = db.session.get(ActionPlan, plan_id)
    if plan is None or plan.course_id != course.id or plan.user_id != person.id:
        raise NotFoundError("Action plan not found.")
    for name, value in changes.items():
        setattr(plan, name, value)
    plan.updated_at = utcnow()
    db.session.commit()
    return view_of(plan)


def list_plans(viewer: User, course_id: str) -> list[PlanView]:
    """The caller's own plans; a tutor also sees the plans shared with the tutors (K5)."""
    course = access_course(viewer, course_id)
    readable = ActionPlan.user_id == viewer.id
    if policy.tutors_course(viewer, course):
        readable = or_(readable, ActionPlan.share_with_tutors.is_(True))
    return [view_of(p) for p in db.session.scalars(select(ActionPlan).where(ActionPlan.course_id == course.id, readable)
                                                   .order_by(ActionPlan.week, ActionPlan.user_id))]

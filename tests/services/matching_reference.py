"""The matching pool and ranking exactly as services/matching/finder.py computed them before issue 15
(tiered SQL pool queries on every request, no caches): the reference that
tests/services/test_matching_equivalence.py compares the current finder with. Test code only.

One change: `_load_people` reads each person's conditions in condition order (`ORDER BY`). SQLite
always returned them so (its primary key index); PostgreSQL returned them in whatever order its plan
gave (often the order they were inserted), and that order decided which of several shared conditions
scoring compares (the first exact match). The finder now uses condition order on both engines."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from models import (
    Condition, Connection, ConnectionStatus, MentorProfile, Mentorship, MentorshipStatus, User, UserCondition,
    db, utcnow,
)
from services import blocks, organisations, policy
from services.errors import ConflictError, InvalidInputError
from services.matching import scoring

POOL_SIZE = 150


@dataclass
class Match:
    user: User
    score: float
    reasons: list[str]


def find_matches(seeker: User, *, kind: str = "peer", condition_id: str | None = None,
                 support_type: str | None = None, limit: int = 10) -> list[Match]:
    """The best `limit` peers or mentors for `seeker`, best first, each with plain-language reasons."""
    if seeker.health_consent_withdrawn_at is not None:
        raise ConflictError("Matching uses your health information; give your consent again (POST /me/consents).")
    own = {uc.condition_id for uc in seeker.conditions}
    if condition_id and condition_id not in own:
        raise InvalidInputError("condition_id", "Choose one of your own conditions (PUT /me/conditions).")
    focus = {condition_id} if condition_id else own
    if not focus:
        return []
    pool = _candidate_pool(seeker, focus, kind=kind)
    if not pool:
        return []
    people = _load_people(pool, findable_only=True)
    mentors = _load_mentor_facts(pool) if kind == "mentor" else {}
    me = _load_people([seeker.id], findable_only=False)[seeker.id]
    matches = []
    for candidate_id in pool:
        mentor = mentors.get(candidate_id)
        if kind == "mentor" and support_type and (mentor is None or support_type not in mentor.support_types):
            continue
        points, reasons = scoring.score(me, people[candidate_id], kind=kind, focus=focus, mentor=mentor,
                                        support_type=support_type)
        if points > 0:
            matches.append((points, candidate_id, reasons))
    matches.sort(key=lambda m: (-m[0], m[1]))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([m[1] for m in matches[:limit]])))}
    return [Match(users[uid], points, reasons) for points, uid, reasons in matches[:limit]]


def _candidate_pool(seeker: User, focus: set[str], *, kind: str) -> list[str]:
    """Fill the pool tier by tier, strongest first: the chosen condition in the seeker's region, the
    chosen condition anywhere, then the rest of its group. Each tier is a plain LIMIT query (no
    sorting of everyone who shares a common condition), so the cost stays flat as the network grows.
    """
    related = _related_conditions(focus)
    tiers = [(focus, seeker.region)] if seeker.region else []
    tiers += [(focus, None), (related - focus, None)]
    taken = _excluded_ids(seeker.id) | {seeker.id}
    pool: list[str] = []
    for condition_ids, region in tiers:
        room = POOL_SIZE - len(pool)
        if room <= 0:
            break
        if condition_ids:
            found = _tier(seeker, condition_ids, region=region, kind=kind, excluded=taken, limit=room)
            pool += found
            taken |= set(found)
    return pool


def _tier(seeker: User, condition_ids: set[str], *, region: str | None, kind: str, excluded: set[str],
          limit: int) -> list[str]:
    languages = seeker.languages or ["en"]
    stmt = (
        select(UserCondition.user_id).distinct()
        .join(User, User.id == UserCondition.user_id)
        .where(UserCondition.condition_id.in_(condition_ids), UserCondition.visibility == policy.FINDABLE,
               UserCondition.user_id.notin_(excluded), User.suspended_at.is_(None), User.erased_at.is_(None),
               User.health_consent_withdrawn_at.is_(None),
               or_(*[User.languages_key.like(f"%,{lang},%") for lang in languages]),
               organisations.matching_filter(seeker, UserCondition.user_id))
    )
    if region:
        stmt = stmt.where(User.region == region)
    if kind == "mentor":
        # Like scoring.rating: a mean from fewer than MIN_RATINGS ratings must not buy a place in the pool.
        counted = func.coalesce(case((MentorProfile.rating_count >= scoring.MIN_RATINGS, MentorProfile.rating_mean),
                                     else_=None), 0).label("counted_rating")
        stmt = (stmt.add_columns(counted)
                .join(MentorProfile, MentorProfile.user_id == UserCondition.user_id)
                .where(MentorProfile.accepting_mentees.is_(True),
                       MentorProfile.active_mentees < MentorProfile.capacity,
                       MentorProfile.accredited_until > utcnow())
                .order_by(counted.desc(), UserCondition.user_id))
    return [row[0] for row in db.session.execute(stmt.limit(limit))]


def _related_conditions(focus: set[str]) -> set[str]:
    """The chosen conditions, their groups, and every condition in those groups."""
    parents = {p for p in db.session.scalars(select(Condition.parent_id).where(Condition.id.in_(focus))) if p}
    groups = parents | focus
    siblings = set(db.session.scalars(select(Condition.id).where(Condition.parent_id.in_(groups))))
    return focus | parents | siblings


def _excluded_ids(seeker_id: str) -> set[str]:
    """Blocked either way, already connected or asked, already in a mentorship (requested or active)."""
    excluded = blocks.hidden_user_ids(seeker_id)
    for requester, addressee in db.session.execute(
        select(Connection.requester_id, Connection.addressee_id).where(
            or_(Connection.requester_id == seeker_id, Connection.addressee_id == seeker_id),
            Connection.status.in_([ConnectionStatus.PENDING, ConnectionStatus.ACCEPTED]))):
        excluded.add(addressee if requester == seeker_id else requester)
    for mentor, mentee in db.session.execute(
        select(Mentorship.mentor_id, Mentorship.mentee_id).where(
            or_(Mentorship.mentor_id == seeker_id, Mentorship.mentee_id == seeker_id),
            Mentorship.status.in_([MentorshipStatus.REQUESTED, MentorshipStatus.ACTIVE]))):
        excluded.add(mentee if mentor == seeker_id else mentor)
    return excluded


def _load_people(user_ids: list[str], *, findable_only: bool) -> dict[str, scoring.Person]:
    """Scoring facts: the seeker's own conditions, or only the public ones of candidates."""
    parent = aliased(Condition)
    rows = db.session.execute(
        select(UserCondition.user_id, UserCondition.condition_id, UserCondition.diagnosed_year,
               UserCondition.treatments, Condition.name, Condition.parent_id, parent.name)
        .join(Condition, Condition.id == UserCondition.condition_id)
        .outerjoin(parent, parent.id == Condition.parent_id)
        .where(UserCondition.user_id.in_(user_ids),
               *([UserCondition.visibility == policy.FINDABLE] if findable_only else []))
        .order_by(UserCondition.user_id, UserCondition.condition_id)
    )
    facts: dict[str, list[scoring.ConditionFacts]] = {}
    for user_id, condition_id, diagnosed_year, treatments, name, parent_id, parent_name in rows:
        facts.setdefault(user_id, []).append(scoring.ConditionFacts(
            condition_id, name, parent_id, parent_name, diagnosed_year, list(treatments or [])))
    users = db.session.execute(select(User.id, User.languages, User.region, User.timezone)
                               .where(User.id.in_(user_ids)))
    return {uid: scoring.Person(uid, list(langs or []), region, tz, facts.get(uid, []))
            for uid, langs, region, tz in users}


def _load_mentor_facts(user_ids: list[str]) -> dict[str, scoring.MentorFacts]:
    rows = db.session.execute(select(
        MentorProfile.user_id, MentorProfile.support_types, MentorProfile.availability,
        MentorProfile.median_response_hours, MentorProfile.rating_count, MentorProfile.rating_mean,
    ).where(MentorProfile.user_id.in_(user_ids)))
    return {user_id: scoring.MentorFacts(list(types or []), list(slots or []), hours, count, mean)
            for user_id, types, slots, hours, count, mean in rows}


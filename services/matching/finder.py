"""Finding candidates: SQL narrows the whole network to a pool, scoring.py ranks the pool.

Everything here about a candidate is what the seeker may see of them (services/policy.py, H2):
their public conditions and public profile fields. A `matches` or `private` condition, a birth
year or anything else hidden never decides who is in the pool, their score or their order, so
no seeker can learn it by changing their own conditions and watching the list.

The pool takes the strongest tiers first (same condition and region, same condition, same group;
mentors by rating within a tier), so the rows scored in Python hold the best matches even among
100,000 patients:

- Peers: one plain `LIMIT` query per tier (shared condition, a shared language, exclusions,
  programme scope). Within a tier the pool is a sample, not a ranking: that is what keeps a common
  condition as cheap as a rare one.
- Mentors: the few hundred mentors who list a condition of the group as public come from a shortlist
  kept between requests (pools.py); one query checks them all live (still public, accepting, under
  capacity, accredited, active, consenting, a shared language, programme scope) and Python orders them
  by tier, counted rating and id, as the tier queries did.

The condition taxonomy is kept between requests too (pools.taxonomy). Statements are SQLAlchemy Core:
no ORM objects are built on the hot path but the `limit` users returned.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, any_, bindparam, or_, select, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from models import (
    Block, Connection, ConnectionStatus, MentorProfile, Mentorship, MentorshipStatus, User, UserCondition, db, utcnow,
)
from services import organisations, policy
from services.errors import ConflictError, InvalidInputError
from services.matching import pools, scoring

POOL_SIZE = 150
REGION, SAME_CONDITION, SAME_GROUP = 0, 1, 2  # the tiers, strongest first


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
    own = seeker.conditions
    if condition_id and condition_id not in {uc.condition_id for uc in own}:
        raise InvalidInputError("condition_id", "Choose one of your own conditions (PUT /me/conditions).")
    focus = {condition_id} if condition_id else {uc.condition_id for uc in own}
    if not focus:
        return []
    taxonomy = pools.taxonomy(needed=focus)
    related = taxonomy.related(focus)
    taken = _excluded_ids(seeker.id) | {seeker.id}
    if kind == "mentor":
        pool = _mentor_pool(seeker, focus, related, taken)
    else:
        pool = _peer_pool(seeker, focus, related, taken)
    if not pool:
        return []
    people, mentors = _load_candidates(pool, related, taxonomy, mentors=kind == "mentor")
    me = _seeker_facts(seeker, taxonomy)
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
    best = matches[:limit]
    users = {u.id: u for u in db.session.scalars(
        select(User).options(joinedload(User.role_rows)).where(User.id.in_([m[1] for m in best]))).unique()}
    return [Match(users[uid], points, reasons) for points, uid, reasons in best]


# --- The pool ----------------------------------------------------------------------------------

def _findable_candidate(seeker: User):
    """What every candidate must be, checked live: active, consenting, sharing a language, in scope."""
    languages = seeker.languages or ["en"]
    return (User.suspended_at.is_(None), User.erased_at.is_(None), User.health_consent_withdrawn_at.is_(None),
            or_(*[User.languages_key.like(f"%,{lang},%") for lang in languages]),
            organisations.matching_filter(seeker, UserCondition.user_id))


def _peer_pool(seeker: User, focus: set[str], related: set[str], taken: set[str]) -> list[str]:
    """Fill the pool tier by tier, strongest first: the chosen condition in the seeker's region, the
    chosen condition anywhere, then the rest of its group. Each tier is a plain LIMIT query (no
    sorting of everyone who shares a common condition), so the cost stays flat as the network grows.
    """
    tiers = [(focus, seeker.region)] if seeker.region else []
    tiers += [(focus, None), (related - focus, None)]
    taken = set(taken)
    pool: list[str] = []
    for condition_ids, region in tiers:
        room = POOL_SIZE - len(pool)
        if room <= 0:
            break
        if condition_ids:
            stmt = (select(UserCondition.user_id).distinct()
                    .join(User, User.id == UserCondition.user_id)
                    .where(UserCondition.condition_id.in_(condition_ids), UserCondition.visibility == policy.FINDABLE,
                           UserCondition.user_id.notin_(taken), *_findable_candidate(seeker)))
            if region:
                stmt = stmt.where(User.region == region)
            found = list(_rows(stmt.limit(room)).scalars())
            pool += found
            taken.update(found)
    return pool


def _mentor_pool(seeker: User, focus: set[str], related: set[str], taken: set[str]) -> list[str]:
    """The POOL_SIZE best open mentors by (tier, counted rating, id): the first rows of the tier queries
    (ORDER BY counted rating DESC, id) one after the other. Like scoring.rating, a mean from fewer than
    MIN_RATINGS ratings counts as none, so it cannot buy a place in the pool."""
    shortlist = pools.mentors_listing(related) - taken
    if not shortlist:
        return []
    rows = _rows(
        select(UserCondition.user_id, UserCondition.condition_id, User.region,
               MentorProfile.rating_count, MentorProfile.rating_mean)
        .join(User, User.id == UserCondition.user_id)
        .join(MentorProfile, MentorProfile.user_id == UserCondition.user_id)
        # Driven by the shortlisted ids (primary keys); the conditions are filtered below, in Python, so
        # that no engine walks a common condition's index instead.
        .where(_among(UserCondition.user_id, sorted(shortlist)),
               UserCondition.visibility == policy.FINDABLE, *_findable_candidate(seeker),
               MentorProfile.accepting_mentees.is_(True), MentorProfile.active_mentees < MentorProfile.capacity,
               MentorProfile.accredited_until > utcnow()))
    best: dict[str, tuple[int, float]] = {}
    home = seeker.region  # once: `seeker` may be a proxy (flask_jwt_extended's current_user)
    for user_id, condition_id, region, rating_count, rating_mean in rows:
        if condition_id not in related:
            continue
        if condition_id in focus:
            tier = REGION if home and region == home else SAME_CONDITION
        else:
            tier = SAME_GROUP
        counted = rating_mean if rating_count >= scoring.MIN_RATINGS and rating_mean is not None else 0.0
        if user_id not in best or tier < best[user_id][0]:
            best[user_id] = (tier, counted)
    ordered = sorted(best, key=lambda uid: (best[uid][0], -best[uid][1], uid))
    return ordered[:POOL_SIZE]


def _excluded_ids(seeker_id: str) -> set[str]:
    """Blocked either way (as services.blocks.hidden_user_ids), already connected or asked, already in
    a mentorship (requested or active): one statement."""
    open_connection = Connection.status.in_([ConnectionStatus.PENDING, ConnectionStatus.ACCEPTED])
    open_mentorship = Mentorship.status.in_([MentorshipStatus.REQUESTED, MentorshipStatus.ACTIVE])
    return set(_rows(union_all(
        select(Block.blocked_id).where(Block.blocker_id == seeker_id),
        select(Block.blocker_id).where(Block.blocked_id == seeker_id),
        select(Connection.addressee_id).where(Connection.requester_id == seeker_id, open_connection),
        select(Connection.requester_id).where(Connection.addressee_id == seeker_id, open_connection),
        select(Mentorship.mentee_id).where(Mentorship.mentor_id == seeker_id, open_mentorship),
        select(Mentorship.mentor_id).where(Mentorship.mentee_id == seeker_id, open_mentorship),
    )).scalars())


def _rows(stmt):
    """Run a Core statement on the session's connection (its transaction), without the ORM's result layer."""
    return db.session.connection().execute(stmt)


def _among(column, ids: list[str]):
    """`column IN (ids)` for a few hundred ids. PostgreSQL: `= ANY(array)`, one parameter, so the statement
    text (and psycopg's and the server's work on it) is the same whatever the number of ids."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=postgresql.ARRAY(String)))
    return column.in_(ids)


# --- Scoring facts -----------------------------------------------------------------------------

def _condition_facts(taxonomy: pools.Taxonomy, condition_id: str, diagnosed_year: int | None,
                     treatments) -> scoring.ConditionFacts:
    return scoring.ConditionFacts(condition_id, taxonomy.names.get(condition_id, ""), taxonomy.parents.get(condition_id),
                                  taxonomy.parent_name(condition_id), diagnosed_year, list(treatments or []))


def _seeker_facts(seeker: User, taxonomy: pools.Taxonomy) -> scoring.Person:
    """The seeker's own conditions, of every visibility (H2: they choose what to search for)."""
    conditions = [_condition_facts(taxonomy, uc.condition_id, uc.diagnosed_year, uc.treatments)
                  for uc in sorted(seeker.conditions, key=lambda uc: uc.condition_id)]
    return scoring.Person(seeker.id, list(seeker.languages or []), seeker.region, seeker.timezone, conditions)


def _load_candidates(user_ids: list[str], related: set[str], taxonomy: pools.Taxonomy, *, mentors: bool
                     ) -> tuple[dict[str, scoring.Person], dict[str, scoring.MentorFacts]]:
    """Scoring facts of candidates: only their public conditions and public fields (and mentor profiles).
    Of their conditions, only those related to the focus: no other can be the same or in the same group
    (scoring.condition_overlap), so no other changes a score or a reason."""
    facts: dict[str, list[scoring.ConditionFacts]] = {}
    for user_id, condition_id, diagnosed_year, treatments in _rows(
            select(UserCondition.user_id, UserCondition.condition_id, UserCondition.diagnosed_year,
                   UserCondition.treatments)
            .where(_among(UserCondition.user_id, user_ids), UserCondition.visibility == policy.FINDABLE)
            .order_by(UserCondition.user_id, UserCondition.condition_id)):
        if condition_id in related:
            facts.setdefault(user_id, []).append(_condition_facts(taxonomy, condition_id, diagnosed_year, treatments))
    columns = [User.id, User.languages, User.region, User.timezone]
    if not mentors:
        people = _rows(select(*columns).where(_among(User.id, user_ids)))
        return {uid: scoring.Person(uid, list(langs or []), region, tz, facts.get(uid, []))
                for uid, langs, region, tz in people}, {}
    rows = _rows(
        select(*columns, MentorProfile.support_types, MentorProfile.availability, MentorProfile.median_response_hours,
               MentorProfile.rating_count, MentorProfile.rating_mean)
        .join(MentorProfile, MentorProfile.user_id == User.id).where(_among(User.id, user_ids)))
    people, profiles = {}, {}
    for uid, langs, region, tz, types, slots, hours, count, mean in rows:
        people[uid] = scoring.Person(uid, list(langs or []), region, tz, facts.get(uid, []))
        profiles[uid] = scoring.MentorFacts(list(types or []), list(slots or []), hours, count, mean)
    return people, profiles

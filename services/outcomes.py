"""De-identified outcomes and programme metrics for programme leads (docs/outcomes.md).

Every figure is an aggregate over at least `OUTCOMES_MIN_CELL` people; smaller cells are suppressed,
and so is their complement where a total would let a reader subtract it back. Figures are reported
for one whole calendar quarter that has ended, and the outcome figures carry noise
(services/disclosure.py), so that two answers cannot be compared to single one person out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean, median

from flask import current_app
from sqlalchemy import Select, and_, case, distinct, exists, func, or_, select, true

from models import (
    CheckIn, Conversation, ConversationKind, ConversationMember, MembershipRole, MentorProfile, Mentorship,
    MentorshipStatus, Message, Organisation, OrganisationMember, User, db, utcnow,
)
from services import audit, disclosure, organisations
from services.checkins.instruments import INSTRUMENTS, Measure
from services.errors import NotFoundError, PermissionDeniedError

WITH, WITHOUT, ALL = "with_peer_support", "without_peer_support", "all"
GROUPS = (WITH, WITHOUT, ALL)
GROUP_LABELS = {WITH: "With peer support", WITHOUT: "Without peer support", ALL: "Everyone"}


@dataclass(frozen=True)
class Scope:
    kind: str  # network | moderated_organisations | organisation
    description: str
    organisation_ids: list[str]


@dataclass(frozen=True)
class Cell:
    group: str
    n: int | None  # None when suppressed
    suppressed: bool
    mean_first: float | None = None
    mean_latest: float | None = None
    mean_change: float | None = None
    direction: str | None = None  # improved | worsened | unchanged


@dataclass(frozen=True)
class MeasureOutcome:
    instrument: str
    measure: str
    higher_is_better: bool
    groups: list[Cell]


@dataclass(frozen=True)
class OutcomeSummary:
    generated_at: datetime
    scope: Scope
    since: datetime | None
    until: datetime | None
    min_cell_size: int
    measures: list[MeasureOutcome]
    period: str  # the calendar quarter, e.g. "2026-Q3"


@dataclass(frozen=True)
class MentorLoad:
    mentors: int | None
    capacity: int | None
    active_mentorships: int | None
    load: float | None  # active mentorships / capacity
    at_or_over_capacity: int | None
    below_capacity: int | None


@dataclass(frozen=True)
class ProgrammeMetrics:
    generated_at: datetime
    scope: Scope
    since: datetime | None
    until: datetime | None
    min_cell_size: int
    match_requests: int | None
    acceptance_rate: float | None
    expiry_rate: float | None
    median_hours_to_decision: float | None
    median_hours_to_first_reply: float | None
    mentor_load: MentorLoad
    suppressed: list[str]  # names of the figures withheld because they describe too few people
    period: str


# --- outcomes ---------------------------------------------------------------------------------------------

def summary(staff: User, *, organisation_id: str | None = None, period: str | None = None,
            since: datetime | None = None, until: datetime | None = None) -> OutcomeSummary:
    """Mean first, latest and change per instrument and measure in one ended calendar quarter, split by
    peer support, with noise; audited."""
    quarter = disclosure.reporting_period(period=period, since=since, until=until, now=utcnow())
    scope, members = _scope(staff, organisation_id, quarter)
    pairs = _first_and_latest(members, quarter.since, quarter.until)
    min_cell = current_app.config["OUTCOMES_MIN_CELL"]
    question = (scope.kind, ",".join(sorted(scope.organisation_ids)), quarter.label)
    measures = [_measure_outcome(name, measure, pairs.get(name, []), min_cell, question)
                for name, instrument in INSTRUMENTS.items() for measure in instrument.measures]
    _audit(staff, "outcomes.read", organisation_id, quarter)
    return OutcomeSummary(utcnow(), scope, quarter.since, quarter.until, min_cell, measures, quarter.label)


@dataclass(frozen=True)
class _Pair:
    user_id: str
    first: dict
    latest: dict
    supported: bool


def _first_and_latest(members: Select | None, since, until) -> dict[str, list[_Pair]]:
    """Per instrument, each person's first and latest check-in in the window (two or more only)."""
    part = (CheckIn.user_id, CheckIn.instrument)
    ranked = select(
        CheckIn.user_id, CheckIn.instrument, CheckIn.scores,
        func.row_number().over(partition_by=part, order_by=(CheckIn.created_at, CheckIn.id)).label("position"),
        func.count().over(partition_by=part).label("count"),
        func.min(CheckIn.created_at).over(partition_by=part).label("first_at"),
        func.max(CheckIn.created_at).over(partition_by=part).label("latest_at"),
    ).where(*_window(CheckIn.created_at, since, until))
    if members is not None:
        ranked = ranked.where(CheckIn.user_id.in_(members))
    # Someone who withdrew consent to health-data processing (or was erased) leaves the figures too.
    withdrawn = select(User.id).where(or_(User.health_consent_withdrawn_at.isnot(None), User.erased_at.isnot(None)))
    r = ranked.where(CheckIn.user_id.not_in(withdrawn)).subquery()
    # Whether the person had support is asked once per pair, on the first check-in's row.
    supported = case((r.c.position == 1, _peer_support(r)), else_=False)
    rows = db.session.execute(
        select(r.c.user_id, r.c.instrument, r.c.scores, r.c.position, supported.label("supported"))
        .where(r.c.count >= 2, or_(r.c.position == 1, r.c.position == r.c.count)))
    ends: dict[tuple[str, str], dict] = {}
    for user_id, instrument, scores, position, supported in rows:
        end = ends.setdefault((user_id, instrument), {})
        if position == 1:
            end |= {"first": scores, "supported": bool(supported)}
        else:
            end["latest"] = scores
    pairs: dict[str, list[_Pair]] = {}
    for (user_id, instrument), end in ends.items():
        pairs.setdefault(instrument, []).append(_Pair(user_id, end["first"], end["latest"], end["supported"]))
    return pairs


def _peer_support(r):
    """Had a mentorship (as mentee) or a circle place at some time between the first and latest check-in."""
    mentored = exists().where(
        Mentorship.mentee_id == r.c.user_id, Mentorship.started_at.isnot(None),
        Mentorship.started_at <= r.c.latest_at, or_(Mentorship.ended_at.is_(None), Mentorship.ended_at >= r.c.first_at))
    # Circle places are read from the circle's conversation: leaving keeps the row (left_at), unlike the
    # circle membership itself, which is deleted.
    in_circle = exists().where(
        ConversationMember.user_id == r.c.user_id, ConversationMember.conversation_id == Conversation.id,
        Conversation.kind == ConversationKind.GROUP, ConversationMember.joined_at <= r.c.latest_at,
        or_(ConversationMember.left_at.is_(None), ConversationMember.left_at >= r.c.first_at))
    return or_(mentored, in_circle)


def _measure_outcome(instrument: str, measure: Measure, pairs: list[_Pair], min_cell: int,
                     question: tuple = ()) -> MeasureOutcome:
    key, higher = measure.key, measure.higher_is_better
    scored = [(p.user_id, p.first[key], p.latest[key], p.supported) for p in pairs
              if _is_number(p.first.get(key)) and _is_number(p.latest.get(key))]
    members = {WITH: [s[:3] for s in scored if s[3]], WITHOUT: [s[:3] for s in scored if not s[3]],
               ALL: [s[:3] for s in scored]}
    hidden = suppressed_groups({group: len(values) for group, values in members.items()}, min_cell)
    noise = _Noise(measure, min_cell, (*question, instrument, key))
    return MeasureOutcome(instrument, key, higher,
                          [_cell(group, members[group], higher, group in hidden, noise) for group in GROUPS])


def suppressed_groups(counts: dict[str, int], min_cell: int) -> set[str]:
    """Groups to withhold: any under `min_cell` people, and the other half of the split when only one
    half is small (the total minus the shown half would give the hidden half back)."""
    hidden = {group for group, n in counts.items() if n < min_cell}
    if len(hidden & {WITH, WITHOUT}) == 1:
        hidden |= {WITH, WITHOUT}
    return hidden


@dataclass(frozen=True)
class _Noise:
    """What one measure's cells need to add noise: the scale bounds and the question asked."""

    measure: Measure | None
    min_cell: int
    question: tuple

    def add(self, group: str, values: list[tuple], n: int, first: float, latest: float) -> tuple[int, float, float]:
        """(n, mean first, mean latest) with noise: one person moves n by 1 and each sum by at most the
        largest score, and the noise is drawn for exactly these people's scores (disclosure.laplace)."""
        if self.measure is None:
            return n, first, latest
        low, high = self.measure.low, self.measure.high
        asked = (*self.question, group, disclosure.data_digest(values))
        bound = max(abs(low), abs(high))
        shown_n = max(self.min_cell, round(n + disclosure.laplace(1, *asked, "n")))
        noisy = [min(high, max(low, mean + disclosure.laplace(bound, *asked, name) / n))
                 for name, mean in (("first", first), ("latest", latest))]
        return shown_n, noisy[0], noisy[1]


def _cell(group: str, values: list[tuple], higher_is_better: bool, hidden: bool, noise: _Noise | None = None) -> Cell:
    """One group's figures from its (person, first, latest) rows (or bare (first, latest) pairs)."""
    if hidden:
        return Cell(group, None, True)
    pairs = [v[-2:] for v in values]
    n, first, latest = len(pairs), fmean(v[0] for v in pairs), fmean(v[1] for v in pairs)
    if noise is not None:
        n, first, latest = noise.add(group, values, n, first, latest)
    change = round(latest - first, 2)  # the mean of (latest - first); the direction follows the figure shown
    return Cell(group, n, False, round(first, 2), round(latest, 2), change, _direction(change, higher_is_better))


def _direction(change: float, higher_is_better: bool) -> str:
    if change == 0:
        return "unchanged"
    return "improved" if (change > 0) == higher_is_better else "worsened"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- programme metrics ------------------------------------------------------------------------------------

def programme_metrics(staff: User, *, organisation_id: str | None = None, period: str | None = None,
                      since: datetime | None = None, until: datetime | None = None) -> ProgrammeMetrics:
    """Match requests, acceptance, replies, expiry (mentees in scope, requests made in one ended calendar
    quarter) and the current load of accredited mentors in scope; audited."""
    quarter = disclosure.reporting_period(period=period, since=since, until=until, now=utcnow())
    scope, members = _scope(staff, organisation_id, quarter)
    since, until = quarter.since, quarter.until
    min_cell = current_app.config["OUTCOMES_MIN_CELL"]
    requested = and_(true(), *_window(Mentorship.created_at, since, until),
                     *([Mentorship.mentee_id.in_(members)] if members is not None else []))
    figures, hidden = _request_figures(requested, min_cell)
    load = _mentor_load(members, min_cell)
    hidden += [f"mentor_load.{name}" for name, value in vars(load).items() if value is None]
    _audit(staff, "programme_metrics.read", organisation_id, quarter)
    return ProgrammeMetrics(utcnow(), scope, since, until, min_cell, mentor_load=load, suppressed=hidden,
                            period=quarter.label, **figures)


def _request_figures(requested, min_cell: int) -> tuple[dict, list[str]]:
    accepted = Mentorship.started_at.isnot(None)
    decided = or_(accepted, Mentorship.status == MentorshipStatus.DECLINED)
    total, mentees, expired, accepted_n, decided_n, deciding_mentees = db.session.execute(select(
        func.count(), func.count(distinct(Mentorship.mentee_id)),
        func.coalesce(func.sum(case((Mentorship.status == MentorshipStatus.EXPIRED, 1), else_=0)), 0),
        func.coalesce(func.sum(case((accepted, 1), else_=0)), 0),
        func.coalesce(func.sum(case((decided, 1), else_=0)), 0),
        func.count(distinct(case((decided, Mentorship.mentee_id)))),
    ).where(requested)).one()
    expired, accepted_n, decided_n = int(expired), int(accepted_n), int(decided_n)  # NUMERIC on PostgreSQL
    decisions, replies = _response_times(requested, decided)
    figures = {
        "match_requests": total if mentees >= min_cell else None,
        "expiry_rate": round(expired / total, 3) if mentees >= min_cell else None,
        "acceptance_rate": round(accepted_n / decided_n, 3) if deciding_mentees >= min_cell else None,
        "median_hours_to_decision": _median_hours(decisions, min_cell),
        "median_hours_to_first_reply": _median_hours(replies, min_cell),
    }
    return figures, [name for name, value in figures.items() if value is None]


def _response_times(requested, decided) -> tuple[dict[str, list], dict[str, list]]:
    """Per mentee, the hours from request to the mentor's answer, and to the mentor's first message in
    the mentorship's conversation at or after acceptance (mentorships without one have no reply time)."""
    first_reply = (select(func.min(Message.created_at))
                   .where(Message.conversation_id == Mentorship.conversation_id,
                          Message.sender_id == Mentorship.mentor_id, Message.created_at >= Mentorship.started_at)
                   .scalar_subquery())
    rows = db.session.execute(select(Mentorship.mentee_id, Mentorship.created_at, Mentorship.responded_at, first_reply)
                              .where(requested, decided))
    decisions: dict[str, list] = {}
    replies: dict[str, list] = {}
    for mentee_id, created_at, responded_at, replied_at in rows:
        if responded_at is not None:
            decisions.setdefault(mentee_id, []).append(_hours(responded_at - created_at))
        if replied_at is not None:
            replies.setdefault(mentee_id, []).append(_hours(replied_at - created_at))
    return decisions, replies


def _median_hours(per_mentee: dict[str, list], min_cell: int) -> float | None:
    """The median over mentorships, shown only when they involve at least `min_cell` different mentees."""
    if len(per_mentee) < min_cell:
        return None
    return round(median(h for hours in per_mentee.values() for h in hours), 1)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _mentor_load(members: Select | None, min_cell: int) -> MentorLoad:
    """Accredited mentors in scope now: places taken (active mentorships) against places offered."""
    active = (select(func.count()).where(Mentorship.mentor_id == MentorProfile.user_id,
                                         Mentorship.status == MentorshipStatus.ACTIVE).scalar_subquery())
    mentors = select(MentorProfile.capacity.label("capacity"), active.label("active")).where(
        MentorProfile.accredited_until > utcnow())
    if members is not None:
        mentors = mentors.where(MentorProfile.user_id.in_(members))
    m = mentors.subquery()
    count, capacity, taken, full = db.session.execute(select(
        func.count(), func.coalesce(func.sum(m.c.capacity), 0), func.coalesce(func.sum(m.c.active), 0),
        func.coalesce(func.sum(case((m.c.active >= m.c.capacity, 1), else_=0)), 0))).one()
    capacity, taken, full = int(capacity), int(taken), int(full)  # PostgreSQL sums bigints to NUMERIC
    if count < min_cell:
        return MentorLoad(None, None, None, None, None, None)
    # The two buckets add up to the shown total: both go when either is small.
    split_hidden = min(full, count - full) < min_cell
    return MentorLoad(count, capacity, taken, round(taken / capacity, 3) if capacity else None,
                      None if split_hidden else full, None if split_hidden else count - full)


# --- scope and window -------------------------------------------------------------------------------------

def _scope(staff: User, organisation_id: str | None,
           quarter: disclosure.Period) -> tuple[Scope, Select | None]:
    """Whose data the staff member may see: (description, SELECT of user ids, or None for everyone).

    An organisation's figures for a quarter count the people who were its members by the quarter's
    end: someone joining later does not rewrite a quarter already reported. Asking for an
    organisation one does not moderate is 404, like one that does not exist."""
    if not staff.is_staff:
        raise PermissionDeniedError("Only moderators and admins can see outcomes.")
    everyone = organisations.is_global_staff(staff)
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or not (everyone or organisation.id in _moderated(staff)):
            raise NotFoundError("Organisation not found.")
        return (Scope("organisation", f"Organisation: {organisation.name}", [organisation.id]),
                _members_by(quarter, [organisation.id]))
    if everyone:
        return Scope("network", "The whole network", []), None
    moderated = _moderated(staff)
    names = ", ".join(moderated.values())
    members = organisations.members_in_scope(staff).where(OrganisationMember.joined_at < quarter.until)
    return Scope("moderated_organisations", f"Organisations you moderate: {names}", list(moderated)), members


def _members_by(quarter: disclosure.Period, organisation_ids: list[str]) -> Select:
    return select(OrganisationMember.user_id).where(OrganisationMember.organisation_id.in_(organisation_ids),
                                                    OrganisationMember.joined_at < quarter.until)


def _moderated(staff: User) -> dict[str, str]:
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).join(OrganisationMember)
        .where(OrganisationMember.user_id == staff.id, OrganisationMember.role == MembershipRole.MODERATOR)
        .order_by(Organisation.name))
    return dict(rows.all())


def _window(column, since: datetime | None, until: datetime | None) -> list:
    """since ≤ column < until, either end open."""
    return ([column >= since] if since else []) + ([column < until] if until else [])


def _audit(staff: User, action: str, organisation_id, quarter: disclosure.Period) -> None:
    audit.record(staff.id, action, target_type="organisation" if organisation_id else None,
                 target_id=organisation_id, period=quarter.label, since=quarter.since.isoformat(),
                 until=quarter.until.isoformat())
    db.session.commit()

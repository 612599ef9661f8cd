"""Time to acknowledge crisis alerts, per week or month, for programme leads (docs/outcomes.md rules).

Each period gives how many high-severity alerts were raised, how many a moderator acknowledged, and
the median and 90th percentile of the minutes from alert to acknowledgement (resolving counts as
acknowledging). A period about fewer than `OUTCOMES_MIN_CELL` different people is withheld whole:
a count of crisis alerts in a small programme can point at a person as surely as a score can.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from flask import current_app
from sqlalchemy import select

from models import MembershipRole, Organisation, OrganisationMember, Report, Severity, User, db, utcnow
from services import audit, policy
from services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from services.outcomes import Scope

PERIODS = ("week", "month")


@dataclass(frozen=True)
class PeriodResponse:
    period_start: datetime
    suppressed: bool
    alerts: int | None = None
    acknowledged: int | None = None
    median_minutes: float | None = None
    p90_minutes: float | None = None


@dataclass(frozen=True)
class AlertResponse:
    generated_at: datetime
    scope: Scope
    period: str
    min_cell: int
    periods: list[PeriodResponse]


def time_to_acknowledge(staff: User, *, organisation_id: str | None = None, since: datetime | None = None,
                        until: datetime | None = None, period: str = "month") -> AlertResponse:
    """Median and 90th percentile minutes to acknowledge, per period, in the staff member's scope; audited."""
    if not staff.is_staff:
        raise PermissionDeniedError("Only moderators and admins can see outcomes.")
    if since is not None and until is not None and since >= until:
        raise InvalidInputError("until", "until must be later than since.")
    since, until = whole_ended_periods(since, until, period)
    scope, members = _scope(staff, organisation_id)
    stmt = select(Report.created_at, Report.acknowledged_at, Report.target_user_id).where(
        Report.severity == Severity.HIGH, policy.reports_in_scope(staff),
        *([Report.created_at >= since] if since else []), *([Report.created_at < until] if until else []))
    if members is not None:
        stmt = stmt.where(Report.target_user_id.in_(members))
    buckets: dict[datetime, list] = {}
    for created_at, acknowledged_at, person_id in db.session.execute(stmt):
        buckets.setdefault(period_start(created_at, period), []).append((created_at, acknowledged_at, person_id))
    min_cell = current_app.config["OUTCOMES_MIN_CELL"]
    rows = [_period(start, rows, min_cell) for start, rows in sorted(buckets.items())]
    window = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v is not None}
    audit.record(staff.id, "outcomes.alert_response_read", target_type="organisation" if organisation_id else None,
                 target_id=organisation_id, period=period, **window)
    db.session.commit()
    return AlertResponse(utcnow(), scope, period, min_cell, rows)


def _scope(staff: User, organisation_id: str | None):
    """Whose alerts: one organisation the staff member moderates (404 otherwise), or all in their scope."""
    moderated = dict(db.session.execute(
        select(Organisation.id, Organisation.name).join(OrganisationMember)
        .where(OrganisationMember.user_id == staff.id, OrganisationMember.role == MembershipRole.MODERATOR)
        .order_by(Organisation.name)).all())
    everyone = policy.is_global_staff(staff)
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or not (everyone or organisation.id in moderated):
            raise NotFoundError("Organisation not found.")
        members = select(OrganisationMember.user_id).where(OrganisationMember.organisation_id == organisation.id)
        return Scope("organisation", f"Organisation: {organisation.name}", [organisation.id]), members
    if everyone:
        return Scope("network", "The whole network", []), None
    return (Scope("moderated_organisations", f"Organisations you moderate: {', '.join(moderated.values())}",
                  list(moderated)), None)  # policy.reports_in_scope already keeps to them


def whole_ended_periods(since: datetime | None, until: datetime | None, period: str) -> tuple:
    """Snap the window to whole periods that have ended (services/disclosure.py): a window cut inside a
    period, or a period still filling up, would let two answers be subtracted down to one alert."""
    ended = period_start(utcnow(), period)
    until = ended if until is None else min(ended, period_start(until, period))
    return (period_start(since, period) if since else None), until


def period_start(moment: datetime, period: str) -> datetime:
    """Midnight UTC on the Monday of its ISO week, or on the first of its month."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)


def _period(start: datetime, rows: list, min_cell: int) -> PeriodResponse:
    if len({person for *_, person in rows if person}) < min_cell:
        return PeriodResponse(start, suppressed=True)
    waits = sorted((acked - created).total_seconds() / 60 for created, acked, _ in rows if acked is not None)
    return PeriodResponse(start, suppressed=False, alerts=len(rows), acknowledged=len(waits),
                          median_minutes=round(median(waits), 1) if waits else None,
                          p90_minutes=round(percentile(waits, 0.9), 1) if waits else None)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value at least `fraction` of the values are no greater than."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]

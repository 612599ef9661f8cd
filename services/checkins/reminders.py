"""Gentle check-in reminders at a cadence the person chooses; off by default (no row means off).

A reminder falls due at about 10:00 in the person's own time zone, moved to the end of their quiet
hours if 10:00 falls inside them. `services.scheduled` sends due reminders and moves them on.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models import CheckInReminder, User, db, utcnow
from services.checkins.instruments import INSTRUMENTS
from services.quiet_hours import is_quiet, parse_hhmm

OFF = "off"
CADENCES = ("weekly", "fortnightly", "monthly")
REMINDER_TIME = time(10, 0)


@dataclass
class ReminderSettings:
    cadence: str = OFF
    instruments: list[str] = field(default_factory=list)
    next_due_at: datetime | None = None


def get_reminders(person: User) -> ReminderSettings:
    """The person's reminder settings; off unless they asked for reminders."""
    row = db.session.get(CheckInReminder, person.id)
    if row is None:
        return ReminderSettings()
    return ReminderSettings(row.cadence, list(row.instruments), row.next_due_at)


def set_reminders(person: User, *, cadence: str, instruments: list[str] | None = None) -> ReminderSettings:
    """Turn reminders on (the first one a cadence from now), change them, or turn them off."""
    row = db.session.get(CheckInReminder, person.id)
    if cadence == OFF:
        if row is not None:
            db.session.delete(row)
        db.session.commit()
        return ReminderSettings()
    chosen = (list(dict.fromkeys(instruments)) if instruments
              else [key for key, instrument in INSTRUMENTS.items() if instrument.general])
    if row is None:
        row = CheckInReminder(user_id=person.id)
        db.session.add(row)
    row.cadence, row.instruments = cadence, chosen
    row.next_due_at = next_due(person, cadence, utcnow())
    db.session.commit()
    return get_reminders(person)


def next_due(person: User, cadence: str, now: datetime) -> datetime:
    """About 10:00 local time, one cadence after `now`'s local date, outside the person's quiet hours (UTC)."""
    zone = _zone_of(person)
    day = _after(now.astimezone(zone).date(), cadence)
    due = datetime.combine(day, REMINDER_TIME, tzinfo=zone)
    quiet_hours = ((person.settings or {}).get("notifications") or {}).get("quiet_hours")
    if is_quiet(quiet_hours, person.timezone, due):
        end = datetime.combine(day, parse_hhmm(quiet_hours["end"]), tzinfo=zone)
        due = end if end > due else end + timedelta(days=1)
    return due.astimezone(timezone.utc)


def _after(day: date, cadence: str) -> date:
    if cadence == "weekly":
        return day + timedelta(days=7)
    if cadence == "fortnightly":
        return day + timedelta(days=14)
    # Monthly: the same day next month, or that month's last day (31 January -> 28 or 29 February).
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _zone_of(person: User) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")

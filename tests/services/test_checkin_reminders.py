"""When the next check-in reminder falls: about 10:00 local time, a cadence on, never in quiet hours."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from services.checkins.reminders import next_due

LONDON = ZoneInfo("Europe/London")


def person(tz: str | None = "Europe/London", quiet: tuple[str, str] | None = None):
    quiet_hours = {"start": quiet[0], "end": quiet[1]} if quiet else None
    return SimpleNamespace(timezone=tz, settings={"notifications": {"quiet_hours": quiet_hours}})


def local(due: datetime, zone=LONDON) -> datetime:
    return due.astimezone(zone).replace(tzinfo=None)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize(("cadence", "expected"), [
    ("weekly", datetime(2026, 3, 11, 10, 0)),
    ("fortnightly", datetime(2026, 3, 18, 10, 0)),
    ("monthly", datetime(2026, 4, 4, 10, 0)),
])
def test_each_cadence_moves_the_local_date_on_and_lands_at_ten(cadence, expected):
    assert local(next_due(person(), cadence, utc(2026, 3, 4, 15, 0))) == expected


def test_the_local_time_holds_across_a_clock_change():
    # London moves to summer time on 29 March 2026: 10:00 local is 09:00 UTC afterwards.
    due = next_due(person(), "weekly", utc(2026, 3, 25, 12, 0))
    assert local(due) == datetime(2026, 4, 1, 10, 0) and due == utc(2026, 4, 1, 9, 0)


def test_the_local_date_is_the_persons_not_utcs():
    # 23:30 UTC on 4 March is already 5 March in Tokyo.
    due = next_due(person("Asia/Tokyo"), "weekly", utc(2026, 3, 4, 23, 30))
    assert local(due, ZoneInfo("Asia/Tokyo")) == datetime(2026, 3, 12, 10, 0)


@pytest.mark.parametrize(("today", "expected_day"), [
    (datetime(2026, 1, 31, 12), datetime(2026, 2, 28, 10)),
    (datetime(2028, 1, 31, 12), datetime(2028, 2, 29, 10)),
    (datetime(2026, 12, 15, 12), datetime(2027, 1, 15, 10)),
])
def test_monthly_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(today, expected_day):
    assert local(next_due(person("UTC"), "monthly", today.replace(tzinfo=timezone.utc)), timezone.utc) == expected_day


def test_no_time_zone_means_utc():
    assert next_due(person(None), "weekly", utc(2026, 3, 4, 15, 0)) == utc(2026, 3, 11, 10, 0)


def test_quiet_hours_around_ten_move_the_reminder_to_their_end_that_day():
    due = next_due(person(quiet=("08:00", "12:15")), "weekly", utc(2026, 3, 4, 15, 0))
    assert local(due) == datetime(2026, 3, 11, 12, 15)


def test_quiet_hours_ending_before_ten_of_the_next_day_move_it_to_that_end():
    # Quiet from 09:00 until 08:00 the next morning: the first sound moment is 08:00 the day after.
    due = next_due(person(quiet=("09:00", "08:00")), "weekly", utc(2026, 3, 4, 15, 0))
    assert local(due) == datetime(2026, 3, 12, 8, 0)


def test_quiet_hours_away_from_ten_change_nothing():
    assert local(next_due(person(quiet=("22:00", "07:00")), "weekly", utc(2026, 3, 4, 15, 0))) == \
        datetime(2026, 3, 11, 10, 0)

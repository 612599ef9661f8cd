"""Quiet hours: a daily [start, end) window in the person's own time zone."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.quiet_hours import is_quiet

NIGHT = {"start": "22:00", "end": "07:00"}


def utc(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 1, 15, hour, minute, second, tzinfo=timezone.utc)


@pytest.mark.parametrize("hour,minute,quiet", [
    (21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (6, 59, True), (7, 0, False), (12, 0, False),
])
def test_a_window_crossing_midnight(hour, minute, quiet):
    assert is_quiet(NIGHT, "UTC", utc(hour, minute)) is quiet


def test_the_last_second_before_the_end_is_still_quiet():
    assert is_quiet(NIGHT, "UTC", utc(6, 59, 59)) is True


@pytest.mark.parametrize("hour,minute,quiet", [(12, 59, False), (13, 0, True), (14, 0, True), (14, 59, True),
                                               (15, 0, False), (23, 0, False)])
def test_a_window_within_one_day(hour, minute, quiet):
    assert is_quiet({"start": "13:00", "end": "15:00"}, "UTC", utc(hour, minute)) is quiet


@pytest.mark.parametrize("hour", [0, 9, 12, 23])
def test_equal_start_and_end_means_no_quiet_hours(hour):
    assert is_quiet({"start": "09:00", "end": "09:00"}, "UTC", utc(hour)) is False


@pytest.mark.parametrize("quiet_hours", [None, {}])
def test_no_window_is_never_quiet(quiet_hours):
    assert is_quiet(quiet_hours, "UTC", utc(23)) is False


def test_the_window_is_in_the_persons_time_zone():
    at_8_utc = utc(8)  # 03:00 in New York in January
    assert is_quiet(NIGHT, "America/New_York", at_8_utc) is True
    assert is_quiet(NIGHT, "UTC", at_8_utc) is False
    at_23_30_utc = utc(23, 30)  # 18:30 in New York
    assert is_quiet(NIGHT, "America/New_York", at_23_30_utc) is False
    assert is_quiet(NIGHT, "UTC", at_23_30_utc) is True


def test_summer_time_moves_the_window_with_the_clock():
    july_2_utc = datetime(2026, 7, 15, 2, 30, tzinfo=timezone.utc)  # 22:30 EDT, 21:30 EST
    assert is_quiet(NIGHT, "America/New_York", july_2_utc) is True
    january_2_utc = datetime(2026, 1, 15, 2, 30, tzinfo=timezone.utc)
    assert is_quiet(NIGHT, "America/New_York", january_2_utc) is False


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", None, "../../etc/passwd"])
def test_an_unknown_or_missing_time_zone_means_utc(zone):
    assert is_quiet(NIGHT, zone, utc(23, 30)) is True
    assert is_quiet(NIGHT, zone, utc(12)) is False


ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Adelaide", "Pacific/Chatham",
         "Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati", "Not/A_Zone"]


@settings(max_examples=300, deadline=None)
@given(start=st.integers(0, 1439), end=st.integers(0, 1439), zone=st.sampled_from(ZONES),
       instant=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2080, 1, 1),
                            timezones=st.just(timezone.utc)))
def test_is_quiet_matches_the_set_of_quiet_minutes(start, end, zone, instant):
    window = {"start": f"{start // 60:02d}:{start % 60:02d}", "end": f"{end // 60:02d}:{end % 60:02d}"}
    try:
        local = instant.astimezone(ZoneInfo(zone))
    except Exception:  # noqa: BLE001 - an unknown zone counts as UTC
        local = instant
    quiet_minutes = {(start + k) % 1440 for k in range((end - start) % 1440)}
    assert is_quiet(window, zone, instant) is (local.hour * 60 + local.minute in quiet_minutes)

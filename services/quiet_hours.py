"""Quiet hours: a daily window, in the person's own time zone, when pushes make no sound."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def is_quiet(quiet_hours: dict | None, timezone_name: str | None, now: datetime) -> bool:
    """True when `now` falls inside the window [start, end) in `timezone_name` (UTC if unknown).

    A window may cross midnight (22:00-07:00). Equal start and end means no quiet hours.
    """
    if not quiet_hours:
        return False
    start, end = parse_hhmm(quiet_hours["start"]), parse_hhmm(quiet_hours["end"])
    if start == end:
        return False
    local = now.astimezone(_zone(timezone_name)).time().replace(second=0, microsecond=0)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")

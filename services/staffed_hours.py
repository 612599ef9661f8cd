"""Whether anyone may read a crisis alert soon: staffed hours, and moderators on call outside them.

`MODERATION_STAFFED_HOURS` lists when moderators are at work, in `MODERATION_TIMEZONE`
(default "Mon-Fri 09:00-17:00" in Europe/London): comma-separated windows of days and hours, e.g.
"Mon-Fri 09:00-17:00, Sat 10:00-13:00"; "always" for a service staffed round the clock. A window may
cross midnight ("Fri 22:00-02:00"). Bank holidays are not known: list the hours you actually staff.

A person in crisis is answered with `staffed: true` when a moderator who covers them is at work
(inside staffed hours) or on call (at any hour); otherwise `staffed: false` and a message saying so,
beside the helplines that are there day and night. A setting that cannot be read counts as
unstaffed: it is safer to send someone to a helpline than to promise a reader who is not there.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select

from models import Role, User, UserRole, db, utcnow
from services import policy

log = logging.getLogger("peerless.alerts")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "always"
_WINDOW = re.compile(r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")
UNSTAFFED_MESSAGE = ("Our moderators are not working right now{hours}, so nobody here may read this soon. "
                     "Please contact one of these services now: they are there for you day and night.")


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time

    def contains(self, local: datetime) -> bool:
        moment = local.time()
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= moment < self.end
        # Crosses midnight: the evening belongs to the listed day, the small hours to the day after.
        return ((local.weekday() in self.days and moment >= self.start)
                or ((local.weekday() - 1) % 7 in self.days and moment < self.end))


@lru_cache(maxsize=8)
def parse_hours(spec: str) -> tuple[Window, ...] | None:
    """The windows of a MODERATION_STAFFED_HOURS value; None for "always". ValueError when unreadable."""
    text = " ".join(spec.lower().split())
    if text == ALWAYS:
        return None
    windows = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _WINDOW.match(part)
        if not match:
            raise ValueError(f"cannot read staffed hours {part!r}: write e.g. 'Mon-Fri 09:00-17:00'")
        windows.append(Window(_days(match["days"]), _time(match["start"]), _time(match["end"])))
    if not windows:
        raise ValueError("no staffed hours given: write e.g. 'Mon-Fri 09:00-17:00', or 'always'")
    return tuple(windows)


def _days(text: str) -> frozenset[int]:
    first, _, last = text.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"unknown day in {text!r}: use Mon, Tue, Wed, Thu, Fri, Sat, Sun")
    start, end = DAYS.index(first), DAYS.index(last or first)
    return frozenset((start + i) % 7 for i in range((end - start) % 7 + 1))


def _time(text: str) -> time:
    hours, minutes = map(int, text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    return time(hours, minutes)  # ValueError past 23:59


def within_staffed_hours(now: datetime | None = None) -> bool:
    """Whether `now` falls in MODERATION_STAFFED_HOURS; an unreadable setting counts as outside (logged)."""
    config = current_app.config
    try:
        windows = parse_hours(config["MODERATION_STAFFED_HOURS"])
        local = (now or utcnow()).astimezone(ZoneInfo(config["MODERATION_TIMEZONE"]))
    except (ValueError, ZoneInfoNotFoundError) as unreadable:
        log.error("MODERATION_STAFFED_HOURS / MODERATION_TIMEZONE unreadable (%s): treated as unstaffed", unreadable)
        return False
    return windows is None or any(window.contains(local) for window in windows)


def is_staffed_for(person: User, now: datetime | None = None) -> bool:
    """A moderator who covers this person is at work (staffed hours) or on call (any hour)."""
    staff_ids = select(UserRole.user_id).where(UserRole.role.in_([Role.MODERATOR, Role.ADMIN]))
    covering = [m for m in db.session.scalars(select(User).where(
        User.id.in_(staff_ids), User.suspended_at.is_(None), User.erased_at.is_(None)))
        if policy.covers(m, person.id)]
    if any((m.settings or {}).get("moderation", {}).get("on_call") for m in covering):
        return True
    return bool(covering) and within_staffed_hours(now)


def notice(person: User, now: datetime | None = None) -> dict:
    """The staffed-hours part of a crisis answer: `{staffed: true}`, or `{staffed: false, message}`."""
    if is_staffed_for(person, now):
        return {"staffed": True}
    spec = current_app.config["MODERATION_STAFFED_HOURS"]
    hours = f" (they are here {spec}, {current_app.config['MODERATION_TIMEZONE']} time)" if _readable(spec) else ""
    return {"staffed": False, "message": UNSTAFFED_MESSAGE.format(hours=hours)}


def _readable(spec: str) -> bool:
    try:
        return parse_hours(spec) is not None
    except ValueError:
        return False

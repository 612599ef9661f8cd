"""Staffed hours: windows of days and hours in a time zone; outside them, with nobody on call, a person in crisis is told."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.staffed_hours import parse_hours, within_staffed_hours
from tests.alert_helpers import API, CRISIS_TEXT, go_on_call
from tests.factories import befriend, send

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def within(app, spec: str, moment: datetime, zone: str = "Europe/London") -> bool:
    app.config.update(MODERATION_STAFFED_HOURS=spec, MODERATION_TIMEZONE=zone)
    with app.app_context():
        return within_staffed_hours(moment)


@pytest.mark.parametrize("moment, expected", [
    (utc(2026, 12, 2, 9, 0), True),     # Wednesday 09:00 GMT
    (utc(2026, 12, 2, 16, 59), True),
    (utc(2026, 12, 2, 17, 0), False),   # the end is not staffed
    (utc(2026, 12, 5, 12, 0), False),   # Saturday
    (utc(2026, 7, 1, 8, 30), True),     # 09:30 British Summer Time
    (utc(2026, 7, 1, 16, 30), False),   # 17:30 BST
])
def test_the_default_is_weekdays_nine_to_five_london_time(app, moment, expected):
    assert within(app, "Mon-Fri 09:00-17:00", moment) is expected


def test_several_windows_and_one_across_midnight(app):
    spec = "Mon-Fri 09:00-17:00, Fri 22:00-02:00, Sat 10:00-13:00"
    assert within(app, spec, utc(2026, 12, 4, 23, 0))       # Friday night
    assert within(app, spec, utc(2026, 12, 5, 1, 30))       # the small hours of Saturday
    assert not within(app, spec, utc(2026, 12, 5, 2, 30))
    assert within(app, spec, utc(2026, 12, 5, 11, 0))
    assert not within(app, spec, utc(2026, 12, 3, 23, 0))   # Thursday night


def test_a_range_of_days_may_wrap_round_the_week(app):
    assert within(app, "Sat-Mon 10:00-12:00", utc(2026, 12, 7, 11, 0))      # Monday
    assert not within(app, "Sat-Mon 10:00-12:00", utc(2026, 12, 8, 11, 0))  # Tuesday


def test_always_is_always(app):
    assert within(app, "always", utc(2026, 12, 6, 3, 0))


def test_another_time_zone(app):
    assert within(app, "Mon-Fri 09:00-17:00", utc(2026, 12, 2, 15, 0), zone="America/New_York")  # 10:00 there
    assert not within(app, "Mon-Fri 09:00-17:00", utc(2026, 12, 2, 9, 0), zone="America/New_York")


@pytest.mark.parametrize("spec", ["weekdays", "Mon-Fri 9-5", "Mon-Fri 09:00-25:00", "Funday 09:00-10:00", ""])
def test_an_unreadable_setting_is_refused_by_the_parser(spec):
    with pytest.raises(ValueError):
        parse_hours(spec)


def test_an_unreadable_setting_counts_as_unstaffed(app):
    assert not within(app, "weekdays", utc(2026, 12, 2, 12, 0))
    assert not within(app, "Mon-Fri 09:00-17:00", utc(2026, 12, 2, 12, 0), zone="Mars/Olympus")


# What the person in crisis is told

def never_now() -> str:
    """A window that is not now: one hour, the day after tomorrow."""
    return f"{DAYS[(datetime.now(timezone.utc).weekday() + 2) % 7]} 09:00-10:00"


def crisis_answer(client, people) -> dict:
    a, b = people.make(), people.make()
    return send(client, a, befriend(client, a, b), CRISIS_TEXT).json["safety"]


def test_inside_staffed_hours_the_answer_says_staffed(app, client, people):
    app.config["MODERATION_STAFFED_HOURS"] = "always"
    people.make(roles=("moderator",))
    safety = crisis_answer(client, people)
    assert safety["crisis"] is True and safety["staffed"] is True and "message" not in safety


def test_outside_staffed_hours_the_person_is_told_so_beside_the_helplines(app, client, people):
    app.config["MODERATION_STAFFED_HOURS"] = never_now()
    people.make(roles=("moderator",))
    safety = crisis_answer(client, people)
    assert safety["staffed"] is False and "not working right now" in safety["message"]
    assert safety["resources"]


def test_a_moderator_on_call_staffs_the_night(app, client, people):
    app.config["MODERATION_STAFFED_HOURS"] = never_now()
    go_on_call(app, people.make(roles=("moderator",)))
    assert crisis_answer(client, people)["staffed"] is True


def test_with_no_moderator_at_all_it_is_never_staffed(app, client, people):
    app.config["MODERATION_STAFFED_HOURS"] = "always"
    assert crisis_answer(client, people)["staffed"] is False


def test_an_on_call_moderator_of_another_organisation_does_not_count(app, client, people):
    from tests.api.test_organisations import add_moderator, create_org

    app.config["MODERATION_STAFFED_HOURS"] = never_now()
    admin = people.make(roles=("admin",))  # network-wide, not on call
    elsewhere = people.make(roles=("moderator",))
    add_moderator(client, admin, create_org(client, admin), elsewhere)
    go_on_call(app, elsewhere)
    assert crisis_answer(client, people)["staffed"] is False


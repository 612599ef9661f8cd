"""run-scheduled: expiry, reminders and accreditation notices on a controllable clock; idempotent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import pytest

from models import User, db
from services import mentorships, retention, scheduled
from services.scheduled import run_scheduled
from tests.mentoring_helpers import (
    API, DIABETES_T1, inbox, make_mentor, match_ids, request_mentorship, set_conditions,
    set_mentor_profile, set_mentorship,
)
from tests.scheduled_helpers import run_on_two_hosts_at_once


def later(**delta) -> datetime:
    return datetime.now(timezone.utc) + timedelta(**delta)


def run(app, now: datetime) -> dict[str, int]:
    """The jobs alone: on this fake clock the retention rules (tests/services/test_retention.py) would
    end the sessions these tests still use at the real time."""
    with app.app_context(), patch.dict(retention.RULES, clear=True):
        return run_scheduled(now=now)


def status_of(client, person, mentorship_id: str) -> str:
    items = client.get(f"{API}/mentorships", headers=person.headers).json["items"]
    return next(m["status"] for m in items if m["id"] == mentorship_id)


@pytest.fixture
def mentee(client, people):
    person = people.make()
    set_conditions(client, person, {"name": DIABETES_T1, "diagnosed_year": 2023})
    return person


@pytest.fixture
def mentor(client, people):
    return make_mentor(client, people, {"name": DIABETES_T1, "diagnosed_year": 2000})


# Expiry

def test_a_request_left_past_its_time_expires(app, client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    assert run(app, later(hours=72, minutes=1))["mentorship_requests_expired"] == 1
    assert status_of(client, mentee, mentorship_id) == "expired"


def test_a_request_within_its_time_stays_requested(app, client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    run(app, later(hours=71))
    assert status_of(client, mentee, mentorship_id) == "requested"


def test_the_time_to_answer_is_configurable(make_app, client, mentee, mentor):
    short = make_app(MENTORSHIP_REQUEST_TTL_HOURS=1)
    mentorship_id = request_mentorship(short.test_client(), mentee, mentor).json["id"]
    run(short, later(hours=1, minutes=1))
    assert status_of(client, mentee, mentorship_id) == "expired"


def test_the_mentee_is_told_and_offered_the_next_best_mentors(app, client, people, mentee, mentor):
    # All three rank below the mentor who did not answer (diagnosed 2000, the most years ahead).
    others = [make_mentor(client, people, {"name": DIABETES_T1, "diagnosed_year": year}) for year in (2019, 2020, 2021)]
    make_mentor(client, people, profile={"accepting_mentees": False})
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    run(app, later(hours=73))
    [notice] = inbox(client, mentee, "mentorship_expired")
    assert notice["data"]["mentorship_id"] == mentorship_id
    assert notice["data"]["suggested_mentor_ids"].split(",") == [m.id for m in others]


def test_the_mentor_who_did_not_answer_is_not_suggested_again(app, client, mentee, mentor):
    request_mentorship(client, mentee, mentor)
    run(app, later(hours=73))
    [notice] = inbox(client, mentee, "mentorship_expired")
    assert notice["data"]["suggested_mentor_ids"] == ""


def test_an_expired_request_frees_the_mentee_to_ask_again(app, client, mentee, mentor):
    request_mentorship(client, mentee, mentor)
    run(app, later(hours=73))
    assert request_mentorship(client, mentee, mentor).status_code == 201


def test_an_expired_request_can_no_longer_be_accepted(app, client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    run(app, later(hours=73))
    assert client.post(f"{API}/mentorships/{mentorship_id}/accept", headers=mentor.headers).status_code == 409


# Reminders

def test_the_mentor_is_reminded_once_after_a_day(app, client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    run(app, later(hours=23))
    assert inbox(client, mentor, "mentorship_reminder") == []
    run(app, later(hours=24, minutes=1))
    run(app, later(hours=25))
    assert [n["data"] for n in inbox(client, mentor, "mentorship_reminder")] == [{"mentorship_id": mentorship_id}]


def test_an_answered_request_gets_no_reminder(app, client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    client.post(f"{API}/mentorships/{mentorship_id}/decline", headers=mentor.headers)
    run(app, later(hours=25))
    assert inbox(client, mentor, "mentorship_reminder") == []


def test_a_request_answered_while_the_job_runs_gets_no_reminder(app, client, people, mentor, monkeypatch):
    first = request_mentorship(client, people.make(), mentor).json["id"]
    second = request_mentorship(client, people.make(), mentor).json["id"]
    real_claim = scheduled._claim

    def claim_after_the_mentor_answers(*args, **kwargs):
        # The job listed both requests; the mentor accepts the second before the job reaches it.
        if not getattr(claim_after_the_mentor_answers, "answered", False):
            claim_after_the_mentor_answers.answered = True
            mentorships.accept(db.session.get(User, mentor.id), second)
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(scheduled, "_claim", claim_after_the_mentor_answers)
    with app.app_context():
        scheduled.remind_mentors(later(hours=25))
    assert [n["data"]["mentorship_id"] for n in inbox(client, mentor, "mentorship_reminder")] == [first]


def test_two_runners_at_once_remind_and_expire_once(app, make_app, client, mentee, mentor, people, monkeypatch):
    other_mentee = people.make()
    reminded = request_mentorship(client, mentee, mentor).json["id"]
    expiring = request_mentorship(client, other_mentee, mentor).json["id"]
    set_mentorship(app, expiring, expires_at=later(hours=1))
    run_on_two_hosts_at_once(monkeypatch, [make_app(), make_app()], later(hours=25))
    assert [n["data"]["mentorship_id"] for n in inbox(client, mentor, "mentorship_reminder")] == [reminded]
    assert len(inbox(client, other_mentee, "mentorship_expired")) == 1


# Accreditation

def test_a_mentor_is_told_a_month_before_accreditation_ends(app, client, mentor):
    set_mentor_profile(app, mentor, accredited_until=later(days=20))
    assert run(app, later())["accreditation_notices_sent"] == 1
    run(app, later(minutes=1))
    [notice] = inbox(client, mentor, "accreditation_expiring")
    assert notice["data"]["accredited_until"]


def test_no_notice_while_accreditation_is_far_off(app, client, mentor):
    run(app, later())
    assert inbox(client, mentor, "accreditation_expiring") == []


def test_the_notice_comes_again_in_the_next_period_after_renewal(app, client, people, mentor):
    moderator = people.make(roles=("moderator",))
    set_mentor_profile(app, mentor, accredited_until=later(days=20))
    run(app, later())
    client.post(f"{API}/moderation/mentors/{mentor.id}/renew", headers=moderator.headers)
    run(app, later())
    assert len(inbox(client, mentor, "accreditation_expiring")) == 1
    run(app, later(days=360))
    assert len(inbox(client, mentor, "accreditation_expiring")) == 2


def test_an_expired_mentor_leaves_matching_until_renewed(app, client, people, mentee, mentor):
    moderator = people.make(roles=("moderator",))
    set_mentor_profile(app, mentor, accredited_until=later(minutes=-1))
    run(app, later())
    assert mentor.id not in match_ids(client, mentee, kind="mentor")
    client.post(f"{API}/moderation/mentors/{mentor.id}/renew", headers=moderator.headers)
    assert mentor.id in match_ids(client, mentee, kind="mentor")


# The whole run

def test_running_twice_changes_nothing_the_second_time(app, client, people, mentee, mentor):
    request_mentorship(client, mentee, mentor)
    request_mentorship(client, people.make(), make_mentor(client, people))
    set_mentor_profile(app, mentor, accredited_until=later(days=60))
    now = later(days=40)
    assert run(app, now) == {"mentorship_requests_expired": 2, "mentor_reminders_sent": 0,
                             "accreditation_notices_sent": 1, "check_in_reminders_sent": 0,
                             "crisis_alert_escalations": 0, "tutor_accreditation_notices_sent": 0,
                             "course_offers_lapsed": 0,
                             "course_reminders_sent": 0}
    notices = [len(inbox(client, p, None)) for p in (mentee, mentor)]
    assert run(app, now) == {"mentorship_requests_expired": 0, "mentor_reminders_sent": 0,
                             "accreditation_notices_sent": 0, "check_in_reminders_sent": 0,
                             "crisis_alert_escalations": 0, "tutor_accreditation_notices_sent": 0,
                             "course_offers_lapsed": 0,
                             "course_reminders_sent": 0}
    assert [len(inbox(client, p, None)) for p in (mentee, mentor)] == notices


def test_the_command_runs_every_job(app, client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    set_mentorship(app, mentorship_id, created_at=later(hours=-30), expires_at=later(minutes=-1))
    with app.app_context():  # `flask` pushes one for every command; the test runner does not
        result = app.test_cli_runner().invoke(args=["run-scheduled"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if not line.startswith("retention_")] == [
                                          "mentorship_requests_expired: 1", "mentor_reminders_sent: 0",
                                          "accreditation_notices_sent: 0", "check_in_reminders_sent: 0",
                                          "crisis_alert_escalations: 0", "tutor_accreditation_notices_sent: 0",
                                          "course_offers_lapsed: 0",
                                          "course_reminders_sent: 0"]
    assert status_of(client, mentee, mentorship_id) == "expired"

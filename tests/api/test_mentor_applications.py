"""Becoming a mentor: apply, a moderator decides, the mentor profile and its accreditation."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import assert_problem
from tests.mentoring_helpers import (
    API, DIABETES_T1, EXPERIENCE, MOTIVATION, apply_to_mentor, decide, inbox, make_mentor, mentor_profile,
    patch_profile, set_mentor_profile,
)


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


def pending_application(client, people):
    applicant = people.make()
    return applicant, apply_to_mentor(client, applicant).json["id"]


def test_an_application_is_pending(client, people):
    response = apply_to_mentor(client, people.make(), training="Expert Patients Programme, 2019")
    assert response.status_code == 201
    assert response.json["status"] == "pending" and response.json["id"]


@pytest.mark.parametrize("field", ["motivation", "experience"])
def test_motivation_and_experience_need_twenty_characters(client, people, field):
    response = apply_to_mentor(client, people.make(), **{field: "Too short to say."})
    assert_problem(response, 422)
    assert field in response.json["errors"]


def test_an_unknown_condition_is_refused(client, people):
    body = {"motivation": MOTIVATION, "experience": EXPERIENCE, "condition_ids": [str(uuid.uuid4())]}
    response = client.post(f"{API}/mentor-applications", json=body, headers=people.make().headers)
    assert_problem(response, 422)
    assert "condition_ids" in response.json["errors"]


def test_a_second_application_while_one_is_pending_is_a_conflict(client, people):
    applicant = people.make()
    apply_to_mentor(client, applicant)
    assert_problem(apply_to_mentor(client, applicant), 409)


def test_a_mentor_cannot_apply_again(client, people):
    assert_problem(apply_to_mentor(client, make_mentor(client, people)), 409)


def test_moderators_list_applications_by_status(client, people, moderator):
    _, pending_id = pending_application(client, people)
    _, rejected_id = pending_application(client, people)
    decide(client, moderator, rejected_id, "reject")
    response = client.get(f"{API}/moderation/mentor-applications", query_string={"status": "pending"},
                          headers=moderator.headers)
    assert response.status_code == 200
    assert [a["id"] for a in response.json["items"]] == [pending_id]


@pytest.mark.parametrize("roles", [(), ("mentor",)])
def test_patients_and_mentors_cannot_list_applications(client, people, roles):
    response = client.get(f"{API}/moderation/mentor-applications", headers=people.make(roles=roles).headers)
    assert_problem(response, 403)


def test_patients_cannot_decide_applications(client, people):
    _, application_id = pending_application(client, people)
    assert_problem(decide(client, people.make(), application_id), 403)


def test_approval_grants_the_mentor_role(client, people, moderator):
    applicant, application_id = pending_application(client, people)
    response = decide(client, moderator, application_id, note="Welcome aboard")
    assert response.status_code == 200 and response.json["status"] == "approved"
    assert "mentor" in client.get(f"{API}/me", headers=applicant.headers).json["roles"]


def test_approval_accredits_the_mentor_for_a_year(app, client, people, moderator):
    applicant, application_id = pending_application(client, people)
    decide(client, moderator, application_id)
    expected = datetime.now(timezone.utc) + timedelta(days=365)
    assert abs(mentor_profile(app, applicant).accredited_until - expected) < timedelta(minutes=5)


def test_the_applicant_is_told_of_the_approval(client, people, moderator):
    applicant, application_id = pending_application(client, people)
    decide(client, moderator, application_id)
    [notice] = inbox(client, applicant, "mentor_application_approved")
    assert notice["data"] == {"application_id": application_id}


def test_rejection_grants_no_role(client, people, moderator):
    applicant, application_id = pending_application(client, people)
    response = decide(client, moderator, application_id, "reject")
    assert response.status_code == 200 and response.json["status"] == "rejected"
    assert "mentor" not in client.get(f"{API}/me", headers=applicant.headers).json["roles"]
    assert inbox(client, applicant, "mentor_application_rejected")


def test_deciding_twice_is_a_conflict(client, people, moderator):
    _, application_id = pending_application(client, people)
    decide(client, moderator, application_id, "reject")
    assert_problem(decide(client, moderator, application_id, "approve"), 409)


def test_deciding_an_unknown_application_is_not_found(client, moderator):
    assert_problem(decide(client, moderator, str(uuid.uuid4())), 404)


# The mentor profile

def test_a_mentor_updates_their_profile(client, people):
    mentor = make_mentor(client, people)
    slots = [{"day": "tue", "start": "18:00", "end": "20:30"}]
    response = patch_profile(client, mentor, accepting_mentees=False, capacity=5, support_types=["review", "group"],
                             availability=slots)
    assert response.status_code == 200
    assert {k: response.json[k] for k in ("accepting_mentees", "capacity", "support_types", "availability")} == {
        "accepting_mentees": False, "capacity": 5, "support_types": ["review", "group"], "availability": slots}


def test_a_patient_has_no_mentor_profile(client, people):
    assert_problem(patch_profile(client, people.make(), capacity=2), 403)


@pytest.mark.parametrize("changes", [
    {"capacity": -1}, {"capacity": 21}, {"capacity": "3"},
    {"support_types": ["coaching"]}, {"support_types": []},
    {"accepting_mentees": "no"},
    {"availability": [{"day": "monday", "start": "18:00", "end": "20:00"}]},
    {"availability": [{"day": "mon", "start": "6pm", "end": "20:00"}]},
    {"availability": [{"day": "mon", "start": "18:00", "end": "24:00"}]},
    {"availability": [{"day": "mon", "start": "18:00"}]},
])
def test_profile_fields_are_validated(client, people, changes):
    assert_problem(patch_profile(client, make_mentor(client, people), **changes), 422)


def test_capacity_may_be_zero_to_twenty(client, people):
    mentor = make_mentor(client, people)
    assert patch_profile(client, mentor, capacity=0).status_code == 200
    assert patch_profile(client, mentor, capacity=20).status_code == 200


def test_a_moderator_renews_an_expiring_accreditation(app, client, people, moderator):
    mentor = make_mentor(client, people)
    ends = datetime.now(timezone.utc) + timedelta(days=10)
    set_mentor_profile(app, mentor, accredited_until=ends)
    response = client.post(f"{API}/moderation/mentors/{mentor.id}/renew", headers=moderator.headers)
    assert response.status_code == 200
    assert abs(mentor_profile(app, mentor).accredited_until - (ends + timedelta(days=365))) < timedelta(seconds=5)


def test_renewing_a_lapsed_accreditation_counts_from_today(app, client, people, moderator):
    mentor = make_mentor(client, people)
    set_mentor_profile(app, mentor, accredited_until=datetime.now(timezone.utc) - timedelta(days=100))
    client.post(f"{API}/moderation/mentors/{mentor.id}/renew", headers=moderator.headers)
    expected = datetime.now(timezone.utc) + timedelta(days=365)
    assert abs(mentor_profile(app, mentor).accredited_until - expected) < timedelta(minutes=5)


def test_only_moderators_renew_accreditations(client, people):
    mentor = make_mentor(client, people)
    assert_problem(client.post(f"{API}/moderation/mentors/{mentor.id}/renew", headers=mentor.headers), 403)


def test_renewing_someone_who_is_not_a_mentor_is_not_found(client, people, moderator):
    patient = people.make()
    assert_problem(client.post(f"{API}/moderation/mentors/{patient.id}/renew", headers=moderator.headers), 404)


def test_the_application_remembers_its_conditions(client, people, moderator):
    applicant = people.make()
    application_id = apply_to_mentor(client, applicant, conditions=(DIABETES_T1,)).json["id"]
    listed = client.get(f"{API}/moderation/mentor-applications", headers=moderator.headers).json["items"]
    [application] = [a for a in listed if a["id"] == application_id]
    assert len(application["condition_ids"]) == 1 and application["user_id"] == applicant.id


def test_two_moderators_deciding_at_once_leave_one_decision(app, make_app, client, people, monkeypatch):
    from services import mentors

    applicant, application_id = pending_application(client, people)
    first, second = people.make(roles=("moderator",)), people.make(roles=("moderator",))
    barrier = threading.Barrier(2, timeout=2)
    real_notify = mentors.notifications.notify

    def meet_then_notify(*args, **kwargs):
        try:
            barrier.wait()  # both decisions made, neither committed
        except threading.BrokenBarrierError:
            pass  # the other decision waits on our row lock
        return real_notify(*args, **kwargs)

    monkeypatch.setattr(mentors.notifications, "notify", meet_then_notify)
    clients = [make_app().test_client(), make_app().test_client()]
    statuses = {}
    threads = [threading.Thread(target=lambda c=c, m=m, d=d: statuses.__setitem__(d, decide(c, m, application_id, d)
                                                                                    .status_code))
               for c, m, d in ((clients[0], first, "approve"), (clients[1], second, "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses.values()) == [200, 409]
    winner = next(d for d, code in statuses.items() if code == 200)
    assert ("mentor" in client.get(f"{API}/me", headers=applicant.headers).json["roles"]) == (winner == "approve")

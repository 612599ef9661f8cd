"""Places on a course: enrolment, eligibility, the waitlist, 48-hour offers, the last-place race,
the course circle and the roster."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Course, db, utcnow
from services import scheduled
from tests.conftest import assert_problem
from tests.course_helpers import API, create_course, enrol, make_tutor, start_sessions
from tests.factories import send
from tests.mentoring_helpers import condition_id, inbox, set_conditions


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


@pytest.fixture
def tutors(client, people, moderator):
    return [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]


def small_course(client, moderator, tutors, capacity=2, **overrides):
    return create_course(client, moderator, tutors, capacity=capacity, **overrides)


def status(client, person, course_id):
    return client.get(f"{API}/courses/{course_id}", headers=person.headers).json


def test_beyond_capacity_people_join_the_waitlist_in_order(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    answers = [enrol(client, people.make(), course["id"]).json for _ in range(4)]
    assert [a["status"] for a in answers] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert [a.get("waitlist_position") for a in answers[2:]] == [1, 2]


def test_enrolling_twice_changes_nothing(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    person = people.make()
    enrol(client, person, course["id"])
    assert enrol(client, person, course["id"]).json["status"] == "enrolled"
    assert status(client, moderator, course["id"])["places_left"] == 1


def test_a_withdrawal_offers_the_place_to_the_first_waiting_for_48_hours(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    first, second, waiting, later = (people.make() for _ in range(4))
    for person in (first, second, waiting, later):
        enrol(client, person, course["id"])
    withdrawn = client.post(f"{API}/courses/{course['id']}/withdraw", headers=first.headers)
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    offered = status(client, waiting, course["id"])
    assert offered["my_status"] == "offered"
    hours = (offered["offer_expires_at"] and
             (utcnow().fromisoformat(offered["offer_expires_at"].replace("Z", "+00:00")) - utcnow()))
    assert timedelta(hours=47) < hours <= timedelta(hours=48)
    assert inbox(client, waiting, "course_place_offered")
    assert status(client, later, course["id"])["waitlist_position"] == 1
    # Someone new does not overtake the people waiting.
    assert enrol(client, people.make(), course["id"]).json["status"] == "waitlisted"


def test_only_the_offer_holder_accepts_and_joins_the_circle(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    first, second, waiting, later = (people.make() for _ in range(4))
    for person in (first, second, waiting, later):
        enrol(client, person, course["id"])
    client.post(f"{API}/courses/{course['id']}/withdraw", headers=first.headers)
    assert_problem(client.post(f"{API}/courses/{course['id']}/accept-offer", headers=later.headers), 409, "conflict")
    accepted = client.post(f"{API}/courses/{course['id']}/accept-offer", headers=waiting.headers)
    assert accepted.status_code == 200 and accepted.json["status"] == "enrolled"
    conversation_id = status(client, waiting, course["id"])["conversation_id"]
    assert client.get(f"{API}/conversations/{conversation_id}", headers=waiting.headers).status_code == 200


def test_an_offer_not_taken_in_48_hours_goes_to_the_next_person(app, client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    first, second, waiting, later = (people.make() for _ in range(4))
    for person in (first, second, waiting, later):
        enrol(client, person, course["id"])
    client.post(f"{API}/courses/{course['id']}/withdraw", headers=first.headers)
    with app.app_context():
        scheduled.run_scheduled(now=utcnow() + timedelta(hours=47))
    assert status(client, waiting, course["id"])["my_status"] == "offered"
    with app.app_context():
        scheduled.run_scheduled(now=utcnow() + timedelta(hours=49))
    assert status(client, waiting, course["id"])["my_status"] == "lapsed"
    assert status(client, later, course["id"])["my_status"] == "offered"
    assert_problem(client.post(f"{API}/courses/{course['id']}/accept-offer", headers=waiting.headers), 409)
    with app.app_context():
        scheduled.run_scheduled(now=utcnow() + timedelta(hours=100))
        assert db.session.get(Course, course["id"]).enrolled_count == 1  # nobody left to offer it to


def test_two_people_never_take_the_last_place(make_app, client, people, moderator, tutors, monkeypatch):
    from services.courses import enrolment

    course = small_course(client, moderator, tutors)
    enrol(client, people.make(), course["id"])
    racers = [people.make(), people.make()]
    barrier = threading.Barrier(2, timeout=2)
    real_take = enrolment._take_place

    def meet_then_take(course_id):
        try:
            barrier.wait()  # both checked the course and found one place
        except threading.BrokenBarrierError:
            pass  # the other waits on our write lock (SQLite)
        return real_take(course_id)

    monkeypatch.setattr(enrolment, "_take_place", meet_then_take)
    answers = {}
    clients = [make_app().test_client(), make_app().test_client()]

    def run(c, person):
        answers[person.id] = c.post(f"{API}/courses/{course['id']}/enrol", json={}, headers=person.headers)

    threads = [threading.Thread(target=run, args=(c, p)) for c, p in zip(clients, racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.json["status"] for a in answers.values()) == ["enrolled", "waitlisted"]
    roster = client.get(f"{API}/courses/{course['id']}/roster", headers=tutors[0].headers).json
    assert len(roster["enrolled"]) == 2 and len(roster["waitlist"]) == 1


def test_a_programme_course_is_for_its_members_or_a_referral_code(client, people, tutors):
    admin = people.make(roles=("admin",))
    org = client.post(f"{API}/organisations", json={"name": "Northshire", "kind": "provider"},
                      headers=admin.headers).json
    code = client.post(f"{API}/organisations/{org['id']}/referral-codes", json={"uses": 5},
                       headers=admin.headers).json["code"]
    for tutor in tutors:
        client.post(f"{API}/me/referrals", json={"code": code}, headers=tutor.headers)
    course = create_course(client, admin, tutors, organisation_id=org["id"])
    outsider = people.make()
    assert_problem(client.get(f"{API}/courses/{course['id']}", headers=outsider.headers), 404)
    assert_problem(enrol(client, outsider, course["id"]), 404)
    assert enrol(client, outsider, course["id"], referral_code=code).json["status"] == "enrolled"


def test_a_course_for_named_conditions_takes_people_living_with_them(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors, condition_ids=[condition_id(client, "Type 2 diabetes")])
    other, match = people.make(), people.make()
    set_conditions(client, match, {"name": "Type 2 diabetes", "visibility": "private"})
    assert_problem(enrol(client, other, course["id"]), 403, "permission_denied")
    assert enrol(client, match, course["id"]).json["status"] == "enrolled"


def test_enrolment_closes_when_the_course_starts(app, client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    start_sessions(app, course["id"], first_started_ago=timedelta(days=1))
    assert_problem(enrol(client, people.make(), course["id"]), 409, "conflict")


def test_withdrawing_leaves_the_course_circle_like_any_circle(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    person = people.make()
    enrol(client, person, course["id"])
    conversation_id = status(client, person, course["id"])["conversation_id"]
    since = client.get(f"{API}/sync", headers=person.headers).json["next_since"]
    assert send(client, tutors[0], conversation_id, "welcome everyone").status_code == 201
    client.post(f"{API}/courses/{course['id']}/withdraw", headers=person.headers)
    assert_problem(client.get(f"{API}/conversations/{conversation_id}", headers=person.headers), 404)
    synced = client.get(f"{API}/sync", query_string={"since": since}, headers=person.headers).json
    assert conversation_id in synced["left_conversations"]
    assert status(client, person, course["id"])["conversation_id"] is None


def test_withdrawing_without_a_place_is_409(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    assert_problem(client.post(f"{API}/courses/{course['id']}/withdraw", headers=people.make().headers), 409)


def test_participants_see_each_other_by_display_name_only(client, people, moderator, tutors):
    course = small_course(client, moderator, tutors)
    a, b = people.make(), people.make()
    enrol(client, a, course["id"])
    enrol(client, b, course["id"])
    assert_problem(client.get(f"{API}/courses/{course['id']}/roster", headers=a.headers), 403)
    conversation = client.get(f"{API}/conversations/{status(client, a, course['id'])['conversation_id']}",
                              headers=a.headers).json
    other = next(m for m in conversation["members"] if m["id"] == b.id)
    assert b.email not in str(conversation) and set(other) <= {"id", "display_name", "avatar_url", "role",
                                                                "last_read_seq", "read_seq", "erased"}


def test_staff_reading_a_roster_is_audited(app, client, people, moderator, tutors):
    from models import AuditEntry

    course = small_course(client, moderator, tutors)
    client.get(f"{API}/courses/{course['id']}/roster", headers=tutors[0].headers)
    assert client.get(f"{API}/courses/{course['id']}/roster", headers=moderator.headers).status_code == 200
    with app.app_context():
        actors = db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "course.roster_read")).all()
    assert actors == [moderator.id]

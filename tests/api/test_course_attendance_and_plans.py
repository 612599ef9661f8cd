"""The register, completion and the certificate; weekly action plans (private unless shared)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import assert_problem
from tests.course_helpers import API, create_course, enrol, make_tutor, start_sessions
from tests.mentoring_helpers import inbox

PLAN = {"week": 1, "what": "Walk to the park", "how_much": "Twice round the pond", "when": "After lunch",
        "days_per_week": 3, "confidence": 8}


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


@pytest.fixture
def tutors(client, people, moderator):
    return [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]


@pytest.fixture
def course(client, moderator, tutors):
    return create_course(client, moderator, tutors)


def register(client, tutor, course, number, present):
    session_id = course["sessions"][number - 1]["id"]
    return client.put(f"{API}/courses/{course['id']}/sessions/{session_id}/attendance",
                      json={"present": [p.id for p in present]}, headers=tutor.headers)


def test_the_register_opens_when_the_session_starts(client, people, course, tutors):
    person = people.make()
    enrol(client, person, course["id"])
    assert_problem(register(client, tutors[0], course, 1, [person]), 409)


def test_four_of_six_sessions_complete_the_course_and_the_person_sees_a_certificate(app, client, people, course,
                                                                                      tutors):
    keen, patchy = people.make(), people.make()
    for person in (keen, patchy):
        enrol(client, person, course["id"])
    start_sessions(app, course["id"])
    for number in range(1, 5):
        assert register(client, tutors[0], course, number, [keen] + ([patchy] if number < 4 else [])).status_code == 200
    mine = client.get(f"{API}/courses/{course['id']}", headers=keen.headers).json
    assert mine["certificate"]["sessions_attended"] == 4 and mine["certificate"]["completed_at"]
    assert inbox(client, keen, "course_completed")
    assert client.get(f"{API}/courses/{course['id']}", headers=patchy.headers).json["certificate"] is None
    roster = client.get(f"{API}/courses/{course['id']}/roster", headers=tutors[1].headers).json
    assert {r["user_id"]: (r["attended"], r["completed"]) for r in roster["enrolled"]} == {
        keen.id: ([1, 2, 3, 4], True), patchy.id: ([1, 2, 3], False)}
    # A corrected register corrects the certificate.
    register(client, tutors[0], course, 4, [])
    assert client.get(f"{API}/courses/{course['id']}", headers=keen.headers).json["certificate"] is None


def test_the_after_measure_is_offered_once_when_the_last_register_is_first_taken(app, client, people, course,
                                                                               tutors):
    person = people.make()
    enrol(client, person, course["id"])
    before = len(inbox(client, person, "check_in_offered"))  # the before measure, at enrolment
    start_sessions(app, course["id"])
    assert register(client, tutors[0], course, 5, [person]).status_code == 200
    assert len(inbox(client, person, "check_in_offered")) == before  # not the last session
    for present in ([], [person], [person]):  # saved empty by mistake, then corrected, then saved again
        assert register(client, tutors[0], course, 6, present).status_code == 200
    assert len(inbox(client, person, "check_in_offered")) == before + 1


def test_completion_takes_the_configured_number_of_sessions(make_app, people, moderator):
    app = make_app(COURSE_COMPLETION_SESSIONS=2)
    client = app.test_client()
    tutors = [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]
    course = create_course(client, moderator, tutors)
    person = people.make()
    enrol(client, person, course["id"])
    start_sessions(app, course["id"])
    register(client, tutors[0], course, 1, [person])
    register(client, tutors[0], course, 2, [person])
    assert client.get(f"{API}/courses/{course['id']}", headers=person.headers).json["certificate"]


def test_only_tutors_take_the_register_and_only_for_people_enrolled(app, client, people, course, tutors, moderator):
    person, stranger = people.make(), people.make()
    enrol(client, person, course["id"])
    start_sessions(app, course["id"])
    assert_problem(register(client, moderator, course, 1, [person]), 403)
    assert_problem(register(client, person, course, 1, [person]), 403)
    assert "present" in assert_problem(register(client, tutors[0], course, 1, [stranger]), 422)["errors"]


def test_a_plan_under_7_confidence_suggests_reworking_and_the_outcome_is_recorded(client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    confident = client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN, headers=person.headers)
    assert confident.status_code == 201 and confident.json["rework_suggested"] is False
    unsure = client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN | {"week": 2, "confidence": 6},
                         headers=person.headers)
    assert unsure.json["rework_suggested"] is True
    done = client.patch(f"{API}/courses/{course['id']}/action-plans/{confident.json['id']}",
                        json={"outcome": "partly"}, headers=person.headers)
    assert done.status_code == 200 and done.json["outcome"] == "partly"
    assert_problem(client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN, headers=person.headers), 409)


@pytest.mark.parametrize("change", [{"confidence": 11}, {"confidence": -1}, {"week": 7}, {"days_per_week": 0},
                                    {"what": ""}, {"confidence": "7"}, {"share_with_tutors": 1}])
def test_bad_plans_are_422(client, people, course, change):
    person = people.make()
    enrol(client, person, course["id"])
    assert_problem(client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN | change,
                               headers=person.headers), 422)


def test_plans_are_private_unless_shared_with_the_tutors(client, people, course, tutors, moderator):
    private, sharing = people.make(), people.make()
    for person in (private, sharing):
        enrol(client, person, course["id"])
    client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN | {"what": "private walk"},
                headers=private.headers)
    client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN | {"what": "shared swim",
                                                                           "share_with_tutors": True},
                headers=sharing.headers)

    def seen(person):
        return [p["what"] for p in client.get(f"{API}/courses/{course['id']}/action-plans",
                                              headers=person.headers).json["items"]]

    assert seen(tutors[0]) == ["shared swim"]
    assert seen(private) == ["private walk"]
    assert seen(moderator) == []  # staff never read plans (K5)


def test_someone_else_cannot_change_a_plan(client, people, course):
    person, other = people.make(), people.make()
    for p in (person, other):
        enrol(client, p, course["id"])
    plan = client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN, headers=person.headers).json
    assert_problem(client.patch(f"{API}/courses/{course['id']}/action-plans/{plan['id']}",
                                json={"outcome": "done"}, headers=other.headers), 404)


def test_only_people_enrolled_write_plans(client, people, course, tutors):
    assert_problem(client.post(f"{API}/courses/{course['id']}/action-plans", json=PLAN,
                               headers=people.make().headers), 403)


def test_plans_are_screened_like_any_free_text(client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    answer = client.post(f"{API}/courses/{course['id']}/action-plans",
                         json=PLAN | {"what": "I want to kill myself, there is no point any more"},
                         headers=person.headers)
    assert answer.status_code == 201 and answer.json["safety"]["crisis"] is True

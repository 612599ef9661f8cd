"""Courses and sessions: who creates them, who sees them, local times through daylight saving, and
moving or cancelling a session (everyone enrolled is told)."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import assert_problem
from tests.course_helpers import API, course_body, create_course, enrol, make_tutor, next_year_local, weekly
from tests.mentoring_helpers import inbox


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


@pytest.fixture
def tutors(client, people, moderator):
    return [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]


@pytest.fixture
def course(client, moderator, tutors):
    return create_course(client, moderator, tutors)


def test_network_staff_create_a_course_with_six_sessions_stored_in_utc(client, moderator, tutors):
    body = course_body(tutors, sessions=weekly(next_year_local(month=1, day=10)))
    created = client.post(f"{API}/courses", json=body, headers=moderator.headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    course = created.json
    assert course["capacity"] == 16 and course["time_zone"] == "Europe/London" and len(course["sessions"]) == 6
    # January is GMT: 10:00 local is 10:00Z.
    assert course["sessions"][0]["starts_at"].endswith("T10:00:00Z")
    assert {t["id"] for t in course["tutors"]} == {t.id for t in tutors}


def test_sessions_across_the_clocks_going_forward_keep_their_local_time(client, moderator, tutors):
    # Weekly from early March: the last of March the clocks go forward, so 10:00 becomes 09:00Z.
    course = create_course(client, moderator, tutors, sessions=weekly(next_year_local(month=3, day=10)))
    times = [s["starts_at"][11:16] for s in course["sessions"]]
    assert times[0] == "10:00" and times[-1] == "09:00"
    assert all(s["local_starts_at"][11:16] == "10:00" for s in course["sessions"])
    assert course["sessions"][-1]["local_starts_at"].endswith("+01:00")


def test_a_local_time_the_clocks_skip_is_refused(client, moderator, tutors):
    year = datetime.now().year + 1
    # The last Sunday of March, 01:30 does not exist in London.
    last_sunday = max(d for d in range(25, 32) if datetime(year, 3, d).weekday() == 6)
    sessions = weekly(datetime(year, 3, last_sunday, 1, 30))
    response = client.post(f"{API}/courses", json=course_body(tutors, sessions=sessions), headers=moderator.headers)
    assert "sessions.0.starts_at" in assert_problem(response, 422, "validation_failed")["errors"]


def test_an_offset_on_a_session_time_is_refused(client, moderator, tutors):
    sessions = weekly(next_year_local())
    sessions[0]["starts_at"] += "+01:00"
    response = client.post(f"{API}/courses", json=course_body(tutors, sessions=sessions), headers=moderator.headers)
    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize("first", ["2001-01-01T10:00:00", "9999-12-31T23:00:00", "0001-01-01T00:00:00"])
def test_sessions_in_the_past_or_beyond_two_years_are_422(client, moderator, tutors, first):
    sessions = weekly(next_year_local())
    sessions[0]["starts_at"] = first
    response = client.post(f"{API}/courses", json=course_body(tutors, sessions=sessions, time_zone="Asia/Tokyo"),
                           headers=moderator.headers)
    assert "sessions.0.starts_at" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("change", [{"tutor_ids": "one"}, {"sessions": []}, {"capacity": 0}, {"delivery": "moon"},
                                    {"time_zone": "Mars/Olympus"}, {"meeting_url": None}, {"delivery": "venue"}])
def test_bad_course_bodies_are_422_never_500(client, moderator, tutors, change):
    response = client.post(f"{API}/courses", json=course_body(tutors, **change), headers=moderator.headers)
    assert_problem(response, 422, "validation_failed")


def test_tutors_must_hold_a_current_tutor_accreditation(client, people, moderator, tutors):
    plain = people.make()
    response = client.post(f"{API}/courses", json=course_body([tutors[0], plain]), headers=moderator.headers)
    assert "tutor_ids" in assert_problem(response, 422)["errors"]


def test_people_who_are_not_staff_cannot_create_courses(client, people, tutors):
    response = client.post(f"{API}/courses", json=course_body(tutors), headers=tutors[0].headers)
    assert_problem(response, 403, "permission_denied")


def test_the_meeting_link_is_shown_to_enrolled_people_and_tutors_only(client, people, course, tutors):
    person = people.make()
    assert client.get(f"{API}/courses/{course['id']}", headers=person.headers).json["meeting_url"] is None
    assert enrol(client, person, course["id"]).json["status"] == "enrolled"
    seen = client.get(f"{API}/courses/{course['id']}", headers=person.headers).json
    assert seen["meeting_url"] == "https://meet.example.org/course-secret-room"
    assert client.get(f"{API}/courses/{course['id']}", headers=tutors[0].headers).json["meeting_url"]
    listed = client.get(f"{API}/courses", headers=people.make().headers).json["items"]
    assert [c["meeting_url"] for c in listed if c["id"] == course["id"]] == [None]


def test_moving_a_session_tells_everyone_enrolled(client, people, course, tutors):
    person = people.make()
    enrol(client, person, course["id"])
    session = course["sessions"][2]
    moved = client.patch(f"{API}/courses/{course['id']}/sessions/{session['id']}",
                         json={"starts_at": f"{datetime.now().year + 1}-07-01T18:30:00"}, headers=tutors[0].headers)
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.json["starts_at"] == f"{datetime.now().year + 1}-07-01T17:30:00Z"  # BST
    assert [n["data"]["session_id"] for n in inbox(client, person, "course_session_changed")] == [session["id"]]
    assert inbox(client, tutors[1], "course_session_changed")


def test_cancelling_a_session_tells_everyone_enrolled(client, people, course, moderator):
    person = people.make()
    enrol(client, person, course["id"])
    session = course["sessions"][0]
    response = client.patch(f"{API}/courses/{course['id']}/sessions/{session['id']}", json={"cancelled": True},
                            headers=moderator.headers)
    assert response.json["cancelled"] is True
    assert inbox(client, person, "course_session_cancelled")


def test_participants_cannot_change_sessions(client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    response = client.patch(f"{API}/courses/{course['id']}/sessions/{course['sessions'][0]['id']}",
                            json={"cancelled": True}, headers=person.headers)
    assert_problem(response, 403, "permission_denied")


def test_an_empty_session_patch_is_422(client, course, tutors):
    response = client.patch(f"{API}/courses/{course['id']}/sessions/{course['sessions'][0]['id']}", json={},
                            headers=tutors[0].headers)
    assert_problem(response, 422)

"""A programme runs a whole course through the API: create it, enrol sixteen and waitlist more, remind,
take the register, collect action plans, measure self-efficacy before and after, report completion."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from models import CheckIn, CourseSession, db, utcnow
from services import disclosure, scheduled
from tests.course_helpers import API, create_course, enrol, make_tutor
from tests.mentoring_helpers import inbox


@pytest.fixture
def app(make_app):
    return make_app(OUTCOMES_MIN_CELL=5, OUTCOMES_NOISE=False)


@pytest.fixture
def client(app):
    return app.test_client()


def test_a_full_course_cycle(app, client, people):
    lead = people.make(roles=("moderator",))
    tutors = [make_tutor(client, people, lead), make_tutor(client, people, lead)]
    course = create_course(client, lead, tutors)
    assert course["capacity"] == 16

    participants = [people.make() for _ in range(16)]
    late = [people.make() for _ in range(2)]
    assert {enrol(client, p, course["id"]).json["status"] for p in participants} == {"enrolled"}
    assert [enrol(client, p, course["id"]).json["waitlist_position"] for p in late] == [1, 2]

    for n, person in enumerate(participants):  # the before measure, offered at enrolment
        answers = [4 + n % 3] * 6
        assert client.post(f"{API}/check-ins", json={"instrument": "semcd6", "answers": answers},
                           headers=person.headers).status_code == 201

    # One drops out before the start: the first waiting takes the place.
    client.post(f"{API}/courses/{course['id']}/withdraw", headers=participants[15].headers)
    assert client.post(f"{API}/courses/{course['id']}/accept-offer", headers=late[0].headers).json["status"] == \
        "enrolled"
    group = participants[:15] + [late[0]]

    # The day-before reminder of the first session reaches everyone enrolled.
    first = utcnow().fromisoformat(course["sessions"][0]["starts_at"].replace("Z", "+00:00"))
    with app.app_context():
        assert scheduled.remind_course_sessions(first - timedelta(hours=20)) == 1
    assert all(inbox(client, p, "course_session_reminder") for p in group)

    # The course runs inside the last quarter that has ended.
    quarter = disclosure.completed_quarters(utcnow(), 1)[0]
    with app.app_context():
        for number in range(1, 7):
            db.session.execute(update(CourseSession).where(CourseSession.course_id == course["id"],
                                                           CourseSession.number == number)
                               .values(starts_at=quarter.since + timedelta(days=3, weeks=number - 1)))
        # the before measures were taken before the first session
        db.session.execute(update(CheckIn).where(CheckIn.instrument == "semcd6").values(created_at=quarter.since))
        db.session.commit()

    regulars, dropped = group[:10], group[10:]
    for number, session in enumerate(course["sessions"], start=1):
        present = regulars + (dropped if number <= 2 else [])
        response = client.put(f"{API}/courses/{course['id']}/sessions/{session['id']}/attendance",
                              json={"present": [p.id for p in present]}, headers=tutors[number % 2].headers)
        assert response.status_code == 200
        for person in present[:3]:
            plan = client.post(f"{API}/courses/{course['id']}/action-plans", headers=person.headers, json={
                "week": number, "what": "walk", "how_much": "a mile", "when": "mornings", "days_per_week": 4,
                "confidence": 7 + number % 3, "share_with_tutors": True})
            assert plan.status_code == 201

    shared = client.get(f"{API}/courses/{course['id']}/action-plans", headers=tutors[0].headers).json["items"]
    assert len(shared) == 18

    for person in regulars:  # the after measure, once the last session has started
        with app.app_context():
            db.session.add(CheckIn(user_id=person.id, instrument="semcd6", answers=[8] * 6, scores={"mean": 8},
                                   created_at=quarter.since + timedelta(days=3, weeks=6)))
            db.session.commit()
    assert all(client.get(f"{API}/courses/{course['id']}", headers=p.headers).json["certificate"] for p in regulars)
    assert not any(client.get(f"{API}/courses/{course['id']}", headers=p.headers).json["certificate"]
                   for p in dropped)

    report = client.get(f"{API}/moderation/courses/outcomes", query_string={"period": quarter.label},
                        headers=lead.headers).json
    assert (report["participants"], report["completers"], report["completion_rate"]) == (16, 10, 0.625)
    assert [a["attended"] for a in report["attendance"]] == [None, None, 10, 10, 10, 10]
    assert report["self_efficacy"]["n"] == 10 and report["self_efficacy"]["direction"] == "improved"

"""Course outcomes: completion, attendance per session and SEMCD-6 change for completers, with small
cells withheld; and SEMCD-6 as a check-in instrument."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from models import CheckIn, CourseSession, db, utcnow
from services import disclosure
from tests.conftest import assert_problem
from tests.course_helpers import API, create_course, enrol, make_tutor
from tests.mentoring_helpers import inbox


def test_semcd6_is_a_check_in_scored_as_the_mean_and_unscored_with_three_missing(client, people):
    person = people.make()
    scored = client.post(f"{API}/check-ins", json={"instrument": "semcd6", "answers": [7, None, 8, None, 9, 6]},
                         headers=person.headers)
    assert scored.status_code == 201 and scored.json["scores"] == {"mean": 7.5}
    unscored = client.post(f"{API}/check-ins", json={"instrument": "semcd6",
                                                     "answers": [7, None, None, None, 9, 6]}, headers=person.headers)
    assert unscored.status_code == 201 and unscored.json["scores"] == {} and unscored.json["interpretation"] == {}
    assert_problem(client.post(f"{API}/check-ins", json={"instrument": "semcd6", "answers": [0, 5, 5, 5, 5, 5]},
                               headers=person.headers), 422)
    assert_problem(client.post(f"{API}/check-ins", json={"instrument": "phq2", "answers": [None, 1]},
                               headers=person.headers), 422)


@pytest.fixture
def app(make_app):
    return make_app(OUTCOMES_MIN_CELL=3, OUTCOMES_NOISE=False)


@pytest.fixture
def client(app):
    return app.test_client()


def run_in_last_quarter(app, course_id):
    """The course's six sessions, weekly, inside the latest quarter that has ended."""
    quarter = disclosure.completed_quarters(utcnow(), 1)[0]
    with app.app_context():
        for number in range(1, 7):
            db.session.execute(update(CourseSession).where(CourseSession.course_id == course_id,
                                                           CourseSession.number == number)
                               .values(starts_at=quarter.since + timedelta(days=2, weeks=number - 1)))
        db.session.commit()
    return quarter


def semcd(app, person, mean, at):
    with app.app_context():
        db.session.add(CheckIn(user_id=person.id, instrument="semcd6", answers=[mean] * 6, scores={"mean": mean},
                               created_at=at))
        db.session.commit()


def test_programme_leads_see_completion_attendance_and_self_efficacy_change(app, client, people):
    moderator = people.make(roles=("moderator",))
    tutors = [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]
    course = create_course(client, moderator, tutors)
    participants = [people.make() for _ in range(7)]
    for person in participants:
        enrol(client, person, course["id"])
        assert inbox(client, person, "check_in_offered")  # the before measure
    quarter = run_in_last_quarter(app, course["id"])
    completers, others = participants[:4], participants[4:]
    for number in range(1, 7):
        present = completers + (others if number <= 3 else [])
        response = client.put(f"{API}/courses/{course['id']}/sessions/{course['sessions'][number - 1]['id']}"
                              f"/attendance", json={"present": [p.id for p in present]}, headers=tutors[0].headers)
        assert response.status_code == 200
    assert inbox(client, others[0], "check_in_offered")
    for n, person in enumerate(completers):
        semcd(app, person, 4 + n, quarter.since)                       # before the first session
        semcd(app, person, 6 + n, quarter.since + timedelta(weeks=6))  # after the last one started
    figures = client.get(f"{API}/moderation/courses/outcomes", query_string={"period": quarter.label},
                         headers=moderator.headers)
    assert figures.status_code == 200, figures.get_data(as_text=True)
    body = figures.json
    assert (body["courses"], body["participants"], body["completers"]) == (1, 7, 4)
    assert body["completion_rate"] == round(4 / 7, 3)
    # Sessions 1-3: everyone came, so showing it would tell of each person that they were there.
    assert [a["attended"] for a in body["attendance"][:3]] == [None, None, None]
    # Sessions 4-6: four there, three not: three is the smallest cell shown (min 3).
    assert [a["attended"] for a in body["attendance"][3:]] == [4, 4, 4]
    assert body["attendance"][3]["rate"] == round(4 / 7, 3)
    assert body["self_efficacy"]["n"] == 4 and body["self_efficacy"]["mean_change"] == 2.0


def test_small_cells_and_their_complements_are_withheld(app, client, people):
    moderator = people.make(roles=("moderator",))
    tutors = [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]
    course = create_course(client, moderator, tutors)
    participants = [people.make() for _ in range(5)]
    for person in participants:
        enrol(client, person, course["id"])
    quarter = run_in_last_quarter(app, course["id"])
    for number in range(1, 7):  # four of five attend every session: the one absent is a cell of one
        client.put(f"{API}/courses/{course['id']}/sessions/{course['sessions'][number - 1]['id']}/attendance",
                   json={"present": [p.id for p in participants[:4]]}, headers=tutors[0].headers)
    body = client.get(f"{API}/moderation/courses/outcomes", query_string={"period": quarter.label},
                      headers=moderator.headers).json
    assert body["participants"] == 5
    assert body["completers"] is None and body["completion_rate"] is None  # 4 done, 1 not: 1 < 3
    assert all(a["suppressed"] and a["attended"] is None for a in body["attendance"])
    assert body["self_efficacy"]["suppressed"] is True
    assert "completion" in body["suppressed"]


def test_only_staff_who_run_the_programme_see_its_course_outcomes(app, client, people):
    admin = people.make(roles=("admin",))
    org = client.post(f"{API}/organisations", json={"name": "Westshire", "kind": "provider"},
                      headers=admin.headers).json
    other = client.post(f"{API}/organisations", json={"name": "Eastshire", "kind": "provider"},
                        headers=admin.headers).json
    other_mod = people.make(roles=("moderator",))
    client.post(f"{API}/organisations/{other['id']}/moderators", json={"user_id": other_mod.id},
                headers=admin.headers)
    assert_problem(client.get(f"{API}/moderation/courses/outcomes", query_string={"organisation_id": org["id"]},
                              headers=other_mod.headers), 404)
    assert_problem(client.get(f"{API}/moderation/courses/outcomes", headers=people.make().headers), 403)
    assert client.get(f"{API}/moderation/courses/outcomes", query_string={"organisation_id": org["id"]},
                      headers=admin.headers).status_code == 200
    assert_problem(client.get(f"{API}/moderation/courses/outcomes", query_string={"period": "2099-Q1"},
                              headers=admin.headers), 422)

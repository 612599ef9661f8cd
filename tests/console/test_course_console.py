"""The console's course pages: the courses staff run, one course's sessions, roster, waitlist and
register, and the course outcomes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEntry, db
from tests.console.helpers import sign_in
from tests.console.test_console_pages import FieldsAndLabels
from tests.course_helpers import API, create_course, enrol, make_tutor, start_sessions


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",), display_name="Mo Derator")


@pytest.fixture
def console(client, moderator):
    assert sign_in(client, moderator).status_code == 303
    return client


@pytest.fixture
def course(client, people, moderator):
    tutors = [make_tutor(client, people, moderator, display_name="Tess Tutor"),
              make_tutor(client, people, moderator, display_name="Theo Tutor")]
    course = create_course(client, moderator, tutors, capacity=2, title="Living well in Northshire")
    for name in ("Ada", "Bea", "Cal"):
        enrol(client, people.make(display_name=name), course["id"])
    return course | {"tutors": tutors}


@pytest.mark.parametrize("path", ["/console/courses", "/console/courses/outcomes", "/console/tutors",
                                  "/console/tutors?status=approved"])
def test_the_course_pages_render_accessibly(console, course, path):
    response = console.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    parser = FieldsAndLabels()
    parser.feed(html)
    assert 'href="#main"' in html and [f for f in parser.fields if f not in parser.labelled] == []


def test_the_course_list_links_each_course_the_moderator_runs(console, course):
    html = console.get("/console/courses").get_data(as_text=True)
    assert "Living well in Northshire" in html and f"/console/courses/{course['id']}" in html


def test_a_course_page_shows_the_register_and_the_waitlist_and_the_read_is_audited(app, client, console, course,
                                                                                   moderator, people):
    start_sessions(app, course["id"])
    roster = client.get(f"{API}/courses/{course['id']}/roster", headers=course["tutors"][0].headers).json
    ada = next(p for p in roster["enrolled"] if p["display_name"] == "Ada")
    client.put(f"{API}/courses/{course['id']}/sessions/{course['sessions'][0]['id']}/attendance",
               json={"present": [ada["user_id"]]}, headers=course["tutors"][0].headers)
    response = console.get(f"/console/courses/{course['id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ada" in html and "Bea" in html and "present" in html
    assert "Cal" in html and "waitlisted" in html
    assert "course-secret-room" not in html  # staff are not shown the meeting link (K3)
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.actor_id).where(
            AuditEntry.action == "course.roster_read")).all() == [moderator.id]


def test_a_moderator_of_another_organisation_gets_a_404_page(client, people, course):
    admin = people.make(roles=("admin",))
    org = client.post(f"{API}/organisations", json={"name": "Elsewhere", "kind": "charity"},
                      headers=admin.headers).json
    other = people.make(roles=("moderator",))
    client.post(f"{API}/organisations/{org['id']}/moderators", json={"user_id": other.id}, headers=admin.headers)
    other_console = client.application.test_client()
    sign_in(other_console, other)
    assert other_console.get(f"/console/courses/{course['id']}").status_code == 404
    assert "Living well in Northshire" not in other_console.get("/console/courses").get_data(as_text=True)


def test_approving_a_tutor_through_the_form_lets_them_lead_a_course(client, console, people, moderator):
    from tests.console.helpers import post_form
    from tests.course_helpers import TRAINING, course_body
    from tests.mentoring_helpers import make_mentor

    mentor = make_mentor(client, people, moderator=moderator, display_name="Nia Newtutor")
    application = client.post(f"{API}/tutor-applications", json={"training": TRAINING}, headers=mentor.headers).json
    page = console.get("/console/tutors").get_data(as_text=True)
    assert "Nia Newtutor" in page and TRAINING in page
    decided = post_form(console, f"/console/tutors/applications/{application['id']}/decision",
                        {"decision": "approve", "note": "Observed co-tutoring."}, page="/console/tutors")
    assert decided.status_code == 303
    again = post_form(console, f"/console/tutors/applications/{application['id']}/decision",
                      {"decision": "reject"}, page="/console/tutors")
    assert again.status_code == 409
    other = make_tutor(client, people, moderator)
    assert client.post(f"{API}/courses", json=course_body([mentor, other]), headers=moderator.headers).status_code == 201

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
    participants = {name: people.make(display_name=name) for name in ("Ada", "Bea", "Cal")}
    for person in participants.values():
        enrol(client, person, course["id"])
    return course | {"tutors": tutors, "participants": participants}


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


# --- creating a course and moving its sessions through the console's forms ------------------------------

def _last_sunday_of(year: int, month: int):
    from datetime import date, timedelta
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def course_form(tutors, *, first, **overrides) -> dict:
    """The new-course form as a browser sends it: six weekly `datetime-local` values (no seconds, no offset)."""
    from datetime import timedelta
    form = {"title": "Taking charge of pain", "description": "Six weekly sessions with two lay tutors.",
            "organisation_id": "", "capacity": "12", "delivery": "venue", "venue": "Northshire library, room 2",
            "meeting_url": "", "time_zone": "Europe/London", "minutes": "150",
            "tutor_1": tutors[0].id if tutors else "", "tutor_2": tutors[1].id if len(tutors) > 1 else ""}
    for n in range(6):
        form[f"session_{n + 1}"] = (first + timedelta(weeks=n)).strftime("%Y-%m-%dT%H:%M")
    return form | overrides


def _course_count(app) -> int:
    from sqlalchemy import func

    from models import Course
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Course))


@pytest.fixture
def two_tutors(client, people, moderator):
    return [make_tutor(client, people, moderator, display_name="Uma Tutor"),
            make_tutor(client, people, moderator, display_name="Vic Tutor")]


def test_the_new_course_form_renders_accessibly_with_the_tutors_to_choose(console, two_tutors):
    response = console.get("/console/courses/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parser = FieldsAndLabels()
    parser.feed(html)
    assert [f for f in parser.fields if f not in parser.labelled] == []
    assert "Uma Tutor" in html and "Vic Tutor" in html and 'type="datetime-local"' in html
    assert "/console/courses/new" in console.get("/console/courses").get_data(as_text=True)


def test_staff_create_a_course_through_the_form_with_its_sessions_in_utc_across_the_clock_change(
        app, client, console, two_tutors, moderator):
    from datetime import datetime, timedelta

    from tests.console.helpers import post_form
    change = _last_sunday_of(datetime.now().year + 1, 3)  # the clocks go forward: GMT to BST
    first = datetime(change.year, change.month, change.day, 10, 0) - timedelta(weeks=2)
    created = post_form(console, "/console/courses/new", course_form(two_tutors, first=first),
                        page="/console/courses/new")
    assert created.status_code == 303, created.get_data(as_text=True)
    course_id = created.headers["Location"].split("/console/courses/")[1].split("?")[0]
    page = console.get(created.headers["Location"])
    assert page.status_code == 200 and "Taking charge of pain" in page.get_data(as_text=True)
    assert "Course created." in page.get_data(as_text=True)
    assert "Taking charge of pain" in console.get("/console/courses").get_data(as_text=True)
    seen = client.get(f"{API}/courses/{course_id}", headers=moderator.headers).json
    assert seen["capacity"] == 12 and seen["venue"] == "Northshire library, room 2"
    assert sorted(t["display_name"] for t in seen["tutors"]) == ["Uma Tutor", "Vic Tutor"]
    assert [s["minutes"] for s in seen["sessions"]] == [150] * 6
    expected = [(first + timedelta(weeks=n) - timedelta(hours=0 if n < 2 else 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
                for n in range(6)]  # 10:00 GMT is 10:00 UTC; 10:00 BST is 09:00 UTC
    assert [s["starts_at"] for s in seen["sessions"]] == expected


def test_a_course_across_the_october_change_keeps_its_local_time(client, console, two_tutors, moderator):
    from datetime import datetime, timedelta

    from tests.console.helpers import post_form
    change = _last_sunday_of(datetime.now().year + 1, 10)  # the clocks go back: BST to GMT
    first = datetime(change.year, change.month, change.day, 18, 30) - timedelta(weeks=3)
    created = post_form(console, "/console/courses/new", course_form(two_tutors, first=first),
                        page="/console/courses/new")
    assert created.status_code == 303, created.get_data(as_text=True)
    course_id = created.headers["Location"].split("/console/courses/")[1].split("?")[0]
    starts = [s["starts_at"][11:16] for s in
              client.get(f"{API}/courses/{course_id}", headers=moderator.headers).json["sessions"]]
    assert starts == ["17:30"] * 3 + ["18:30"] * 3


@pytest.mark.parametrize("problem", ["one tutor", "a session in the past", "a skipped local time", "no venue"])
def test_a_bad_course_form_is_shown_again_with_its_problem_and_creates_nothing(app, console, two_tutors, problem):
    from datetime import datetime, timedelta

    from tests.console.helpers import post_form
    change = _last_sunday_of(datetime.now().year + 1, 3)
    form = course_form(two_tutors, first=datetime(change.year, change.month, change.day, 10, 0) - timedelta(weeks=1))
    form |= {"one tutor": {"tutor_2": ""}, "a session in the past": {"session_1": "2020-01-06T10:00"},
             "a skipped local time": {"session_2": f"{change.isoformat()}T01:30"},  # 01:00 to 02:00 never happens
             "no venue": {"venue": ""}}[problem]
    before = _course_count(app)
    response = post_form(console, "/console/courses/new", form, page="/console/courses/new")
    assert response.status_code == 422, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'value="Taking charge of pain"' in html  # the form keeps what was typed
    assert {"one tutor": "tutor_ids", "a session in the past": "future", "a skipped local time": "clocks go forward",
            "no venue": "venue"}[problem] in html
    assert _course_count(app) == before


def test_staff_of_another_organisation_cannot_create_a_course_for_it_nor_move_its_sessions(
        app, client, people, course, two_tutors):
    from datetime import datetime

    from tests.console.helpers import post_form
    admin = people.make(roles=("admin",))
    theirs, not_theirs = (client.post(f"{API}/organisations", json={"name": name, "kind": "charity"},
                                      headers=admin.headers).json for name in ("Theirs", "Not theirs"))
    other = people.make(roles=("moderator",))
    client.post(f"{API}/organisations/{theirs['id']}/moderators", json={"user_id": other.id}, headers=admin.headers)
    other_console = client.application.test_client()
    sign_in(other_console, other)
    html = other_console.get("/console/courses/new").get_data(as_text=True)
    assert "Theirs" in html and "Not theirs" not in html and "None: a network course" not in html
    before = _course_count(app)
    form = course_form(two_tutors, first=datetime(datetime.now().year + 1, 5, 3, 10, 0))
    refused = post_form(other_console, "/console/courses/new", form | {"organisation_id": not_theirs["id"]},
                        page="/console/courses/new")
    assert refused.status_code == 404
    network = post_form(other_console, "/console/courses/new", form, page="/console/courses/new")
    assert network.status_code == 403 and 'role="alert"' in network.get_data(as_text=True)
    assert _course_count(app) == before
    session = course["sessions"][0]
    moved = post_form(other_console, f"/console/courses/{course['id']}/sessions/{session['id']}",
                      {"action": "cancel"}, page="/console/courses")
    assert moved.status_code == 404
    assert client.get(f"{API}/courses/{course['id']}", headers=course["tutors"][0].headers
                      ).json["sessions"][0]["cancelled"] is False


def test_a_course_form_without_its_csrf_token_is_refused(app, console, two_tutors):
    from datetime import datetime
    before = _course_count(app)
    form = course_form(two_tutors, first=datetime(datetime.now().year + 1, 5, 3, 10, 0))
    assert console.post("/console/courses/new", data=form).status_code == 400
    assert console.post("/console/courses/new", data=form | {"csrf_token": "guessed"}).status_code == 400
    assert _course_count(app) == before


def test_moving_a_session_through_the_form_tells_the_people_enrolled(client, console, course, people):
    from datetime import datetime

    from tests.console.helpers import post_form
    from tests.mentoring_helpers import inbox
    session = course["sessions"][2]
    path = f"/console/courses/{course['id']}/sessions/{session['id']}"
    page = f"/console/courses/{course['id']}"
    assert f'action="{path}"' in console.get(page).get_data(as_text=True)
    year = datetime.now().year + 1
    moved = post_form(console, path, {"action": "move", "starts_at": f"{year}-03-16T18:30"}, page=page)
    assert moved.status_code == 303, moved.get_data(as_text=True)
    assert "everyone enrolled has been told" in console.get(moved.headers["Location"]).get_data(as_text=True)
    seen = client.get(f"{API}/courses/{course['id']}", headers=course["tutors"][0].headers).json
    assert seen["sessions"][2]["starts_at"] == f"{year}-03-16T18:30:00Z"  # GMT in March before the change
    for told in (course["participants"]["Ada"], course["participants"]["Bea"], course["tutors"][1]):
        assert [n["data"]["session_id"] for n in inbox(client, told, "course_session_changed")] == [session["id"]]
    assert inbox(client, course["participants"]["Cal"], "course_session_changed") == []  # waitlisted
    skipped = post_form(console, path, {"action": "move", "starts_at": "2020-01-01T10:00"}, page=page)
    assert skipped.status_code == 422 and 'role="alert"' in skipped.get_data(as_text=True)
    cancelled = post_form(console, path, {"action": "cancel"}, page=page)
    assert cancelled.status_code == 303
    assert "(cancelled)" in console.get(page).get_data(as_text=True)

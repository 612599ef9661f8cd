"""Session reminders (day before, hour before, once each, quiet hours and mute respected) and the
secret iCalendar feed."""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from models import Notification, PushOutbox, db
from services import scheduled
from tests.conftest import assert_problem
from tests.course_helpers import API, create_course, enrol, make_tutor, weekly

YEAR = datetime.now().year + 1


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


@pytest.fixture
def tutors(client, people, moderator):
    return [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]


@pytest.fixture
def course(client, moderator, tutors):
    # January: London is on GMT, so the first session starts at 10:00Z.
    return create_course(client, moderator, tutors, sessions=weekly(datetime(YEAR, 1, 12, 10, 0)))


def first_start(course) -> datetime:
    return datetime.fromisoformat(course["sessions"][0]["starts_at"].replace("Z", "+00:00"))


def reminders(app, person_id):
    with app.app_context():
        rows = db.session.execute(select(Notification, PushOutbox).outerjoin(
            PushOutbox, PushOutbox.notification_id == Notification.id).where(
            Notification.user_id == person_id, Notification.type == "course_session_reminder")
            .order_by(Notification.created_at)).all()
        return [(n.data["when"], None if push is None else push.silent) for n, push in rows]


def run(app, now):
    """The reminder job of `flask run-scheduled` alone (the whole run, this far ahead, would also prune
    the test's sign-in sessions as long expired)."""
    with app.app_context():
        return {"course_reminders_sent": scheduled.remind_course_sessions(now)}


def test_a_reminder_the_day_before_and_an_hour_before_each_sent_once(app, client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    start = first_start(course)
    with app.app_context():
        assert scheduled.run_scheduled(now=start - timedelta(hours=25))["course_reminders_sent"] == 0
    assert run(app, start - timedelta(hours=23))["course_reminders_sent"] == 1
    assert run(app, start - timedelta(hours=22))["course_reminders_sent"] == 0
    assert run(app, start - timedelta(minutes=50))["course_reminders_sent"] == 1
    assert run(app, start - timedelta(minutes=10))["course_reminders_sent"] == 0
    assert reminders(app, person.id) == [("day", False), ("hour", False)]


def test_a_reminder_in_quiet_hours_arrives_silently(app, client, people, course):
    quiet = people.make()
    client.patch(f"{API}/me", json={"timezone": "Europe/London", "settings": {"notifications": {
        "quiet_hours": {"start": "08:00", "end": "12:00"}}}}, headers=quiet.headers)
    enrol(client, quiet, course["id"])
    start = first_start(course)
    run(app, start - timedelta(hours=23))     # 11:00 the day before: quiet
    run(app, start - timedelta(minutes=30))   # 09:30: quiet too
    assert reminders(app, quiet.id) == [("day", True), ("hour", True)]


def test_someone_who_muted_the_course_circle_gets_the_reminder_without_a_push(app, client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    conversation_id = client.get(f"{API}/courses/{course['id']}", headers=person.headers).json["conversation_id"]
    client.patch(f"{API}/conversations/{conversation_id}", json={"muted": True}, headers=person.headers)
    run(app, first_start(course) - timedelta(hours=23))
    assert reminders(app, person.id) == [("day", None)]


def test_a_cancelled_session_is_not_reminded_and_a_moved_one_is_reminded_again(app, client, people, course, tutors):
    person = people.make()
    enrol(client, person, course["id"])
    first, second = course["sessions"][0], course["sessions"][1]
    client.patch(f"{API}/courses/{course['id']}/sessions/{first['id']}", json={"cancelled": True},
                 headers=tutors[0].headers)
    run(app, first_start(course) - timedelta(hours=23))
    assert reminders(app, person.id) == []
    second_start = first_start(course) + timedelta(weeks=1)
    run(app, second_start - timedelta(hours=23))
    client.patch(f"{API}/courses/{course['id']}/sessions/{second['id']}",
                 json={"starts_at": f"{YEAR}-01-20T10:00:00"}, headers=tutors[0].headers)
    run(app, datetime.fromisoformat(f"{YEAR}-01-19T11:00:00+00:00"))
    assert [when for when, _ in reminders(app, person.id)] == ["day", "day"]


def feed(client, url):
    return client.get(urlsplit(url).path)  # no Authorization header: the URL is the secret


def test_the_calendar_feed_lists_my_sessions_without_health_information(client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    url = client.get(f"{API}/me/calendar-url", headers=person.headers).json["url"]
    response = feed(client, url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 6
    assert events[0].decoded("dtstart") == first_start(course)
    assert all(course["title"] not in str(e.get("summary")) for e in events)
    assert "course-secret-room" not in response.get_data(as_text=True)


def test_rotating_the_calendar_url_retires_the_old_one(client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    old = client.get(f"{API}/me/calendar-url", headers=person.headers).json["url"]
    assert client.get(f"{API}/me/calendar-url", headers=person.headers).json["url"] == old
    new = client.post(f"{API}/me/calendar-url/rotate", headers=person.headers).json["url"]
    assert new != old
    assert_problem(feed(client, old), 404)
    assert feed(client, new).status_code == 200


def test_withdrawing_takes_the_sessions_out_of_the_feed(client, people, course):
    person = people.make()
    enrol(client, person, course["id"])
    url = client.get(f"{API}/me/calendar-url", headers=person.headers).json["url"]
    client.post(f"{API}/courses/{course['id']}/withdraw", headers=person.headers)
    assert Calendar.from_ical(feed(client, url).data).walk("VEVENT") == []


def test_a_made_up_feed_token_is_404(client):
    assert_problem(client.get(f"{API}/calendar/{'0' * 64}.ics"), 404)
    assert_problem(client.get(f"{API}/calendar/..%2F..%2Fetc.ics"), 404)


def test_someone_holding_an_offer_is_not_reminded_until_they_take_the_place(app, client, people, moderator, tutors):
    course = create_course(client, moderator, tutors, capacity=2, sessions=weekly(datetime(YEAR, 1, 12, 10, 0)))
    leaving, staying, waiting = people.make(), people.make(), people.make()
    for person in (leaving, staying, waiting):
        enrol(client, person, course["id"])
    client.post(f"{API}/courses/{course['id']}/withdraw", headers=leaving.headers)
    run(app, first_start(course) - timedelta(hours=23))
    assert reminders(app, staying.id) == [("day", False)] and reminders(app, waiting.id) == []

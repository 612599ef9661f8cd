"""`flask --app wsgi seed-demo`: on a fresh database, every README journey and console page has
something real to show, and the outcome and programme figures are shown, not withheld."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from models import CheckIn, Message, Report, User, db
from services import demo
from tests.console.helpers import sign_in

API = "/api/v1"


@pytest.fixture
def seeded(app):
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    return SimpleNamespace(output=result.output, seconds=elapsed)


def demo_person(name: str) -> SimpleNamespace:
    return SimpleNamespace(email=f"{name}@{demo.DEMO_DOMAIN}", password=demo.DEMO_PASSWORD)


def signed_in(client, name: str) -> dict[str, str]:
    response = client.post(f"{API}/auth/login", json=vars(demo_person(name)))
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(table)) for table in (User, Message, CheckIn))


# --- the command --------------------------------------------------------------------------------------

def test_the_seed_is_fast_prints_the_logins_and_runs_only_once(app, seeded):
    assert seeded.seconds < 30
    assert demo.DEMO_PASSWORD in seeded.output and f"amira@{demo.DEMO_DOMAIN}" in seeded.output
    before = counts(app)
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already there" in again.output
    assert counts(app) == before


def test_every_demo_account_is_labelled_as_demo(app, seeded):
    with app.app_context():
        people = list(db.session.scalars(select(User)))
    assert len(people) > 60
    assert all(p.email.endswith(f"@{demo.DEMO_DOMAIN}") and "demo" in p.display_name.lower() for p in people)


def test_the_seed_is_refused_in_production(app):
    app.config["PEERLESS_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "not production" in result.output
    assert counts(app)[0] == 0


# --- a patient's journeys -------------------------------------------------------------------------------

def test_a_demo_patient_finds_a_mentor_and_asks_for_mentoring(client, seeded):
    sam = signed_in(client, "sam")
    matches = client.get(f"{API}/matches", query_string={"kind": "mentor"}, headers=sam).json["items"]
    names = [m["user"]["display_name"] for m in matches]
    assert "Grace M. (demo mentor)" in names
    grace = next(m for m in matches if m["user"]["display_name"].startswith("Grace"))
    asked = client.post(f"{API}/mentorships", json={"mentor_id": grace["user"]["id"], "message": "Hello Grace"},
                        headers=sam)
    assert asked.status_code == 201 and asked.json["status"] == "requested"


def test_a_demo_patient_has_a_conversation_with_a_connection_and_writes_in_it(client, seeded):
    sam = signed_in(client, "sam")
    connected = client.get(f"{API}/connections", query_string={"status": "accepted"}, headers=sam).json["items"]
    assert connected and all(c["conversation_id"] for c in connected)
    conversation_id = connected[0]["conversation_id"]
    history = client.get(f"{API}/conversations/{conversation_id}/messages", headers=sam).json["items"]
    assert len(history) == 3
    sent = client.post(f"{API}/conversations/{conversation_id}/messages",
                       json={"client_msg_id": "0b9e5c1e-7a52-4a4b-8f4e-3a1c2d3e4f50", "body": "Trying the app"},
                       headers=sam)
    assert sent.status_code == 201 and sent.json["seq"] == 4


def test_a_demo_patient_sees_their_circle_and_its_conversation(client, seeded):
    sam = signed_in(client, "sam")
    circles = client.get(f"{API}/groups", headers=sam).json["items"]
    mine = next(c for c in circles if c["name"] == "Type 1 diabetes circle (demo)")
    assert mine["member_count"] == 4 and mine["conversation_id"]
    said = client.get(f"{API}/conversations/{mine['conversation_id']}/messages", headers=sam).json["items"]
    assert [m["body"] for m in said] == ["Welcome all! This week: what is in your hypo kit?"]


def test_demo_support_requests_and_a_pending_mentorship_request_are_there(client, seeded):
    jo = signed_in(client, "jo")
    assert client.get(f"{API}/support-requests", headers=jo).json["items"]
    dev = signed_in(client, "dev")
    waiting = client.get(f"{API}/mentorships", query_string={"role": "mentor", "status": "requested"}, headers=dev)
    assert len(waiting.json["items"]) == 1


def test_the_demo_referral_code_joins_the_programme(client, seeded):
    lee = signed_in(client, "lee")
    joined = client.post(f"{API}/me/referrals", json={"code": demo.DEMO_REFERRAL_CODE}, headers=lee)
    assert joined.status_code == 200 and joined.json["name"] == demo.PROGRAMMES[0][0]


def test_a_demo_course_is_full_with_a_waitlist_and_its_tutors_see_the_roster(client, seeded):
    sam = signed_in(client, "sam")
    course = next(c for c in client.get(f"{API}/courses", headers=sam).json["items"]
                  if c["title"] == "Living well with a long-term condition (demo)")
    mine = client.get(f"{API}/courses/{course['id']}", headers=sam).json
    assert mine["my_status"] == "enrolled" and len(mine["sessions"]) == 6 and mine["meeting_url"]
    waiting = client.get(f"{API}/courses/{course['id']}", headers=signed_in(client, "ola")).json
    assert waiting["my_status"] == "waitlisted" and waiting["waitlist_position"] == 2
    roster = client.get(f"{API}/courses/{course['id']}/roster", headers=signed_in(client, "grace")).json
    assert len(roster["enrolled"]) == 4 and [w["position"] for w in roster["waitlist"]] == [1, 2]


# --- a moderator's figures ------------------------------------------------------------------------------

@pytest.mark.parametrize("moderator", ["amira", "owen"])  # the network's, and the Northside programme's own
def test_demo_outcomes_and_programme_metrics_show_figures_not_withheld(client, seeded, moderator):
    headers = signed_in(client, moderator)
    outcomes = client.get(f"{API}/moderation/outcomes", headers=headers)
    assert outcomes.status_code == 200
    cells = [cell for measure in outcomes.json["measures"] for cell in measure["groups"]]
    assert len(cells) >= 21 and not [c for c in cells if c["suppressed"]]
    assert all(c["n"] >= 10 for c in cells)
    metrics = client.get(f"{API}/moderation/programme-metrics", headers=headers)
    assert metrics.status_code == 200 and metrics.json["suppressed"] == []
    assert metrics.json["match_requests"] >= 10 and 0 < metrics.json["acceptance_rate"] < 1
    assert metrics.json["median_hours_to_first_reply"] is not None and metrics.json["mentor_load"]["mentors"] >= 10


def test_the_demo_moderation_queue_leads_with_a_crisis_alert(client, seeded):
    amira = signed_in(client, "amira")
    queue = client.get(f"{API}/moderation/reports", headers=amira).json["items"]
    assert queue[0]["reason"] == "risk_to_self" and queue[0]["source"] == "crisis_detector"
    assert "harassment" in [r["reason"] for r in queue]


def test_ordinary_demo_text_raises_no_detector_alarm_only_the_one_crisis_message_does(app, seeded):
    """The demo is written as everyday peer support: its mentorship requests, goals, notes and messages
    must not fill the queue with false alarms (the one crisis message is there on purpose)."""
    with app.app_context():
        detected = db.session.execute(
            select(Report.source, Report.target_type).where(Report.source.in_(("crisis_detector", "concern_detector")))
        ).all()
    assert detected == [("crisis_detector", "message")]


# --- the console ----------------------------------------------------------------------------------------

CONSOLE_PAGES = {  # page: words from the demo that must be on it
    "/console/": ["risis"],
    "/console/reports": ["harassment"],
    "/console/mentors": ["Lee (demo)"],
    "/console/mentors/accreditation": ["Mentor 22 (demo)"],
    "/console/circles": ["Type 1 diabetes circle (demo)", "Pacing and fatigue circle (demo)"],
    "/console/resources": ["NICE"],
    "/console/outcomes": ["With peer support"],
    "/console/pushes/dead": ["UNREGISTERED"],
    "/console/audit": ["mentor"],
    "/console/courses": ["Living well with a long-term condition (demo)"],
    "/console/tutors": ["Mentor 01 (demo)"],
}


@pytest.mark.parametrize("page", CONSOLE_PAGES)
def test_every_console_page_shows_demo_content(client, seeded, page):
    assert sign_in(client, demo_person("ada")).status_code in (302, 303)
    response = client.get(page)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert all(words in text for words in CONSOLE_PAGES[page]), page

"""The console in a real browser: headless Chromium from Debian, driven by Playwright, against the app
served on 127.0.0.1. Screenshots of each page go to docs/screenshots/ with PEERLESS_SCREENSHOTS=1
(`make screenshots`). Skipped, saying why, where /usr/bin/chromium or playwright is missing; CI installs both.
"""
from __future__ import annotations

import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from models import MentorProfile, OutboxStatus, PushOutbox, Resource, User, db, utcnow
from services import notifications
from tests.conftest import build_test_app, migrated_database
from tests.console.helpers import API, reported_message
from tests.factories import PersonFactory, befriend, send
from tests.mentoring_helpers import DIABETES_T1, apply_to_mentor, condition_id, make_mentor, set_conditions

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("PEERLESS_SCREENSHOTS") == "1"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium chromium-driver"),
]


# --- a real server on 127.0.0.1, a browser, and people ---------------------------------------------

@pytest.fixture(scope="module")
def server():
    """The app on a free port of 127.0.0.1, threaded, over a freshly migrated database.

    The session cookies keep their production flags (Secure included): Chromium accepts Secure
    cookies from http://127.0.0.1, as from https."""
    url, drop = migrated_database()
    app = build_test_app(url, JWT_COOKIE_SECURE=True)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    with app.app_context():
        db.engine.dispose()
    drop()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def api(server):
    return server[0].test_client()


@pytest.fixture(scope="module")
def people(server):
    return PersonFactory(server[0])


@pytest.fixture(scope="module")
def moderator(people):
    return people.make(roles=("moderator",), display_name="Morgan Moderator")


class Tab:
    """One browser tab on the console that records every request and every console error."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm questions: yes

    def open(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None
        return response

    def sign_in(self, person) -> None:
        self.open("/console/")
        self.page.get_by_label("Email").fill(person.email)
        self.page.get_by_label("Password").fill(person.password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/console/")

    def screenshot(self, name: str) -> None:
        if TAKE_SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def expect_refusal(self, status: int) -> None:
        """The page just loaded is meant to be an error: its status is no console error to report."""
        self.errors = [e for e in self.errors if f"status of {status}" not in e]

    def check_stayed_home_without_errors(self) -> None:
        assert [url for url in self.requests if not url.startswith(self.base + "/")] == []
        assert self.errors == []


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = Tab(context.new_page(), server[1])
    yield opened
    opened.check_stayed_home_without_errors()
    context.close()


def report_json(api, moderator, report_id: str) -> dict:
    return api.get(f"{API}/moderation/reports/{report_id}", headers=moderator.headers).json


# --- the day's work, step by step ------------------------------------------------------------------

def test_signing_in_lands_on_the_dashboard_and_signing_out_ends_it(tab, moderator):
    tab.open("/console/")
    assert tab.page.url.startswith(tab.base + "/console/sign-in")
    tab.sign_in(moderator)
    assert tab.page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    cookies = {c["name"]: c for c in tab.page.context.cookies()}
    assert cookies["access_token_cookie"]["httpOnly"] and cookies["access_token_cookie"]["secure"]
    assert cookies["access_token_cookie"]["sameSite"] == "Lax"
    tab.page.get_by_role("button", name="Sign out").click()
    assert tab.page.get_by_text("You are signed out.").is_visible()
    tab.open("/console/reports")
    assert tab.page.url.startswith(tab.base + "/console/sign-in")


def test_the_skip_link_is_the_first_stop_for_the_keyboard(tab, moderator):
    tab.sign_in(moderator)
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.textContent") == "Skip to main content"
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("document.activeElement.id") == "main"


def test_triaging_a_crisis_alert_from_the_dashboard(tab, api, people, moderator):
    a, b = people.make(), people.make()
    send(api, a, befriend(api, a, b), "I want to kill myself")
    tab.sign_in(moderator)
    crisis = tab.page.locator("#crisis-heading")
    assert "Open crisis alerts" in crisis.inner_text() and crisis.locator(".count").inner_text() != "0"
    tab.page.locator(".crisis-list a").first.click()
    assert "I want to kill myself" in tab.page.locator("li[aria-current=true]").inner_text()
    report_id = tab.page.url.rsplit("/", 1)[1]
    tab.page.get_by_label("Dismiss (no action)").check()
    tab.page.get_by_label("Note (kept in the audit log)").fill("Phoned them; safe, with their GP's plan.")
    tab.page.get_by_role("button", name="Resolve report").click()
    assert tab.page.get_by_role("status").inner_text() == "Resolved: dismiss."
    resolved = report_json(api, moderator, report_id)
    assert (resolved["status"], resolved["resolution_note"]) == ("resolved", "Phoned them; safe, with their GP's plan.")


def test_remove_content_by_keyboard_turns_the_message_into_a_tombstone(tab, api, people, moderator):
    author, reader, conversation, message, report_id = reported_message(api, people, body="get lost, loser")
    tab.sign_in(moderator)
    tab.page.get_by_role("link", name="Reports", exact=True).click()
    tab.page.locator(f"a[href='/console/reports/{report_id}']").click()
    # By keyboard alone: Tab to the actions, arrow to the second one, Tab to the note, Enter on the button.
    keyboard, focused = tab.page.keyboard, lambda: tab.page.evaluate("document.activeElement.id")
    for _ in range(30):
        keyboard.press("Tab")
        if focused().startswith("action-"):
            break
    keyboard.press("ArrowDown")
    assert tab.page.get_by_label("Remove the message").is_checked()
    keyboard.press("Tab")
    assert focused() == "note"
    keyboard.type("Abusive; removed.")
    keyboard.press("Tab")
    keyboard.press("Enter")  # the confirmation question is answered yes
    tab.page.wait_for_url("**?done=remove_content")
    assert tab.page.get_by_role("status").inner_text() == "Resolved: remove content."
    assert tab.page.locator("li[aria-current=true] .tombstone").inner_text() == "Message removed"
    items = api.get(f"{API}/conversations/{conversation}/messages", headers=reader.headers).json["items"]
    assert next(m for m in items if m["id"] == message["id"])["deleted"] is True


def test_approving_a_mentor_puts_them_in_matches(tab, api, people, moderator):
    applicant = people.make(display_name="Priya Mentor")
    set_conditions(api, applicant, DIABETES_T1)
    assert apply_to_mentor(api, applicant).status_code == 201
    tab.sign_in(moderator)
    tab.page.get_by_role("link", name="Mentor applications", exact=True).click()
    card = tab.page.get_by_role("article", name="Priya Mentor")
    card.get_by_label("Note to record with the decision").fill("Strong references.")
    card.get_by_role("button", name="Approve Priya Mentor").click()
    assert tab.page.get_by_role("status").inner_text() == "Application approved."
    seeker = people.make()
    set_conditions(api, seeker, DIABETES_T1)
    matches = api.get(f"{API}/matches", query_string={"kind": "mentor"}, headers=seeker.headers).json["items"]
    assert applicant.id in [m["user"]["id"] for m in matches]


def test_a_forged_form_from_another_origin_is_refused(tab, api, people, moderator):
    *_, report_id = reported_message(api, people)
    tab.sign_in(moderator)
    action = f"{tab.base}/console/reports/{report_id}/resolve"
    with _forger(action) as forger_url:
        tab.page.goto(forger_url)
        tab.page.wait_for_url(action)
    assert tab.page.get_by_role("heading", level=1).inner_text() == "This form could not be verified"
    tab.expect_refusal(400)
    assert report_json(api, moderator, report_id)["status"] == "open"
    # The forger's own page is the only request that went to another origin (still on this host).
    tab.requests = [url for url in tab.requests if not url.startswith(forger_url)]


def _forger(action: str):
    """Another site on 127.0.0.1 (same site, other origin: SameSite lets cookies through) that posts
    a hidden form to the console with a guessed CSRF token, by itself, as soon as it loads."""
    page = (f'<!doctype html><form id="f" method="post" action="{action}">'
            '<input name="action" value="suspend_user"><input name="csrf_token" value="guessed"></form>'
            '<script>document.getElementById("f").submit()</script>').encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    class Running:
        def __enter__(self):
            self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
            return f"http://127.0.0.1:{self.httpd.server_port}/"

        def __exit__(self, *exc):
            self.httpd.shutdown()
            self.httpd.server_close()

    return Running()


def test_a_patient_who_signs_in_is_turned_away(tab, people):
    patient = people.make()
    tab.open("/console/sign-in")
    tab.page.get_by_label("Email").fill(patient.email)
    tab.page.get_by_label("Password").fill(patient.password)
    tab.page.get_by_role("button", name="Sign in").click()
    assert tab.page.get_by_role("heading", level=1).inner_text() == "Staff only"
    tab.expect_refusal(403)


# --- every page: loads clean, fits a tablet, and is photographed on request ------------------------

@pytest.fixture(scope="module")
def a_full_day(server, api, people, moderator):
    """Something on every page: a crisis alert, reports, applications, an expiring accreditation,
    a circle with a host, members and a request, and a dead-lettered push."""
    app = server[0]
    a, b = people.make(display_name="Sam"), people.make(display_name="Alex")
    send(api, a, befriend(api, a, b), "Honestly I can't go on, I want to end my life")
    *_, report_id = reported_message(api, people, body="nobody wants you here")
    for name in ("Jordan Lee", "Riya Shah"):
        applicant = people.make(display_name=name)
        set_conditions(api, applicant, DIABETES_T1)
        apply_to_mentor(api, applicant)
    mentor = make_mentor(api, people, moderator=moderator, display_name="Chris Okafor")
    circle = api.post(f"{API}/groups", json={"name": "Type 1 newly diagnosed", "visibility": "private",
                                             "condition_id": condition_id(api, DIABETES_T1),
                                             "description": "A calm place for the first year."},
                      headers=moderator.headers).json
    for name in ("Dee", "Eli"):
        member = people.make(display_name=name)
        set_conditions(api, member, DIABETES_T1)
        api.post(f"{API}/groups/{circle['id']}/join", headers=member.headers)
    guide = api.post(f"{API}/resources", json={
        "title": "Sick-day rules for insulin", "url": "https://www.nhs.uk/conditions/type-1-diabetes/",
        "evidence_level": "guideline", "status": "published",
        "condition_ids": [condition_id(api, DIABETES_T1)]}, headers=moderator.headers).json
    with app.app_context():
        db.session.get(Resource, guide["id"]).review_due = utcnow() - timedelta(days=9)
        db.session.get(MentorProfile, mentor.id).accredited_until = utcnow() + timedelta(days=12)
        notification = notifications.notify(db.session.get(User, a.id), "moderation_warning", {})
        db.session.flush()
        db.session.add(PushOutbox(user_id=a.id, notification_id=notification.id, status=OutboxStatus.DEAD,
                                  attempts=8, finished_at=utcnow(), last_error="UNAVAILABLE: retries exhausted"))
        db.session.commit()
    return {"report_id": report_id, "circle_id": circle["id"], "resource_id": guide["id"]}


def test_every_page_loads_clean_and_fits_a_tablet(browser, server, people, a_full_day, moderator):
    admin = people.make(roles=("admin",), display_name="Ada Admin")
    pages = [("sign-in", "/console/sign-in", None), ("dashboard", "/console/", None),
             ("reports", "/console/reports", None), ("report", f"/console/reports/{a_full_day['report_id']}", None),
             ("mentor-applications", "/console/mentors", None), ("accreditation", "/console/mentors/accreditation", None),
             ("circles", "/console/circles", None), ("circle", f"/console/circles/{a_full_day['circle_id']}", None),
             ("resources", "/console/resources", None),
             ("resource-editor", f"/console/resources/{a_full_day['resource_id']}", None),
             ("outcomes", "/console/outcomes", None), ("course-new", "/console/courses/new", None),
             ("dead-letters", "/console/pushes/dead", None), ("audit-log", "/console/audit", admin)]
    for width, suffix in ((1280, ""), (768, "-tablet")):
        context = browser.new_context(viewport={"width": width, "height": 1024})
        context.set_default_timeout(10_000)
        tab = Tab(context.new_page(), server[1])
        signed_in_as = None
        for name, path, person in pages:
            person = person or moderator
            if name != "sign-in" and signed_in_as is not person:
                context.clear_cookies()
                tab.sign_in(person)
                signed_in_as = person
            assert tab.open(path).status == 200, path
            assert tab.page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} overflows at {width}px"
            if suffix == "" or name in ("dashboard", "report", "mentor-applications"):
                tab.screenshot(name + suffix)
        tab.check_stayed_home_without_errors()
        context.close()

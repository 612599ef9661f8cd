"""Each console page renders, and its forms change state the way the API then reports it."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from models import MentorProfile, db
from tests.console.helpers import API, csrf_of, post_form, reported_message, sign_in
from tests.factories import befriend, send
from tests.mentoring_helpers import DIABETES_T1, apply_to_mentor, condition_id, make_mentor, set_conditions


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",), display_name="Mo Derator")


@pytest.fixture
def console(client, moderator):
    """The test client, signed in to the console as the moderator."""
    assert sign_in(client, moderator).status_code == 303
    return client


PAGES = ["/console/", "/console/reports", "/console/reports?status=resolved", "/console/mentors",
         "/console/mentors?status=approved", "/console/mentors/accreditation", "/console/mentors/accreditation?days=400",
         "/console/circles", "/console/circles?q=walk", "/console/pushes/dead", "/console/resources",
         "/console/resources?status=draft&q=sleep", "/console/resources/new", "/console/outcomes",
         "/console/outcomes?chart=phq2:total&period=91"]


class FieldsAndLabels(HTMLParser):
    """Collects the ids of visible form fields and the ids that labels point at."""

    def __init__(self):
        super().__init__()
        self.fields, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and attrs.get("type") != "hidden":
            self.fields.append(attrs.get("id"))
        elif tag == "label":
            self.labelled.add(attrs.get("for"))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_a_skip_link_and_a_label_for_every_field(console, path):
    response = console.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert 'href="#main"' in html and '<main id="main"' in html and "Sign out" in html
    parser = FieldsAndLabels()
    parser.feed(html)
    assert [field for field in parser.fields if field not in parser.labelled] == []


def test_the_report_form_labels_each_action(client, console, people):
    *_, report_id = reported_message(client, people)
    parser = FieldsAndLabels()
    parser.feed(console.get(f"/console/reports/{report_id}").get_data(as_text=True))
    assert "action-remove_content" in parser.fields and "note" in parser.fields
    assert set(parser.fields) <= parser.labelled


def test_the_audit_log_is_for_admins(client, console, people):
    assert console.get("/console/audit").status_code == 403
    assert 'href="/console/audit"' not in console.get("/console/").get_data(as_text=True)
    admin_client = client.application.test_client()
    sign_in(admin_client, people.make(roles=("admin",)))
    page = admin_client.get("/console/audit")
    assert page.status_code == 200 and "<caption" in page.get_data(as_text=True)


def test_a_crisis_alert_is_first_on_the_dashboard(client, console, people):
    a, b = people.make(), people.make()
    send(client, a, befriend(client, a, b), "I want to kill myself")
    html = console.get("/console/").get_data(as_text=True)
    assert "Open crisis alerts: <span class=\"count\">1</span>" in html
    assert html.index("crisis-heading") < html.index("work-heading")
    assert "Detected in a message" in html


def test_the_report_page_shows_the_message_in_context_and_the_read_is_audited(client, console, people):
    admin = people.make(roles=("admin",))
    _, _, _, message, report_id = reported_message(client, people, body="you are all idiots")
    html = console.get(f"/console/reports/{report_id}").get_data(as_text=True)
    assert ["morning all", "you are all idiots", "that was unkind"] == [
        text for text in ("morning all", "you are all idiots", "that was unkind") if text in html]
    assert html.index("morning all") < html.index("you are all idiots") < html.index("that was unkind")
    assert 'aria-current="true"' in html and 'name="note"' in html
    actions = [e["action"] for e in client.get(f"{API}/admin/audit", headers=admin.headers).json["items"]]
    assert "report.read" in actions


def test_remove_content_through_the_form_leaves_a_tombstone_in_the_api(client, console, people, moderator):
    author, reader, conversation, message, report_id = reported_message(client, people)
    page = console.get(f"/console/reports/{report_id}")
    response = console.post(f"/console/reports/{report_id}/resolve",
                            data={"csrf_token": csrf_of(page), "action": "remove_content", "note": "abusive"})
    assert response.status_code == 303
    assert "Resolved: remove content." in console.get(response.headers["Location"]).get_data(as_text=True)
    items = client.get(f"{API}/conversations/{conversation}/messages", headers=reader.headers).json["items"]
    assert next(m for m in items if m["id"] == message["id"])["deleted"] is True
    report = client.get(f"{API}/moderation/reports/{report_id}", headers=moderator.headers).json
    assert (report["status"], report["action"], report["resolution_note"]) == ("resolved", "remove_content", "abusive")


def test_a_bad_action_is_a_422_on_the_page_and_changes_nothing(client, console, people, moderator):
    *_, report_id = reported_message(client, people)
    response = post_form(console, f"/console/reports/{report_id}/resolve", {"action": "explode"})
    assert response.status_code == 422
    assert "action:" in response.get_data(as_text=True)
    assert client.get(f"{API}/moderation/reports/{report_id}", headers=moderator.headers).json["status"] == "open"


def test_resolving_twice_says_so_beside_the_form(client, console, people):
    *_, report_id = reported_message(client, people)
    assert post_form(console, f"/console/reports/{report_id}/resolve", {"action": "dismiss"}).status_code == 303
    again = post_form(console, f"/console/reports/{report_id}/resolve", {"action": "dismiss"})
    assert again.status_code == 409 and "already resolved" in again.get_data(as_text=True)


def test_an_unknown_report_is_a_404_page(console):
    response = console.get("/console/reports/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404 and "Report not found." in response.get_data(as_text=True)


def test_approving_a_mentor_through_the_form_puts_them_in_matches(client, console, people):
    applicant = people.make(display_name="Ada Applicant")
    set_conditions(client, applicant, DIABETES_T1)
    application = apply_to_mentor(client, applicant).json
    page = console.get("/console/mentors")
    assert "Approve Ada Applicant" in page.get_data(as_text=True) and DIABETES_T1 in page.get_data(as_text=True)
    response = console.post(f"/console/mentors/applications/{application['id']}/decision",
                            data={"csrf_token": csrf_of(page), "decision": "approve", "note": "great fit"})
    assert response.status_code == 303
    seeker = people.make()
    set_conditions(client, seeker, DIABETES_T1)
    matches = client.get(f"{API}/matches", query_string={"kind": "mentor"}, headers=seeker.headers).json["items"]
    assert applicant.id in [m["user"]["id"] for m in matches]


def test_rejecting_with_a_note(client, console, people, moderator):
    application = apply_to_mentor(client, people.make()).json
    post_form(console, f"/console/mentors/applications/{application['id']}/decision",
              {"decision": "reject", "note": "needs training first"})
    listed = client.get(f"{API}/moderation/mentor-applications", query_string={"status": "rejected"},
                        headers=moderator.headers).json["items"]
    assert [(a["id"], a["note"]) for a in listed] == [(application["id"], "needs training first")]
    again = post_form(console, f"/console/mentors/applications/{application['id']}/decision", {"decision": "approve"})
    assert again.status_code == 409


def test_renewing_an_accreditation_through_the_form(app, client, console, people, moderator):
    mentor = make_mentor(client, people, moderator=moderator)
    with app.app_context():
        profile = db.session.get(MentorProfile, mentor.id)
        before = profile.accredited_until
    html = console.get("/console/mentors/accreditation?days=400").get_data(as_text=True)
    assert f'/console/mentors/{mentor.id}/renew' in html
    assert post_form(console, f"/console/mentors/{mentor.id}/renew").status_code == 303
    with app.app_context():
        assert (db.session.get(MentorProfile, mentor.id).accredited_until - before).days >= 364


def test_circles_list_and_members_with_approve_and_remove(client, console, people, moderator):
    walker, asker = people.make(display_name="Wally Walker"), people.make(display_name="Asha Asker")
    set_conditions(client, asker, DIABETES_T1)
    circle = client.post(f"{API}/groups", json={"name": "Evening walkers", "visibility": "private",
                                                "condition_id": condition_id(client, DIABETES_T1)},
                         headers=moderator.headers).json
    client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": walker.id}, headers=moderator.headers)
    assert client.post(f"{API}/groups/{circle['id']}/join", headers=walker.headers).json["membership"] == "member"
    assert client.post(f"{API}/groups/{circle['id']}/join", headers=asker.headers).json["membership"] == "requested"
    assert "Evening walkers" in console.get("/console/circles?q=evening").get_data(as_text=True)
    page = console.get(f"/console/circles/{circle['id']}").get_data(as_text=True)
    assert page.index("Mo Derator") < page.index("Wally Walker") < page.index("Asha Asker")  # host first
    assert "Let Asha Asker in" in page
    assert post_form(console, f"/console/circles/{circle['id']}/members/{asker.id}/approve").status_code == 303
    assert post_form(console, f"/console/circles/{circle['id']}/members/{walker.id}/remove").status_code == 303
    circle_now = client.get(f"{API}/groups/{circle['id']}", headers=asker.headers).json
    assert (circle_now["membership"], circle_now["member_count"]) == ("member", 2)
    again = post_form(console, f"/console/circles/{circle['id']}/members/{walker.id}/remove")
    assert again.status_code == 404 and "not in this circle" in again.get_data(as_text=True)


def test_the_console_is_not_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert not [p for p in paths if p.startswith("/console")]


def test_adding_publishing_and_archiving_a_resource_through_the_editor(app, client, console, people):
    patient = people.make()
    created = post_form(console, "/console/resources/new", {
        "title": "Sick-day rules for insulin", "url": "https://www.nhs.uk/conditions/type-1-diabetes/",
        "evidence_level": "guideline", "language": "en", "status": "published",
        "condition_ids": condition_id(client, DIABETES_T1)})
    assert created.status_code == 303
    resource_id = created.headers["Location"].split("/")[-1].split("?")[0]
    published = client.get(f"{API}/resources/{resource_id}", headers=patient.headers).json
    assert (published["status"], published["condition_ids"]) == ("published", [condition_id(client, DIABETES_T1)])
    editor = console.get(f"/console/resources/{resource_id}").get_data(as_text=True)
    assert 'value="Sick-day rules for insulin"' in editor and "Record a review now" in editor
    archived = post_form(console, f"/console/resources/{resource_id}", {
        "title": "Sick-day rules for insulin", "url": "https://www.nhs.uk/conditions/type-1-diabetes/",
        "evidence_level": "guideline", "language": "en", "status": "archived"})
    assert archived.status_code == 303
    assert client.get(f"{API}/resources/{resource_id}", headers=patient.headers).status_code == 404


def test_a_resource_without_link_or_text_is_a_422_that_keeps_what_was_typed(console):
    response = post_form(console, "/console/resources/new", {"title": "Half a thought", "evidence_level": "guideline"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give a link (url), a text (body), or both." in html and 'value="Half a thought"' in html


def test_an_overdue_review_is_listed_and_recorded_from_the_library(app, client, console, people):
    from datetime import timedelta

    from models import Resource, utcnow

    created = post_form(console, "/console/resources/new", {
        "title": "Carb counting basics", "body": "Start with breakfast.", "evidence_level": "expert_opinion",
        "status": "published"})
    resource_id = created.headers["Location"].split("/")[-1].split("?")[0]
    with app.app_context():
        db.session.get(Resource, resource_id).review_due = utcnow() - timedelta(days=3)
        db.session.commit()
    assert re.search(r">1</span>\s+resources due for review", console.get("/console/").get_data(as_text=True))
    assert "Record a review of Carb counting basics now" in console.get("/console/resources").get_data(as_text=True)
    assert post_form(console, f"/console/resources/{resource_id}/review").status_code == 303
    with app.app_context():
        assert db.session.get(Resource, resource_id).review_due > utcnow()
    assert "Nothing overdue." in console.get("/console/resources").get_data(as_text=True)


def test_outcomes_show_a_chart_tables_and_a_csv(console):
    page = console.get("/console/outcomes?chart=gad2:total")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert 'option value="gad2:total" selected' in html
    assert "withheld (fewer than" in html  # an empty network: every group is below the threshold
    csv = console.get("/console/outcomes.csv")
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("\ufeffscope,")


def test_outcomes_for_an_unknown_programme_are_a_404_page(console):
    response = console.get("/console/outcomes?organisation_id=00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404


def test_an_unknown_console_address_is_a_404_page(client, console):
    response = console.get("/console/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert client.application.test_client().get("/console/no-such-page").status_code == 303  # anonymous: sign in

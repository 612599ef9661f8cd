"""The console shows how long each open alert has waited and lets a moderator acknowledge it (CSRF like every form)."""
from __future__ import annotations

import pytest

from tests.alert_helpers import API, crisis_alert, read_alert, set_alert, later
from tests.console.helpers import csrf_of, post_form, sign_in


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",), display_name="Mo Derator")


@pytest.fixture
def console(client, moderator):
    assert sign_in(client, moderator).status_code == 303
    return client


def test_the_dashboard_shows_how_long_each_crisis_alert_has_waited(app, console, people):
    alert_id = crisis_alert(console, people)
    set_alert(app, alert_id, created_at=later(minutes=-25))
    html = console.get("/console/").get_data(as_text=True)
    assert "waiting 25 min, not yet acknowledged" in html or "waiting 24 min, not yet acknowledged" in html


def test_the_oldest_crisis_alert_comes_first_on_the_dashboard(app, console, people):
    newer, older = crisis_alert(console, people), crisis_alert(console, people)
    set_alert(app, older, created_at=later(hours=-3))
    html = console.get("/console/").get_data(as_text=True)
    assert html.index(f"/console/reports/{older}") < html.index(f"/console/reports/{newer}")
    assert "3 h 0 min" in html


def test_acknowledging_from_the_dashboard_names_the_moderator_and_returns_to_it(app, client, console, people, moderator):
    alert_id = crisis_alert(console, people)
    response = post_form(console, f"/console/reports/{alert_id}/acknowledge", {"next": "/console/"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/console/")
    assert read_alert(app, alert_id).acknowledged_by == moderator.id
    assert "acknowledged by Mo Derator" in console.get("/console/").get_data(as_text=True)


def test_acknowledging_from_the_report_page(app, console, people, moderator):
    alert_id = crisis_alert(console, people)
    page = console.get(f"/console/reports/{alert_id}")
    assert "Acknowledge: I have this" in page.get_data(as_text=True)
    response = console.post(f"/console/reports/{alert_id}/acknowledge", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303
    html = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Acknowledged: it no longer escalates." in html and "by Mo Derator" in html
    assert "Acknowledge: I have this" not in html


def test_an_acknowledgement_without_the_form_token_is_refused_and_changes_nothing(app, console, people):
    alert_id = crisis_alert(console, people)
    response = console.post(f"/console/reports/{alert_id}/acknowledge", data={})
    assert response.status_code == 400
    assert read_alert(app, alert_id).acknowledged_at is None


def test_next_never_leads_off_the_console(console, people):
    alert_id = crisis_alert(console, people)
    response = post_form(console, f"/console/reports/{alert_id}/acknowledge", {"next": "https://evil.example/"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/console/")


def test_the_queue_shows_the_wait_of_open_reports(app, console, people):
    alert_id = crisis_alert(console, people)
    set_alert(app, alert_id, created_at=later(minutes=-7))
    html = console.get("/console/reports").get_data(as_text=True)
    assert "<th scope=\"col\">Waiting</th>" in html and ("<strong>7 min</strong>" in html or "<strong>6 min</strong>" in html)


def test_resolving_a_crisis_alert_records_whether_it_was_real(client, console, people, moderator):
    alert_id = crisis_alert(console, people)
    page = console.get(f"/console/reports/{alert_id}")
    assert "Was this a real crisis?" in page.get_data(as_text=True)
    response = console.post(f"/console/reports/{alert_id}/resolve",
                            data={"csrf_token": csrf_of(page), "action": "dismiss", "real_crisis": "false"})
    assert response.status_code == 303
    report = client.get(f"{API}/moderation/reports/{alert_id}", headers=moderator.headers).json
    assert (report["real_crisis"], report["acknowledged_by"]) == (False, moderator.id)


def test_another_organisations_moderator_gets_a_not_found_page(client, people):
    from tests.api.test_organisations import add_moderator, create_org, join

    admin = people.make(roles=("admin",))
    theirs, ours = create_org(client, admin, "Theirs"), create_org(client, admin, "Ours")
    their_moderator, our_member = people.make(roles=("moderator",)), people.make()
    add_moderator(client, admin, theirs, their_moderator)
    join(client, admin, ours, our_member)
    alert_id = crisis_alert(client, people, author=our_member)
    sign_in(client, their_moderator)
    assert post_form(client, f"/console/reports/{alert_id}/acknowledge").status_code == 404

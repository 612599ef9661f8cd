"""Crisis alerts nobody acknowledges escalate, step by step, on run-scheduled's clock; once each, on any number of hosts."""
from __future__ import annotations

import pytest

from services.alerts import ESCALATED_NOTIFICATION
from services.scheduled import run_scheduled
from tests.alert_helpers import API, crisis_alert, go_on_call, inbox, later, read_alert
from tests.api.test_password_reset import Outbox
from tests.scheduled_helpers import run_on_two_hosts_at_once

LEAD = "safeguarding@trust.example.org"


def run(app, now) -> int:
    with app.app_context():
        return run_scheduled(now=now)["crisis_alert_escalations"]


def escalations(client, person) -> list[str]:
    return sorted(n["data"]["step"] for n in inbox(client, person, ESCALATED_NOTIFICATION))


@pytest.fixture
def outbox(app):
    from services import email

    app.config["SAFEGUARDING_LEAD_EMAIL"] = LEAD
    app.extensions[email.EXTENSION_KEY] = sent = Outbox()
    return sent


@pytest.fixture
def on_call(app, people):
    moderator = people.make(roles=("moderator",))
    go_on_call(app, moderator)
    return moderator


@pytest.fixture
def off_duty(people):
    return people.make(roles=("moderator",))


def test_an_alert_younger_than_the_interval_does_not_escalate(app, client, people, on_call, off_duty):
    crisis_alert(client, people)
    assert run(app, later(minutes=9)) == 0
    assert escalations(client, on_call) == []


def test_unacknowledged_it_escalates_to_on_call_then_every_moderator_then_the_lead(
        app, client, people, on_call, off_duty, outbox):
    alert_id = crisis_alert(client, people)
    assert run(app, later(minutes=10, seconds=5)) == 1
    assert (escalations(client, on_call), escalations(client, off_duty), outbox) == (["1"], [], [])
    assert run(app, later(minutes=20, seconds=5)) == 1
    assert (escalations(client, on_call), escalations(client, off_duty), outbox) == (["1", "2"], ["2"], [])
    assert run(app, later(minutes=30, seconds=5)) == 1
    [email] = outbox
    assert email.to == LEAD and alert_id in email.text
    recorded = read_alert(app, alert_id)
    assert recorded.escalation_level == 3
    assert [(s["step"], s["name"], s["notified"]) for s in recorded.escalations] == [
        (1, "on_call", 1), (2, "every_moderator", 2), (3, "safeguarding_lead", 1)]


def test_the_lead_is_told_which_alert_and_where_but_never_what_was_written(app, client, people, on_call, outbox):
    app.config["CONSOLE_URL"] = "https://peerless.example.org/"
    alert_id = crisis_alert(client, people)
    for minutes in (11, 21, 31):
        run(app, later(minutes=minutes))
    [email] = outbox
    assert f"https://peerless.example.org/console/reports/{alert_id}" in email.text
    assert "kill" not in email.text.lower() and "kill" not in email.subject.lower()


def test_each_step_is_taken_once_however_often_the_job_runs(app, client, people, on_call, off_duty, outbox):
    crisis_alert(client, people)
    for minutes in (11, 11, 12, 21, 22, 31, 45, 90, 600):
        run(app, later(minutes=minutes))
    assert (escalations(client, on_call), escalations(client, off_duty), len(outbox)) == (["1", "2"], ["2"], 1)


def test_a_late_runner_catches_up_one_step_per_run(app, client, people, on_call, outbox):
    crisis_alert(client, people)
    assert run(app, later(minutes=45)) == 1
    assert escalations(client, on_call) == ["1"] and outbox == []


def test_acknowledging_stops_the_escalation(app, client, people, on_call, off_duty, outbox):
    alert_id = crisis_alert(client, people)
    run(app, later(minutes=11))
    assert client.post(f"{API}/moderation/reports/{alert_id}/acknowledge", headers=off_duty.headers).status_code == 200
    for minutes in (21, 31, 60):
        assert run(app, later(minutes=minutes)) == 0
    assert (escalations(client, on_call), escalations(client, off_duty), outbox) == (["1"], [], [])


def test_resolving_stops_the_escalation(app, client, people, on_call, off_duty, outbox):
    alert_id = crisis_alert(client, people)
    client.post(f"{API}/moderation/reports/{alert_id}/resolve", json={"action": "dismiss"}, headers=on_call.headers)
    for minutes in (11, 21, 31):
        assert run(app, later(minutes=minutes)) == 0
    assert outbox == []


def test_with_nobody_on_call_the_first_step_reaches_every_moderator(app, client, people, off_duty):
    other = people.make(roles=("moderator",))
    crisis_alert(client, people)
    run(app, later(minutes=11))
    assert escalations(client, off_duty) == ["1"] and escalations(client, other) == ["1"]


def test_the_interval_is_configurable(make_app, client, people, on_call):
    quick = make_app(CRISIS_ESCALATE_MINUTES=2)
    crisis_alert(client, people)
    assert run(quick, later(minutes=2, seconds=5)) == 1
    assert escalations(client, on_call) == ["1"]


def test_without_a_safeguarding_lead_the_last_step_is_recorded_as_reaching_nobody(app, client, people, on_call):
    alert_id = crisis_alert(client, people)
    for minutes in (11, 21, 31):
        run(app, later(minutes=minutes))
    recorded = read_alert(app, alert_id)
    assert recorded.escalation_level == 3 and recorded.escalations[-1]["notified"] == 0


def test_a_lower_priority_concern_never_escalates(app, client, people, on_call):
    from models import Report, Severity, db

    author = people.make()
    with app.app_context():
        db.session.add(Report(source="concern_detector", target_type="message", target_id=author.id,
                              target_user_id=author.id, reason="risk_to_self", severity=Severity.NORMAL))
        db.session.commit()
    assert run(app, later(minutes=40)) == 0


def test_an_organisation_moderator_is_not_told_about_people_outside_it(app, client, people, on_call):
    from tests.api.test_organisations import add_moderator, create_org

    admin = people.make(roles=("admin",))
    outsider_moderator = people.make(roles=("moderator",))
    add_moderator(client, admin, create_org(client, admin), outsider_moderator)
    crisis_alert(client, people)
    run(app, later(minutes=11))
    run(app, later(minutes=21))
    assert escalations(client, outsider_moderator) == []
    assert "2" in escalations(client, admin)


def test_two_hosts_running_at_once_take_each_step_once(app, make_app, client, people, on_call, off_duty, monkeypatch):
    first, second = crisis_alert(client, people), crisis_alert(client, people)
    run_on_two_hosts_at_once(monkeypatch, [make_app(), make_app()], later(minutes=11))
    assert sorted(n["data"]["report_id"] for n in inbox(client, on_call, ESCALATED_NOTIFICATION)) == sorted([first, second])
    assert [len(read_alert(app, a).escalations) for a in (first, second)] == [1, 1]


def test_a_moderator_goes_on_call_through_their_settings(app, client, people, off_duty):
    volunteer = people.make(roles=("moderator",))
    response = client.patch(f"{API}/me", json={"settings": {"moderation": {"on_call": True}}}, headers=volunteer.headers)
    assert response.status_code == 200 and response.json["settings"]["moderation"] == {"on_call": True}
    crisis_alert(client, people)
    run(app, later(minutes=11))
    assert (escalations(client, volunteer), escalations(client, off_duty)) == (["1"], [])


def test_crisis_pushes_ring_through_a_moderators_quiet_hours_while_other_pushes_stay_silent(app, client, people, on_call):
    from sqlalchemy import select

    from models import Notification, PushOutbox, db

    all_day = {"start": "00:00", "end": "23:59"}
    assert client.patch(f"{API}/me", json={"settings": {"notifications": {"quiet_hours": all_day}}},
                        headers=on_call.headers).status_code == 200
    crisis_alert(client, people)
    run(app, later(minutes=11))
    with app.app_context():
        rows = db.session.execute(select(Notification.type, PushOutbox.silent).join(
            PushOutbox, PushOutbox.notification_id == Notification.id).where(PushOutbox.user_id == on_call.id)).all()
    assert sorted(rows) == [("crisis_alert", False), (ESCALATED_NOTIFICATION, False)]

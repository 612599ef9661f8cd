"""POST /moderation/reports/{id}/acknowledge: moderators in scope take on an alert; the first acknowledgement stands."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import AuditEntry, db
from tests.alert_helpers import API, crisis_alert, later, read_alert, set_alert
from tests.api.test_organisations import add_moderator, create_org, join
from tests.conftest import assert_problem


def acknowledge(client, person, alert_id):
    return client.post(f"{API}/moderation/reports/{alert_id}/acknowledge", headers=person.headers)


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


def test_a_moderator_acknowledges_an_alert_and_is_named_with_the_time(client, people, moderator):
    alert_id = crisis_alert(client, people)
    response = acknowledge(client, moderator, alert_id)
    assert response.status_code == 200
    assert response.json["acknowledged_by"] == moderator.id and response.json["acknowledged_at"].endswith("Z")
    [queued] = client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"]
    assert (queued["acknowledged_by"], queued["acknowledged_at"]) == (moderator.id, response.json["acknowledged_at"])


def test_a_second_acknowledgement_keeps_the_first_time_and_person(client, people, moderator):
    colleague = people.make(roles=("moderator",))
    alert_id = crisis_alert(client, people)
    first = acknowledge(client, moderator, alert_id).json
    again = acknowledge(client, colleague, alert_id)
    assert again.status_code == 200 and again.json == first


def test_the_acknowledgement_is_in_the_audit_log_once(app, client, people, moderator):
    alert_id = crisis_alert(client, people)
    acknowledge(client, moderator, alert_id)
    acknowledge(client, moderator, alert_id)
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "report.acknowledge")))
    assert actions == [moderator.id]


def test_a_member_cannot_acknowledge(client, people):
    alert_id = crisis_alert(client, people)
    assert_problem(acknowledge(client, people.make(), alert_id), 403, "permission_denied")


def test_a_moderator_of_another_organisation_gets_a_404_as_if_it_did_not_exist(app, client, people):
    admin = people.make(roles=("admin",))
    theirs, ours = create_org(client, admin, "Theirs"), create_org(client, admin, "Ours")
    their_moderator = people.make(roles=("moderator",))
    add_moderator(client, admin, theirs, their_moderator)
    our_member = people.make()
    join(client, admin, ours, our_member)
    alert_id = crisis_alert(client, people, author=our_member)
    assert_problem(acknowledge(client, their_moderator, alert_id), 404, "not_found")
    assert read_alert(app, alert_id).acknowledged_at is None


def test_the_programmes_own_moderator_may_acknowledge(client, people):
    admin = people.make(roles=("admin",))
    ours = create_org(client, admin)
    our_moderator, our_member = people.make(roles=("moderator",)), people.make()
    add_moderator(client, admin, ours, our_moderator)
    join(client, admin, ours, our_member)
    alert_id = crisis_alert(client, people, author=our_member)
    assert acknowledge(client, our_moderator, alert_id).status_code == 200


def test_an_unknown_alert_is_a_404(client, moderator):
    assert_problem(acknowledge(client, moderator, "00000000-0000-4000-8000-000000000000"), 404, "not_found")


def test_acknowledging_needs_a_token(client, people):
    alert_id = crisis_alert(client, people)
    assert client.post(f"{API}/moderation/reports/{alert_id}/acknowledge").status_code == 401


def test_resolving_acknowledges_and_records_the_moderators_label(app, client, people, moderator):
    alert_id = crisis_alert(client, people)
    response = client.post(f"{API}/moderation/reports/{alert_id}/resolve", headers=moderator.headers,
                           json={"action": "dismiss", "real_crisis": False})
    assert response.status_code == 200
    assert (response.json["real_crisis"], response.json["acknowledged_by"]) == (False, moderator.id)
    assert acknowledge(client, moderator, alert_id).json["acknowledged_at"] == response.json["acknowledged_at"]


def test_a_resolution_without_a_label_still_works_as_before(client, people, moderator):
    alert_id = crisis_alert(client, people)
    response = client.post(f"{API}/moderation/reports/{alert_id}/resolve", headers=moderator.headers,
                           json={"action": "dismiss"})
    assert response.status_code == 200 and response.json["real_crisis"] is None


def test_a_label_that_is_not_a_boolean_is_a_422_and_resolves_nothing(app, client, people, moderator):
    alert_id = crisis_alert(client, people)
    response = client.post(f"{API}/moderation/reports/{alert_id}/resolve", headers=moderator.headers,
                           json={"action": "dismiss", "real_crisis": "perhaps"})
    assert_problem(response, 422)
    assert read_alert(app, alert_id).status == "open"


def test_a_resolved_report_that_was_never_acknowledged_cannot_be_acknowledged_later(app, client, people, moderator):
    alert_id = crisis_alert(client, people)
    set_alert(app, alert_id, status="resolved")  # resolved before acknowledgements existed
    assert_problem(acknowledge(client, moderator, alert_id), 409, "conflict")


def test_the_report_shows_how_it_escalated(app, client, people, moderator):
    from tests.alert_helpers import later
    from services.scheduled import run_scheduled

    alert_id = crisis_alert(client, people)
    with app.app_context():
        run_scheduled(now=later(minutes=11))
    detail = client.get(f"{API}/moderation/reports/{alert_id}", headers=moderator.headers).json
    assert detail["escalation_level"] == 1 and [s["name"] for s in detail["escalations"]] == ["on_call"]


# Time to acknowledge, in outcomes

def alerts_acknowledged_after(app, client, people, minutes: list[int | None], start) -> list[str]:
    from datetime import timedelta

    ids = []
    for wait in minutes:
        alert_id = crisis_alert(client, people)
        set_alert(app, alert_id, created_at=start,
                  acknowledged_at=None if wait is None else start + timedelta(minutes=wait))
        ids.append(alert_id)
    return ids


def response_times(client, person, **query):
    return client.get(f"{API}/moderation/outcomes/alert-response", query_string=query, headers=person.headers)


def test_time_to_acknowledge_median_and_90th_percentile_per_month(make_app, people):
    from datetime import datetime, timezone

    app = make_app(OUTCOMES_MIN_CELL=3)
    client = app.test_client()
    moderator = people.make(roles=("moderator",))
    november = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)
    alerts_acknowledged_after(app, client, people, [2, 4, 6, 8, 30, None], november)
    body = response_times(client, moderator).json
    [period] = body["periods"]
    assert period["period_start"].startswith("2026-11-01T00:00:00")
    assert (period["alerts"], period["acknowledged"], period["median_minutes"], period["p90_minutes"]) == (6, 5, 6.0, 30.0)
    assert body["min_cell"] == 3 and body["period"] == "month"


def test_a_period_about_fewer_people_than_the_minimum_cell_is_withheld_whole(make_app, people):
    from datetime import datetime, timezone

    app = make_app(OUTCOMES_MIN_CELL=3)
    client = app.test_client()
    moderator = people.make(roles=("moderator",))
    alerts_acknowledged_after(app, client, people, [3, 5], datetime(2026, 10, 5, tzinfo=timezone.utc))
    [period] = response_times(client, moderator, period="week").json["periods"]
    assert period == {"period_start": "2026-10-05T00:00:00Z", "suppressed": True, "alerts": None,
                      "acknowledged": None, "median_minutes": None, "p90_minutes": None}


def test_time_to_acknowledge_is_for_staff_only_and_a_bad_period_is_a_422(client, people):
    assert_problem(response_times(client, people.make()), 403, "permission_denied")
    assert_problem(response_times(client, people.make(roles=("moderator",)), period="year"), 422)


def test_an_organisation_moderator_counts_only_their_members_alerts(make_app, people):
    app = make_app(OUTCOMES_MIN_CELL=1)
    client = app.test_client()
    admin = people.make(roles=("admin",))
    ours = create_org(client, admin)
    our_moderator, our_member = people.make(roles=("moderator",)), people.make()
    add_moderator(client, admin, ours, our_moderator)
    join(client, admin, ours, our_member)
    ended_month = (datetime.now(timezone.utc).replace(day=1) - timedelta(days=1)).replace(day=2)
    for alert_id in (crisis_alert(client, people, author=our_member), crisis_alert(client, people)):  # ours, an outsider
        set_alert(app, alert_id, created_at=ended_month)  # figures cover ended periods only
    [period] = response_times(client, our_moderator).json["periods"]
    assert period["alerts"] == 1
    [everyone] = response_times(client, admin).json["periods"]
    assert everyone["alerts"] == 2



def test_of_two_moderators_acknowledging_at_once_the_first_to_write_is_kept(app, client, people, moderator):
    from sqlalchemy import update

    from models import Report, User
    from services import alerts

    colleague = people.make(roles=("moderator",))
    alert_id = crisis_alert(client, people)
    with app.app_context():
        ours = db.session.get(Report, alert_id)  # our read: nobody has acknowledged it yet
        # ...and the colleague's acknowledgement lands before our write (same transaction here: SQLite
        # has one writer, so a second connection would wait for us rather than race).
        table = Report.__table__  # on the connection: the object we read stays as we read it
        db.session.connection().execute(update(table).where(table.c.id == alert_id).values(
            acknowledged_at=later(seconds=-1), acknowledged_by=colleague.id))
        kept = alerts.acknowledge(db.session.get(User, moderator.id), alert_id)
        assert kept is ours and kept.acknowledged_by == colleague.id
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.acknowledge")).all() == []

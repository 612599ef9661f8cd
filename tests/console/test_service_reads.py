"""The small reads added to services for the console's dashboard and pages."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import MentorProfile, OutboxStatus, PushOutbox, User, db, utcnow
from services import conditions, groups, mentors, moderation, push_worker
from services.errors import PermissionDeniedError
from tests.console.helpers import API, reported_message
from tests.mentoring_helpers import apply_to_mentor, make_mentor


def user(person) -> User:
    return db.session.get(User, person.id)


def test_open_report_counts_cover_every_severity_and_only_open_reports(app, client, people):
    _, reader, _, message, report_id = reported_message(client, people)
    client.post(f"{API}/reports", json={"target_type": "message", "target_id": message["id"],
                                        "reason": "risk_to_self"}, headers=reader.headers)
    moderator = people.make(roles=("moderator",))
    with app.app_context():
        assert moderation.open_report_counts(user(moderator)) == {3: 1, 2: 1, 1: 0}
        moderation.resolve(user(moderator), report_id, action="dismiss")
        assert moderation.open_report_counts(user(moderator)) == {3: 1, 2: 0, 1: 0}
        with pytest.raises(PermissionDeniedError):
            moderation.open_report_counts(user(reader))


def test_display_names_are_for_staff(app, client, people):
    a, b = people.make(display_name="Ann"), people.make(display_name="Bea")
    moderator = people.make(roles=("moderator",))
    with app.app_context():
        assert moderation.display_names(user(moderator), {a.id, b.id}) == {a.id: "Ann", b.id: "Bea"}
        assert moderation.display_names(user(moderator), set()) == {}
        with pytest.raises(PermissionDeniedError):
            moderation.display_names(user(a), {b.id})


def test_pending_applications_are_counted(app, client, people):
    moderator = people.make(roles=("moderator",))
    for _ in range(2):
        assert apply_to_mentor(client, people.make()).status_code == 201
    with app.app_context():
        assert mentors.count_applications(user(moderator)) == 2
        assert mentors.count_applications(user(moderator), status="approved") == 0


def test_expiring_accreditations_are_those_ending_within_the_window_or_ended(app, client, people):
    moderator = people.make(roles=("moderator",))
    soon, later, ended = (make_mentor(client, people, moderator=moderator) for _ in range(3))
    with app.app_context():
        for mentor, days in ((soon, 10), (later, 200), (ended, -3)):
            db.session.get(MentorProfile, mentor.id).accredited_until = utcnow() + timedelta(days=days)
        db.session.commit()
        staff = user(moderator)
        assert [p.user_id for p in mentors.expiring_accreditations(staff)] == [ended.id, soon.id]
        assert [p.user_id for p in mentors.expiring_accreditations(staff, within_days=365)] == [
            ended.id, soon.id, later.id]
        with pytest.raises(PermissionDeniedError):
            mentors.expiring_accreditations(user(soon))


def test_dead_letters_are_counted(app, client, people):
    person = people.make()
    with app.app_context():
        assert push_worker.dead_letter_count() == 0
        from services import notifications

        notification = notifications.notify(user(person), "moderation_warning", {})
        db.session.flush()
        db.session.add(PushOutbox(user_id=person.id, notification_id=notification.id, status=OutboxStatus.DEAD,
                                  finished_at=utcnow()))
        db.session.commit()
        assert push_worker.dead_letter_count() == 1


def test_circle_members_are_listed_hosts_first_for_hosts_and_moderators_only(app, client, people):
    moderator = people.make(roles=("moderator",))
    member, outsider = people.make(display_name="Member"), people.make()
    circle = client.post(f"{API}/groups", json={"name": "Morning walkers", "visibility": "public"},
                         headers=moderator.headers).json
    assert client.post(f"{API}/groups/{circle['id']}/join", headers=member.headers).status_code == 200
    with app.app_context():
        listed = groups.list_members(user(moderator), circle["id"])
        assert [(m.user_id, m.status, m.role) for m in listed] == [
            (moderator.id, "member", "host"), (member.id, "member", "member")]
        assert listed[1].display_name == "Member"
        with pytest.raises(PermissionDeniedError):
            groups.list_members(user(outsider), circle["id"])


def test_condition_names_by_id(app, client):
    items = client.get(f"{API}/conditions", query_string={"q": "diabetes"}).json["items"][:2]
    with app.app_context():
        assert conditions.names_of({i["id"] for i in items}) == {i["id"]: i["name"] for i in items}
        assert conditions.names_of(set()) == {}


def test_an_organisation_moderator_counts_only_what_their_queue_and_lists_show(app, client, people):
    from tests.api.test_organisations import add_moderator, create_org, join

    admin = people.make(roles=("admin",))
    org = create_org(client, admin)
    org_moderator = people.make(roles=("moderator",))
    assert add_moderator(client, admin, org, org_moderator).status_code == 200
    reported_message(client, people)  # outside the organisation
    insider = people.make()
    join(client, admin, org, insider)
    assert apply_to_mentor(client, insider).status_code == 201
    assert apply_to_mentor(client, people.make()).status_code == 201
    with app.app_context():
        scoped, everyone = user(org_moderator), user(admin)
        assert moderation.open_report_counts(scoped) == {3: 0, 2: 0, 1: 0}
        assert moderation.open_report_counts(everyone)[2] == 1
        assert (mentors.count_applications(scoped), mentors.count_applications(everyone)) == (1, 2)

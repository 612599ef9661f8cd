"""Staff rights on circles follow the one scope rule (services/policy.py, C3-C5).

Written as the attacker: a moderator of one organisation (Northside) going after a circle of people
from another (Southside), through the API and through the console. A circle is in an organisation
moderator's scope only when its creator and everyone in it belong to organisations they moderate.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEntry, User, db
from services import groups
from tests.api.test_groups import join, make_mentor, say, start_circle
from tests.api.test_organisations import add_moderator, create_org
from tests.api.test_organisations import join as join_org
from tests.conftest import assert_problem
from tests.console.helpers import post_form, sign_in

API = "/api/v1"


@pytest.fixture
def admin(people):
    return people.make(roles=("admin",))


@pytest.fixture
def north(client, admin):
    return create_org(client, admin, name="Northside NHS Trust")


@pytest.fixture
def south(client, admin):
    return create_org(client, admin, name="Southside Charity", kind="charity")


def moderator_of(client, people, admin, org):
    moderator = people.make(roles=("moderator",))
    assert add_moderator(client, admin, org, moderator).status_code == 200
    return moderator


@pytest.fixture
def north_moderator(client, people, admin, north):
    return moderator_of(client, people, admin, north)


@pytest.fixture
def south_moderator(client, people, admin, south):
    return moderator_of(client, people, admin, south)


@pytest.fixture
def network_moderator(people):
    return people.make(roles=("moderator",))


@pytest.fixture
def southerners(app, client, people, south, south_moderator):
    """A Southside mentor hosting a private circle with a Southside member, who has said something there."""
    host = make_mentor(app, people, client)
    member = people.make(display_name="Sam Southside")
    for person in (host, member):
        join_org(client, south_moderator, south, person)
    circle = start_circle(client, host, name="Living with HIV", visibility="private")
    invited = client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": member.id}, headers=host.headers)
    assert invited.status_code == 201
    assert join(client, member, circle["id"]).json["membership"] == "member"
    assert say(client, member, circle["conversation_id"], "my viral load came back").status_code == 201
    return host, member, circle


def audit_actions(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- a moderator of another organisation, through the API --------------------------------------

def test_a_moderator_of_another_organisation_does_not_see_a_private_circle(client, north_moderator, southerners):
    _, _, circle = southerners
    listed = client.get(f"{API}/groups", headers=north_moderator.headers).json["items"]
    assert circle["id"] not in {g["id"] for g in listed}
    assert_problem(client.get(f"{API}/groups/{circle['id']}", headers=north_moderator.headers), 404)


def test_a_moderator_of_another_organisation_cannot_invite_themselves_or_join(client, north_moderator, southerners):
    _, _, circle = southerners
    invite = client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": north_moderator.id},
                         headers=north_moderator.headers)
    assert_problem(invite, 404)
    assert_problem(join(client, north_moderator, circle["id"]), 404)
    assert_problem(client.post(f"{API}/groups/{circle['id']}/members/{north_moderator.id}/approve",
                               headers=north_moderator.headers), 404)


def test_a_moderator_of_another_organisation_cannot_read_the_history(client, north_moderator, southerners):
    _, _, circle = southerners
    client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": north_moderator.id},
                headers=north_moderator.headers)
    join(client, north_moderator, circle["id"])
    messages = client.get(f"{API}/conversations/{circle['conversation_id']}/messages", headers=north_moderator.headers)
    assert_problem(messages, 404)
    assert_problem(client.get(f"{API}/conversations/{circle['conversation_id']}", headers=north_moderator.headers), 404)


def test_a_moderator_of_another_organisation_cannot_remove_the_host_or_a_member(client, north_moderator, southerners):
    host, member, circle = southerners
    for person in (host, member):
        assert_problem(client.delete(f"{API}/groups/{circle['id']}/members/{person.id}",
                                     headers=north_moderator.headers), 404)
    assert client.get(f"{API}/groups/{circle['id']}", headers=host.headers).json["member_count"] == 2


def test_a_moderator_of_another_organisation_cannot_report_their_way_to_a_private_circle(
        client, north_moderator, southerners):
    _, _, circle = southerners
    response = client.post(f"{API}/reports", json={"target_type": "group", "target_id": circle["id"],
                                                    "reason": "spam"}, headers=north_moderator.headers)
    assert_problem(response, 404)


def test_one_outsider_takes_a_circle_out_of_an_organisation_moderators_hands(
        app, client, people, north_moderator, south_moderator, southerners):
    """Someone from outside Southside asking to join is enough: the Southside moderator no longer manages it."""
    host, member, circle = southerners
    outsider = people.make()
    assert client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": outsider.id},
                       headers=host.headers).status_code == 201
    assert_problem(client.get(f"{API}/groups/{circle['id']}", headers=south_moderator.headers), 404)
    assert_problem(client.delete(f"{API}/groups/{circle['id']}/members/{member.id}",
                                 headers=south_moderator.headers), 404)


def test_a_public_circle_with_an_outsider_is_seen_but_not_managed(client, people, north_moderator, southerners, app):
    host, member, _ = southerners
    walkers = start_circle(client, host, name="Evening walkers", visibility="public")
    assert join(client, member, walkers["id"]).status_code == 200
    assert client.get(f"{API}/groups/{walkers['id']}", headers=north_moderator.headers).status_code == 200
    assert_problem(client.delete(f"{API}/groups/{walkers['id']}/members/{host.id}",
                                 headers=north_moderator.headers), 403)


# --- the moderator of the same organisation, and network-wide moderators -------------------------

def test_the_moderator_of_their_organisation_manages_the_circle(client, south_moderator, southerners):
    host, member, circle = southerners
    assert client.get(f"{API}/groups/{circle['id']}", headers=south_moderator.headers).status_code == 200
    assert client.delete(f"{API}/groups/{circle['id']}/members/{host.id}",
                         headers=south_moderator.headers).status_code == 204


def test_staff_do_not_invite_or_let_in_themselves(client, south_moderator, network_moderator, southerners):
    _, _, circle = southerners
    for staff in (south_moderator, network_moderator):
        invite = client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": staff.id},
                             headers=staff.headers)
        assert_problem(invite, 403)
        assert join(client, staff, circle["id"]).json["membership"] == "requested"
        assert_problem(client.post(f"{API}/groups/{circle['id']}/members/{staff.id}/approve",
                                   headers=staff.headers), 403)
        assert_problem(client.get(f"{API}/conversations/{circle['conversation_id']}/messages",
                                  headers=staff.headers), 404)


def test_an_organisation_moderator_invites_only_people_in_their_scope(client, people, south_moderator, southerners):
    _, _, circle = southerners
    outsider = people.make()
    invite = client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": outsider.id},
                         headers=south_moderator.headers)
    assert_problem(invite, 403)


def test_a_network_moderator_manages_every_circle(client, network_moderator, southerners):
    host, _, circle = southerners
    listed = client.get(f"{API}/groups", headers=network_moderator.headers).json["items"]
    assert circle["id"] in {g["id"] for g in listed}
    assert client.delete(f"{API}/groups/{circle['id']}/members/{host.id}",
                         headers=network_moderator.headers).status_code == 204


# --- the console ----------------------------------------------------------------------------------

def test_the_console_hides_another_organisations_circle(client, north_moderator, southerners):
    host, _, circle = southerners
    assert sign_in(client, north_moderator).status_code == 303
    assert "Living with HIV" not in client.get("/console/circles").get_data(as_text=True)
    page = client.get(f"/console/circles/{circle['id']}")
    assert page.status_code == 404 and "Sam Southside" not in page.get_data(as_text=True)
    removed = post_form(client, f"/console/circles/{circle['id']}/members/{host.id}/remove")
    assert removed.status_code == 404
    assert client.get(f"{API}/groups/{circle['id']}", headers=host.headers).json["member_count"] == 2


def test_the_console_shows_a_mixed_public_circle_without_its_members(client, north_moderator, southerners):
    host, member, _ = southerners
    walkers = start_circle(client, host, name="Evening walkers", visibility="public")
    join(client, member, walkers["id"])
    assert sign_in(client, north_moderator).status_code == 303
    page = client.get(f"/console/circles/{walkers['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Evening walkers" in text and "Sam Southside" not in text and host.email not in text


def test_a_staff_read_of_a_circles_members_is_audited(app, client, south_moderator, southerners):
    _, _, circle = southerners
    assert sign_in(client, south_moderator).status_code == 303
    page = client.get(f"/console/circles/{circle['id']}")
    assert page.status_code == 200 and "Sam Southside" in page.get_data(as_text=True)
    [entry] = audit_actions(app, "circle.members_read")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (south_moderator.id, "group", circle["id"])


def test_a_host_reading_their_own_circles_members_is_not_a_staff_read(app, client, southerners):
    host, _, circle = southerners
    with app.app_context():
        assert len(groups.list_members(db.session.get(User, host.id), circle["id"])) == 2
    assert audit_actions(app, "circle.members_read") == []


# --- reports --------------------------------------------------------------------------------------

def test_a_report_by_their_member_shows_an_organisation_moderator_only_what_their_people_wrote(
        app, client, people, north, north_moderator, southerners):
    """R3: a Northside member's report in a mixed circle does not show Northside's moderator what Southsiders said."""
    host, member, _ = southerners
    northerner = people.make()
    join_org(client, north_moderator, north, northerner)
    walkers = start_circle(client, host, name="Evening walkers", visibility="public")
    for person in (member, northerner):
        assert join(client, person, walkers["id"]).status_code == 200
    say(client, member, walkers["conversation_id"], "my CD4 count dropped again")
    say(client, northerner, walkers["conversation_id"], "sorry to hear that")
    reported = say(client, host, walkers["conversation_id"], "stop moaning, both of you").json
    report = client.post(f"{API}/reports", json={"target_type": "message", "target_id": reported["id"],
                                                  "reason": "harassment"}, headers=northerner.headers).json
    read = client.get(f"{API}/moderation/reports/{report['id']}", headers=north_moderator.headers)
    assert read.status_code == 200
    bodies = [m["body"] for m in read.json["context"]]
    assert bodies == ["sorry to hear that", "stop moaning, both of you"]
    assert [e.target_id for e in audit_actions(app, "report.read")] == [report["id"]]


def test_a_network_moderator_reads_the_whole_context_of_a_report(app, client, people, network_moderator, southerners):
    host, member, circle = southerners
    reported = say(client, host, circle["conversation_id"], "nobody cares").json
    report = client.post(f"{API}/reports", json={"target_type": "message", "target_id": reported["id"],
                                                  "reason": "harassment"}, headers=member.headers).json
    read = client.get(f"{API}/moderation/reports/{report['id']}", headers=network_moderator.headers)
    assert [m["body"] for m in read.json["context"]] == ["my viral load came back", "nobody cares"]

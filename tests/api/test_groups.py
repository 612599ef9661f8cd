"""Peer circles: started by mentors and moderators, public or private, capped, each with a group conversation."""
from __future__ import annotations

import uuid

import pytest

from models import MentorProfile, Notification, User, db
from services.mentors import _make_mentor
from tests.conftest import assert_problem

API = "/api/v1"


# --- helpers (also used by test_support_requests.py) -------------------------------------------

def condition_id(client, slug: str, q: str) -> str:
    """A real condition id, found the way the app finds it: by searching the taxonomy."""
    items = client.get(f"{API}/conditions", query_string={"q": q, "limit": 100}).json["items"]
    return next(c["id"] for c in items if c["slug"] == slug)


def live_with(client, person, *condition_ids: str, visibility: str = "matches") -> None:
    response = client.put(f"{API}/me/conditions", headers=person.headers,
                          json=[{"condition_id": cid, "visibility": visibility} for cid in condition_ids])
    assert response.status_code == 200, response.json


def make_mentor(app, people, client, *condition_ids: str, support_types: list[str] | None = None):
    """An approved, accredited mentor (what a moderator's approval makes), living with these conditions."""
    person = people.make()
    with app.app_context():
        _make_mentor(db.session.get(User, person.id))
        db.session.commit()
        if support_types:
            db.session.get(MentorProfile, person.id).support_types = support_types
            db.session.commit()
    if condition_ids:
        live_with(client, person, *condition_ids)
    return person


def start_circle(client, host, **body):
    response = client.post(f"{API}/groups", json={"name": "Morning walkers", "visibility": "public"} | body,
                           headers=host.headers)
    assert response.status_code == 201, response.json
    return response.json


def join(client, person, group_id):
    return client.post(f"{API}/groups/{group_id}/join", headers=person.headers)


def leave(client, person, group_id):
    return client.post(f"{API}/groups/{group_id}/leave", headers=person.headers)


def listed(client, person, **query) -> dict[str, dict]:
    response = client.get(f"{API}/groups", query_string=query, headers=person.headers)
    assert response.status_code == 200, response.json
    return {g["id"]: g for g in response.json["items"]}


def say(client, person, conversation_id, body="hello, circle"):
    return client.post(f"{API}/conversations/{conversation_id}/messages",
                       json={"client_msg_id": str(uuid.uuid4()), "body": body}, headers=person.headers)


def inbox_types(app, person) -> list[str]:
    with app.app_context():
        return [n.type for n in db.session.scalars(db.select(Notification).where(Notification.user_id == person.id))]


@pytest.fixture
def t1d(client) -> str:
    return condition_id(client, "type-1-diabetes", "type 1 diabetes")


@pytest.fixture
def t2d(client) -> str:
    return condition_id(client, "type-2-diabetes", "type 2 diabetes")


@pytest.fixture
def asthma(client) -> str:
    return condition_id(client, "asthma", "asthma")


@pytest.fixture
def host(app, people, client):
    return make_mentor(app, people, client)


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


# --- starting a circle -------------------------------------------------------------------------

def test_a_mentor_starts_a_circle_and_hosts_it(client, host, t1d):
    circle = start_circle(client, host, name="T1D parents", description="Evenings, mostly", condition_id=t1d)
    assert circle["name"] == "T1D parents" and circle["description"] == "Evenings, mostly"
    assert (circle["condition_id"], circle["visibility"]) == (t1d, "public")
    assert (circle["member_count"], circle["max_members"]) == (1, 12)
    assert (circle["membership"], circle["role"]) == ("member", "host")
    conversation = client.get(f"{API}/conversations/{circle['conversation_id']}", headers=host.headers).json
    assert (conversation["kind"], conversation["title"]) == ("group", "T1D parents")
    assert [m["id"] for m in conversation["members"]] == [host.id]


def test_a_moderator_starts_a_circle(client, moderator):
    assert start_circle(client, moderator, visibility="private", max_members=2)["role"] == "host"


def test_people_who_are_not_mentors_or_moderators_cannot_start_a_circle(client, people):
    person = people.make()
    response = client.post(f"{API}/groups", json={"name": "Mine", "visibility": "public"}, headers=person.headers)
    assert_problem(response, 403, "permission_denied")


def test_a_mentor_whose_accreditation_expired_cannot_start_a_circle(app, client, host):
    with app.app_context():
        profile = db.session.get(MentorProfile, host.id)
        profile.accredited_until = profile.accredited_until.replace(year=2000)
        db.session.commit()
    response = client.post(f"{API}/groups", json={"name": "Mine", "visibility": "public"}, headers=host.headers)
    assert_problem(response, 403)


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 81}, "name"), ({"name": "two\nlines"}, "name"),
    ({"visibility": "secret"}, "visibility"), ({"max_members": 1}, "max_members"), ({"max_members": 51}, "max_members"),
    ({"condition_id": "not-an-id"}, "condition_id"), ({"condition_id": str(uuid.uuid4())}, "condition_id"),
    ({"colour": "blue"}, "colour"),
])
def test_a_circle_needs_valid_fields(client, host, body, field):
    response = client.post(f"{API}/groups", json={"name": "Walkers", "visibility": "public"} | body,
                           headers=host.headers)
    assert field in assert_problem(response, 422)["errors"]


def test_visibility_is_required(client, host):
    response = client.post(f"{API}/groups", json={"name": "Walkers"}, headers=host.headers)
    assert "visibility" in assert_problem(response, 422)["errors"]


# --- listing -----------------------------------------------------------------------------------

def test_everyone_sees_public_circles_but_only_members_get_the_conversation(client, people, host):
    circle = start_circle(client, host)
    seen = listed(client, people.make())[circle["id"]]
    assert seen["conversation_id"] is None and seen["membership"] is None and seen["role"] is None
    assert seen["member_count"] == 1


def test_strangers_do_not_see_private_circles(client, people, host):
    circle = start_circle(client, host, visibility="private")
    assert circle["id"] not in listed(client, people.make())


def test_invited_people_see_a_private_circle(client, people, host):
    circle, guest = start_circle(client, host, visibility="private"), people.make()
    client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": guest.id}, headers=host.headers)
    seen = listed(client, guest)[circle["id"]]
    assert seen["membership"] == "invited" and seen["conversation_id"] is None


def test_people_with_the_condition_or_one_in_its_group_see_a_private_circle(client, people, host, t1d, t2d, asthma):
    circle = start_circle(client, host, visibility="private", condition_id=t1d)
    same, kin, other = people.make(), people.make(), people.make()
    live_with(client, same, t1d)
    live_with(client, kin, t2d, visibility="private")
    live_with(client, other, asthma)
    assert circle["id"] in listed(client, same) and circle["id"] in listed(client, kin)
    assert circle["id"] not in listed(client, other)


def test_network_wide_moderators_see_every_circle(client, host, moderator):
    """A moderator of no organisation; organisation moderators: tests/api/test_staff_scope.py."""
    circle = start_circle(client, host, visibility="private")
    assert circle["id"] in listed(client, moderator)


def test_circles_filter_by_condition_and_by_name_ignoring_case(client, people, host, t1d, asthma):
    walkers = start_circle(client, host, name="Morning Walkers", condition_id=t1d)
    breathers = start_circle(client, host, name="Breathe easy", condition_id=asthma)
    viewer = people.make()
    assert set(listed(client, viewer, condition_id=t1d)) == {walkers["id"]}
    assert set(listed(client, viewer, q="WALK")) == {walkers["id"]}
    assert set(listed(client, viewer, q="easy", condition_id=asthma)) == {breathers["id"]}
    assert listed(client, viewer, q="100%") == {}


def test_circles_come_in_pages(client, people, host):
    ids = {start_circle(client, host, name=f"Circle {n}")["id"] for n in range(3)}
    viewer, seen, cursor = people.make(), [], None
    while True:
        page = client.get(f"{API}/groups", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=viewer.headers).json
        seen += [g["id"] for g in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 3 and set(seen) == ids


def test_a_forged_cursor_is_a_400(client, host):
    assert_problem(client.get(f"{API}/groups", query_string={"cursor": "forged"}, headers=host.headers), 400)


def test_listing_needs_a_token(client):
    assert_problem(client.get(f"{API}/groups"), 401)


# --- joining and leaving -----------------------------------------------------------------------

def test_joining_a_public_circle_opens_its_conversation(client, people, host):
    circle, ada = start_circle(client, host), people.make()
    response = join(client, ada, circle["id"])
    assert response.status_code == 200
    assert (response.json["membership"], response.json["role"]) == ("member", "member")
    assert response.json["conversation_id"] == circle["conversation_id"] and response.json["member_count"] == 2
    assert say(client, ada, circle["conversation_id"]).status_code == 201
    conversations = client.get(f"{API}/conversations", headers=ada.headers).json["items"]
    assert [c["id"] for c in conversations] == [circle["conversation_id"]]
    assert {m["id"] for m in conversations[0]["members"]} == {host.id, ada.id}


def test_a_new_member_has_nothing_unread_from_before_they_joined(client, people, host):
    circle, ada = start_circle(client, host), people.make()
    say(client, host, circle["conversation_id"])
    join(client, ada, circle["id"])
    conversation = client.get(f"{API}/conversations/{circle['conversation_id']}", headers=ada.headers).json
    assert conversation["unread_count"] == 0


def test_members_hear_each_others_messages(app, client, people, host):
    circle, ada = start_circle(client, host), people.make()
    join(client, ada, circle["id"])
    say(client, host, circle["conversation_id"])
    assert "message" in inbox_types(app, ada)


def test_joining_twice_changes_nothing(client, people, host):
    circle, ada = start_circle(client, host), people.make()
    join(client, ada, circle["id"])
    again = join(client, ada, circle["id"])
    assert again.status_code == 200 and again.json["member_count"] == 2


def test_a_full_circle_refuses_another_member(client, people, host):
    circle = start_circle(client, host, max_members=2)
    assert join(client, people.make(), circle["id"]).status_code == 200
    assert_problem(join(client, people.make(), circle["id"]), 409, "conflict")
    assert listed(client, host)[circle["id"]]["member_count"] == 2


def test_leaving_removes_access_to_the_conversation(client, people, host):
    circle, ada = start_circle(client, host), people.make()
    join(client, ada, circle["id"])
    response = leave(client, ada, circle["id"])
    assert response.status_code == 200
    assert response.json["membership"] is None and response.json["conversation_id"] is None
    assert response.json["member_count"] == 1
    assert_problem(say(client, ada, circle["conversation_id"]), 404)
    assert_problem(client.get(f"{API}/conversations/{circle['conversation_id']}", headers=ada.headers), 404)
    assert_problem(client.get(f"{API}/conversations/{circle['conversation_id']}/messages", headers=ada.headers), 404)
    assert client.get(f"{API}/conversations", headers=ada.headers).json["items"] == []
    members = client.get(f"{API}/conversations/{circle['conversation_id']}", headers=host.headers).json["members"]
    assert [m["id"] for m in members] == [host.id]


def test_leaving_frees_a_place_and_rejoining_works(client, people, host):
    circle, ada, bea = start_circle(client, host, max_members=2), people.make(), people.make()
    join(client, ada, circle["id"])
    leave(client, ada, circle["id"])
    assert join(client, bea, circle["id"]).status_code == 200
    leave(client, bea, circle["id"])
    assert join(client, ada, circle["id"]).json["member_count"] == 2
    assert say(client, ada, circle["conversation_id"]).status_code == 201


def test_leaving_a_circle_you_are_not_in_is_a_conflict(client, people, host):
    circle = start_circle(client, host)
    assert_problem(leave(client, people.make(), circle["id"]), 409, "conflict")


def test_joining_and_leaving_reach_sync(client, people, host):
    circle, ada = start_circle(client, host), people.make()
    ada_since = client.get(f"{API}/sync", headers=ada.headers).json["next_since"]
    host_since = client.get(f"{API}/sync", headers=host.headers).json["next_since"]
    join(client, ada, circle["id"])
    for person, since in ((ada, ada_since), (host, host_since)):
        changed = client.get(f"{API}/sync", query_string={"since": since}, headers=person.headers).json
        assert circle["conversation_id"] in [c["id"] for c in changed["conversations"]]
    host_since = client.get(f"{API}/sync", headers=host.headers).json["next_since"]
    leave(client, ada, circle["id"])
    changed = client.get(f"{API}/sync", query_string={"since": host_since}, headers=host.headers).json
    assert [m["id"] for m in changed["conversations"][0]["members"]] == [host.id]


# --- private circles: invitations and requests -------------------------------------------------

def test_an_invited_person_joins_a_private_circle(app, client, people, host):
    circle, guest = start_circle(client, host, visibility="private"), people.make()
    invited = client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": guest.id}, headers=host.headers)
    assert invited.status_code == 201 and invited.json["status"] == "invited"
    assert "group_invitation" in inbox_types(app, guest)
    joined = join(client, guest, circle["id"])
    assert joined.json["membership"] == "member"
    assert say(client, guest, circle["conversation_id"]).status_code == 201


def test_inviting_twice_changes_nothing_and_inviting_a_member_is_a_conflict(client, people, host):
    circle, guest = start_circle(client, host, visibility="private"), people.make()
    url = f"{API}/groups/{circle['id']}/invitations"
    client.post(url, json={"user_id": guest.id}, headers=host.headers)
    assert client.post(url, json={"user_id": guest.id}, headers=host.headers).status_code == 200
    join(client, guest, circle["id"])
    assert_problem(client.post(url, json={"user_id": guest.id}, headers=host.headers), 409)


def test_turning_down_an_invitation_hides_the_private_circle_again(client, people, host):
    circle, guest = start_circle(client, host, visibility="private"), people.make()
    client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": guest.id}, headers=host.headers)
    assert leave(client, guest, circle["id"]).status_code == 200
    assert circle["id"] not in listed(client, guest)
    assert_problem(join(client, guest, circle["id"]), 404)


def test_someone_with_the_condition_asks_and_a_host_approves(app, client, people, host, t1d):
    circle, ada = start_circle(client, host, visibility="private", condition_id=t1d), people.make()
    live_with(client, ada, t1d)
    asked = join(client, ada, circle["id"])
    assert asked.status_code == 200
    assert asked.json["membership"] == "requested" and asked.json["conversation_id"] is None
    assert asked.json["member_count"] == 1
    assert join(client, ada, circle["id"]).json["membership"] == "requested"
    assert "group_join_request" in inbox_types(app, host)
    assert_problem(say(client, ada, circle["conversation_id"]), 404)
    approved = client.post(f"{API}/groups/{circle['id']}/members/{ada.id}/approve", headers=host.headers)
    assert approved.status_code == 200 and approved.json["status"] == "member"
    assert "group_request_approved" in inbox_types(app, ada)
    assert listed(client, ada)[circle["id"]]["conversation_id"] == circle["conversation_id"]
    assert say(client, ada, circle["conversation_id"]).status_code == 201


def test_a_moderator_approves_a_request(client, people, host, moderator, t1d):
    circle, ada = start_circle(client, host, visibility="private", condition_id=t1d), people.make()
    live_with(client, ada, t1d)
    join(client, ada, circle["id"])
    response = client.post(f"{API}/groups/{circle['id']}/members/{ada.id}/approve", headers=moderator.headers)
    assert response.status_code == 200 and response.json["status"] == "member"


def test_inviting_someone_who_asked_lets_them_in(client, people, host, t1d):
    circle, ada = start_circle(client, host, visibility="private", condition_id=t1d), people.make()
    live_with(client, ada, t1d)
    join(client, ada, circle["id"])
    response = client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": ada.id}, headers=host.headers)
    assert response.status_code == 201 and response.json["status"] == "member"


def test_approving_into_a_full_circle_is_a_conflict(client, people, host, t1d):
    circle = start_circle(client, host, visibility="private", condition_id=t1d, max_members=2)
    ada, bea = people.make(), people.make()
    for person in (ada, bea):
        live_with(client, person, t1d)
        join(client, person, circle["id"])
    client.post(f"{API}/groups/{circle['id']}/members/{ada.id}/approve", headers=host.headers)
    response = client.post(f"{API}/groups/{circle['id']}/members/{bea.id}/approve", headers=host.headers)
    assert_problem(response, 409)


def test_approving_someone_who_did_not_ask(client, people, host):
    circle, guest = start_circle(client, host, visibility="private"), people.make()
    url = f"{API}/groups/{circle['id']}/members/{guest.id}/approve"
    assert_problem(client.post(url, headers=host.headers), 404)
    client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": guest.id}, headers=host.headers)
    assert_problem(client.post(url, headers=host.headers), 409)


def test_ordinary_members_cannot_invite_approve_or_remove(client, people, host, t1d):
    circle = start_circle(client, host, condition_id=t1d)
    ada, bea = people.make(), people.make()
    join(client, ada, circle["id"])
    join(client, bea, circle["id"])
    base = f"{API}/groups/{circle['id']}"
    assert_problem(client.post(f"{base}/invitations", json={"user_id": people.make().id}, headers=ada.headers), 403)
    assert_problem(client.post(f"{base}/members/{bea.id}/approve", headers=ada.headers), 403)
    assert_problem(client.delete(f"{base}/members/{bea.id}", headers=ada.headers), 403)


def test_inviting_someone_who_blocked_the_host_looks_like_a_missing_person(client, people, host):
    circle, guest = start_circle(client, host, visibility="private"), people.make()
    client.post(f"{API}/blocks", json={"user_id": host.id}, headers=guest.headers)
    response = client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": guest.id}, headers=host.headers)
    assert_problem(response, 404)


def test_blocked_people_can_be_in_the_same_circle(client, people, host):
    circle, ada, bea = start_circle(client, host), people.make(), people.make()
    client.post(f"{API}/blocks", json={"user_id": bea.id}, headers=ada.headers)
    join(client, ada, circle["id"])
    assert join(client, bea, circle["id"]).json["membership"] == "member"
    assert say(client, bea, circle["conversation_id"]).status_code == 201


# --- removing members --------------------------------------------------------------------------

def test_a_host_removes_a_member_who_loses_the_conversation(app, client, people, host):
    circle, ada = start_circle(client, host), people.make()
    join(client, ada, circle["id"])
    response = client.delete(f"{API}/groups/{circle['id']}/members/{ada.id}", headers=host.headers)
    assert response.status_code == 204
    assert_problem(say(client, ada, circle["conversation_id"]), 404)
    assert listed(client, ada)[circle["id"]]["membership"] is None
    assert listed(client, host)[circle["id"]]["member_count"] == 1
    assert "group_removed" in inbox_types(app, ada)


def test_a_moderator_removes_a_member(client, people, host, moderator):
    circle, ada = start_circle(client, host), people.make()
    join(client, ada, circle["id"])
    assert client.delete(f"{API}/groups/{circle['id']}/members/{ada.id}", headers=moderator.headers).status_code == 204
    assert_problem(say(client, ada, circle["conversation_id"]), 404)


def test_a_host_turns_down_a_request(client, people, host, t1d):
    circle, ada = start_circle(client, host, visibility="private", condition_id=t1d), people.make()
    live_with(client, ada, t1d)
    join(client, ada, circle["id"])
    assert client.delete(f"{API}/groups/{circle['id']}/members/{ada.id}", headers=host.headers).status_code == 204
    assert listed(client, ada)[circle["id"]]["membership"] is None


def test_a_moderator_removes_a_host(client, host, moderator):
    circle = start_circle(client, host)
    assert client.delete(f"{API}/groups/{circle['id']}/members/{host.id}", headers=moderator.headers).status_code == 204
    assert_problem(say(client, host, circle["conversation_id"]), 404)
    assert listed(client, moderator)[circle["id"]]["member_count"] == 0


def test_removing_someone_not_in_the_circle_is_a_404(client, people, host):
    circle = start_circle(client, host)
    assert_problem(client.delete(f"{API}/groups/{circle['id']}/members/{people.make().id}", headers=host.headers), 404)


# --- BOLA: a private circle you may not see does not exist for you -----------------------------

def test_every_circle_endpoint_answers_404_for_a_hidden_private_circle(client, people, host):
    circle, stranger, member = start_circle(client, host, visibility="private"), people.make(), people.make()
    client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": member.id}, headers=host.headers)
    base = f"{API}/groups/{circle['id']}"
    attempts = [
        client.get(base, headers=stranger.headers),
        client.post(f"{base}/join", headers=stranger.headers),
        client.post(f"{base}/leave", headers=stranger.headers),
        client.post(f"{base}/invitations", json={"user_id": stranger.id}, headers=stranger.headers),
        client.post(f"{base}/members/{member.id}/approve", headers=stranger.headers),
        client.delete(f"{base}/members/{member.id}", headers=stranger.headers),
        client.delete(f"{base}/members/{host.id}", headers=stranger.headers),
    ]
    for response in attempts:
        assert_problem(response, 404, "not_found")
    missing = f"{API}/groups/{uuid.uuid4()}"
    assert_problem(client.post(f"{missing}/join", headers=stranger.headers), 404)
    assert_problem(client.get(missing, headers=stranger.headers), 404)


def test_a_hosts_powers_stop_at_their_own_circle(client, people, host, moderator):
    theirs, ada = start_circle(client, moderator), people.make()
    join(client, ada, theirs["id"])
    join(client, host, theirs["id"])
    assert_problem(client.delete(f"{API}/groups/{theirs['id']}/members/{ada.id}", headers=host.headers), 403)
    assert_problem(client.delete(f"{API}/groups/{theirs['id']}/members/{moderator.id}", headers=host.headers), 403)
    url = f"{API}/groups/{theirs['id']}/invitations"
    assert_problem(client.post(url, json={"user_id": people.make().id}, headers=host.headers), 403)

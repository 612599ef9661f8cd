"""Support requests, the sliding scale: each intent is routed to what fits; mentors answer open ones."""
from __future__ import annotations

import uuid

import pytest

from models import MentorProfile, Notification, PushOutbox, db
from tests.api import test_groups
from tests.api.test_groups import condition_id, inbox_types, join, start_circle
from tests.conftest import assert_problem

API = "/api/v1"
REQUESTS = f"{API}/support-requests"
TOPIC = "Scared about my first hypo at work — how do I tell colleagues?"


def live_with(client, person, *condition_ids: str, visibility: str = "public") -> None:
    """Conditions listed as public: the only ones others are matched or routed by (policy H2, H3)."""
    test_groups.live_with(client, person, *condition_ids, visibility=visibility)


def make_mentor(app, people, client, *condition_ids: str, support_types: list[str] | None = None):
    mentor = test_groups.make_mentor(app, people, client, support_types=support_types)
    if condition_ids:
        live_with(client, mentor, *condition_ids)
    return mentor


@pytest.fixture
def t1d(client) -> str:
    return condition_id(client, "type-1-diabetes", "type 1 diabetes")


@pytest.fixture
def asthma(client) -> str:
    return condition_id(client, "asthma", "asthma")


@pytest.fixture
def seeker(client, people, t1d):
    person = people.make()
    live_with(client, person, t1d)
    return person


def ask(client, person, **body):
    return client.post(REQUESTS, json={"intent": "listen", "duration": "one_off"} | body, headers=person.headers)


def suggested_ids(response, kind: str) -> list[str]:
    assert response.status_code == 201, response.json
    items = response.json["suggestions"][kind]
    return [item["id"] for item in items] if kind == "groups" else [item["user"]["id"] for item in items]


# --- asking ------------------------------------------------------------------------------------

def test_a_request_opens_with_suggestions_of_every_kind(client, seeker, t1d):
    response = ask(client, seeker, condition_id=t1d, topic=TOPIC, urgency="low", duration="ongoing")
    assert response.status_code == 201
    body = response.json
    assert body["id"] and body["status"] == "open"
    assert set(body["suggestions"]) == {"peers", "mentors", "groups", "resources"}
    assert (body["intent"], body["duration"], body["urgency"]) == ("listen", "ongoing", "low")
    assert body["topic"] == TOPIC and body["condition_id"] == t1d and body["answered_by"] is None


def test_urgency_defaults_to_normal_and_condition_and_topic_are_optional(client, people):
    body = ask(client, people.make()).json
    assert (body["urgency"], body["condition_id"], body["topic"]) == ("normal", None, None)


def test_the_condition_must_be_one_of_the_callers_own(client, seeker, asthma):
    assert "condition_id" in assert_problem(ask(client, seeker, condition_id=asthma), 422)["errors"]


@pytest.mark.parametrize("body, field", [
    ({"intent": "chat"}, "intent"), ({"duration": "forever"}, "duration"), ({"urgency": "high"}, "urgency"),
    ({"topic": "x" * 201}, "topic"), ({"topic": "two\nlines"}, "topic"), ({"topic": ""}, "topic"),
    ({"condition_id": "diabetes"}, "condition_id"), ({"mood": "low"}, "mood"),
])
def test_a_request_needs_valid_fields(client, seeker, body, field):
    assert field in assert_problem(ask(client, seeker, **body), 422)["errors"]


def test_intent_and_duration_are_required(client, seeker):
    errors = assert_problem(client.post(REQUESTS, json={}, headers=seeker.headers), 422)["errors"]
    assert {"intent", "duration"} <= errors.keys()


# --- routing per intent ------------------------------------------------------------------------

@pytest.mark.parametrize("intent", ["listen", "tips"])
def test_listen_and_tips_go_to_peers(client, people, seeker, t1d, intent):
    peer = people.make()
    live_with(client, peer, t1d)
    response = ask(client, seeker, intent=intent, condition_id=t1d)
    assert suggested_ids(response, "peers") == [peer.id]
    assert response.json["suggestions"]["mentors"] == [] and response.json["suggestions"]["groups"] == []
    suggestion = response.json["suggestions"]["peers"][0]
    assert set(suggestion["user"]) == {"id", "display_name"}
    assert suggestion["score"] > 0 and suggestion["reasons"]


def test_peer_suggestions_stop_at_five(client, people, seeker, t1d):
    for _ in range(6):
        live_with(client, people.make(), t1d)
    assert len(suggested_ids(ask(client, seeker, condition_id=t1d), "peers")) == 5


def test_one_to_one_goes_to_mentors_who_offer_mentoring(app, client, people, seeker, t1d):
    mentor = make_mentor(app, people, client, t1d, support_types=["mentoring"])
    make_mentor(app, people, client, t1d, support_types=["review"])
    live_with(client, people.make(), t1d)
    response = ask(client, seeker, intent="one_to_one", condition_id=t1d)
    assert suggested_ids(response, "mentors") == [mentor.id]
    assert response.json["suggestions"]["peers"] == [] and response.json["suggestions"]["groups"] == []


def test_review_goes_to_mentors_who_offer_reviews(app, client, people, seeker, t1d):
    make_mentor(app, people, client, t1d, support_types=["mentoring"])
    reviewer = make_mentor(app, people, client, t1d, support_types=["review", "chat"])
    assert suggested_ids(ask(client, seeker, intent="review", condition_id=t1d), "mentors") == [reviewer.id]


def test_a_mentor_approved_through_moderation_is_suggested(client, people, seeker, t1d):
    applicant, moderator = people.make(), people.make(roles=("moderator",))
    live_with(client, applicant, t1d)
    application = client.post(f"{API}/mentor-applications", headers=applicant.headers, json={
        "motivation": "I want to help people newly diagnosed.", "experience": "Twenty years of type 1 diabetes.",
        "condition_ids": [t1d]}).json
    decided = client.post(f"{API}/moderation/mentor-applications/{application['id']}/decision",
                          json={"decision": "approve"}, headers=moderator.headers)
    assert decided.status_code == 200
    assert suggested_ids(ask(client, seeker, intent="one_to_one", condition_id=t1d), "mentors") == [applicant.id]


def test_group_goes_to_open_public_circles_for_the_condition(app, client, people, seeker, t1d, asthma):
    host = make_mentor(app, people, client)
    fitting = start_circle(client, host, name="T1D evenings", condition_id=t1d)
    diabetes = start_circle(client, host, name="Any diabetes", condition_id=condition_id(client, "diabetes", "diabetes"))
    start_circle(client, host, name="Private T1D", condition_id=t1d, visibility="private")
    full = start_circle(client, host, name="Full T1D", condition_id=t1d, max_members=2)
    join(client, people.make(), full["id"])
    start_circle(client, host, name="Breathe", condition_id=asthma)
    start_circle(client, host, name="No condition")
    joined = start_circle(client, host, name="Joined T1D", condition_id=t1d)
    join(client, seeker, joined["id"])
    response = ask(client, seeker, intent="group", condition_id=t1d)
    assert suggested_ids(response, "groups") == [fitting["id"], diabetes["id"]]
    group = response.json["suggestions"]["groups"][0]
    assert group["conversation_id"] is None and group["membership"] is None and group["name"] == "T1D evenings"
    assert response.json["suggestions"]["peers"] == [] and response.json["suggestions"]["mentors"] == []


def test_group_without_a_condition_uses_all_of_the_callers(app, client, people, seeker, t1d):
    circle = start_circle(client, make_mentor(app, people, client), condition_id=t1d)
    assert suggested_ids(ask(client, seeker, intent="group"), "groups") == [circle["id"]]


@pytest.mark.parametrize("intent", ["listen", "tips", "review", "one_to_one", "group"])
def test_resources_are_empty_until_the_library_exists(client, seeker, intent):
    assert ask(client, seeker, intent=intent).json["suggestions"]["resources"] == []


def test_someone_with_no_conditions_gets_empty_suggestions(client, people):
    suggestions = ask(client, people.make(), intent="one_to_one").json["suggestions"]
    assert suggestions == {"peers": [], "mentors": [], "groups": [], "resources": []}


# --- the caller's own requests -----------------------------------------------------------------

def test_the_caller_lists_only_their_own_requests_newest_first(client, people, seeker):
    first, second = ask(client, seeker).json["id"], ask(client, seeker, intent="tips").json["id"]
    ask(client, people.make())
    page = client.get(REQUESTS, headers=seeker.headers).json
    assert [r["id"] for r in page["items"]] == [second, first] and page["next_cursor"] is None
    assert page["items"][0]["suggestions"] is None


def test_own_requests_come_in_pages_and_filter_by_status(client, seeker):
    ids = [ask(client, seeker).json["id"] for _ in range(3)]
    client.post(f"{REQUESTS}/{ids[0]}/close", headers=seeker.headers)
    first = client.get(REQUESTS, query_string={"limit": 2}, headers=seeker.headers).json
    rest = client.get(REQUESTS, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=seeker.headers).json
    assert [r["id"] for r in first["items"] + rest["items"]] == ids[::-1]
    closed = client.get(REQUESTS, query_string={"status": "closed"}, headers=seeker.headers).json["items"]
    assert [r["id"] for r in closed] == [ids[0]]


def test_the_caller_sees_their_request_with_fresh_suggestions(client, people, seeker, t1d):
    request_id = ask(client, seeker, condition_id=t1d, topic=TOPIC).json["id"]
    peer = people.make()
    live_with(client, peer, t1d)
    response = client.get(f"{REQUESTS}/{request_id}", headers=seeker.headers)
    assert response.status_code == 200 and response.json["topic"] == TOPIC
    assert [p["user"]["id"] for p in response.json["suggestions"]["peers"]] == [peer.id]


def test_closing_a_request(client, seeker):
    request_id = ask(client, seeker).json["id"]
    response = client.post(f"{REQUESTS}/{request_id}/close", headers=seeker.headers)
    assert response.status_code == 200
    assert response.json["status"] == "closed" and response.json["closed_at"]
    again = client.post(f"{REQUESTS}/{request_id}/close", headers=seeker.headers)
    assert again.status_code == 200 and again.json["closed_at"] == response.json["closed_at"]
    assert client.get(f"{REQUESTS}/{request_id}", headers=seeker.headers).json["suggestions"] is None


def test_someone_elses_request_does_not_exist_for_you(app, client, people, seeker, t1d):
    request_id = ask(client, seeker, condition_id=t1d).json["id"]
    mentor = make_mentor(app, people, client, t1d)
    for person in (people.make(), mentor, people.make(roles=("moderator",))):
        assert_problem(client.get(f"{REQUESTS}/{request_id}", headers=person.headers), 404, "not_found")
        assert_problem(client.post(f"{REQUESTS}/{request_id}/close", headers=person.headers), 404, "not_found")
    assert client.get(f"{REQUESTS}/{request_id}", headers=seeker.headers).json["status"] == "open"
    assert_problem(client.get(f"{REQUESTS}/{uuid.uuid4()}", headers=seeker.headers), 404)


def test_requests_need_a_token(client):
    assert_problem(client.get(REQUESTS), 401)
    assert_problem(client.post(REQUESTS, json={"intent": "listen", "duration": "one_off"}), 401)


# --- open requests, for mentors ----------------------------------------------------------------

def open_requests(client, mentor, **query):
    response = client.get(f"{REQUESTS}/open", query_string=query, headers=mentor.headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_only_mentors_see_open_requests(client, people):
    for person in (people.make(), people.make(roles=("moderator",))):
        assert_problem(client.get(f"{REQUESTS}/open", headers=person.headers), 403, "permission_denied")


def test_a_mentor_sees_requests_about_their_condition_its_group_or_none(app, client, people, seeker, t1d, asthma):
    mentor = make_mentor(app, people, client, t1d)
    t2_person, asthmatic = people.make(), people.make()
    live_with(client, t2_person, condition_id(client, "type-2-diabetes", "type 2 diabetes"))
    live_with(client, asthmatic, asthma)
    own = ask(client, seeker, condition_id=t1d, topic=TOPIC).json["id"]
    kin = ask(client, t2_person, condition_id=condition_id(client, "type-2-diabetes", "type 2 diabetes")).json["id"]
    general = ask(client, asthmatic).json["id"]
    ask(client, asthmatic, condition_id=asthma)
    ask(client, mentor)  # their own
    closed = ask(client, seeker).json["id"]
    client.post(f"{REQUESTS}/{closed}/close", headers=seeker.headers)
    items = open_requests(client, mentor)
    assert [r["id"] for r in items] == [general, kin, own]
    seen = items[-1]
    assert seen == {"id": own, "requester": {"id": seeker.id, "display_name": seen["requester"]["display_name"]},
                    "intent": "listen", "duration": "one_off", "topic": TOPIC, "urgency": "normal",
                    "created_at": seen["created_at"]}


def test_a_mentor_does_not_see_requests_from_people_blocked_either_way(app, client, people, seeker, t1d):
    mentor = make_mentor(app, people, client, t1d)
    ask(client, seeker, condition_id=t1d)
    client.post(f"{API}/blocks", json={"user_id": mentor.id}, headers=seeker.headers)
    assert open_requests(client, mentor) == []


def test_open_requests_come_in_pages(app, client, people, seeker):
    mentor = make_mentor(app, people, client)
    ids = [ask(client, seeker).json["id"] for _ in range(3)]
    first = client.get(f"{REQUESTS}/open", query_string={"limit": 2}, headers=mentor.headers).json
    rest = open_requests(client, mentor, limit=2, cursor=first["next_cursor"])
    assert [r["id"] for r in first["items"] + rest] == ids[::-1]


def test_a_mentor_whose_accreditation_expired_sees_no_open_requests(app, client, people):
    mentor = make_mentor(app, people, client)
    with app.app_context():
        profile = db.session.get(MentorProfile, mentor.id)
        profile.accredited_until = profile.accredited_until.replace(year=2000)
        db.session.commit()
    assert_problem(client.get(f"{REQUESTS}/open", headers=mentor.headers), 403)


# --- answering ---------------------------------------------------------------------------------

def answer(client, mentor, request_id):
    return client.post(f"{REQUESTS}/{request_id}/answer", headers=mentor.headers)


def test_a_mentor_answers_with_a_connection_request(app, client, people, seeker, t1d):
    mentor = make_mentor(app, people, client, t1d)
    request_id = ask(client, seeker, condition_id=t1d, topic=TOPIC).json["id"]
    response = answer(client, mentor, request_id)
    assert response.status_code == 200
    assert (response.json["id"], response.json["status"]) == (request_id, "answered")
    connection = response.json["connection"]
    assert (connection["status"], connection["requester_id"], connection["addressee_id"]) == (
        "pending", mentor.id, seeker.id)
    assert TOPIC not in (connection["message"] or "")
    mine = client.get(f"{REQUESTS}/{request_id}", headers=seeker.headers).json
    assert (mine["status"], mine["answered_by"]) == ("answered", mentor.id)
    assert open_requests(client, mentor) == []
    received = client.get(f"{API}/connections", headers=seeker.headers).json["items"]
    assert [c["id"] for c in received] == [connection["id"]]
    accepted = client.post(f"{API}/connections/{connection['id']}/accept", headers=seeker.headers)
    assert accepted.status_code == 200 and accepted.json["conversation_id"]


def test_the_requester_is_told_without_the_topic_reaching_the_push(app, client, people, seeker, t1d):
    mentor = make_mentor(app, people, client, t1d)
    request_id = ask(client, seeker, condition_id=t1d, topic=TOPIC).json["id"]
    answer(client, mentor, request_id)
    assert "support_request_answered" in inbox_types(app, seeker)
    with app.app_context():
        told = db.session.scalar(db.select(Notification).where(
            Notification.user_id == seeker.id, Notification.type == "support_request_answered"))
        assert told.data == {"support_request_id": request_id, "mentor_id": mentor.id}
        # One push, for the connection request; the "answered" entry waits quietly in the inbox.
        pushed = db.session.scalars(db.select(Notification.type).join(
            PushOutbox, PushOutbox.notification_id == Notification.id).where(Notification.user_id == seeker.id)).all()
        assert pushed == ["connection_request"]
        everything = [n.data for n in db.session.scalars(db.select(Notification))]
    assert all("hypo" not in str(data) for data in everything)


def test_answering_twice_or_after_closing_is_a_conflict(app, client, people, seeker, t1d):
    first, second = make_mentor(app, people, client, t1d), make_mentor(app, people, client, t1d)
    request_id = ask(client, seeker, condition_id=t1d).json["id"]
    answer(client, first, request_id)
    assert_problem(answer(client, second, request_id), 409, "conflict")
    assert_problem(answer(client, first, request_id), 409, "conflict")
    closed = ask(client, seeker, condition_id=t1d).json["id"]
    client.post(f"{REQUESTS}/{closed}/close", headers=seeker.headers)
    assert_problem(answer(client, first, closed), 409)


def test_only_mentors_answer(client, people, seeker):
    request_id = ask(client, seeker).json["id"]
    for person in (people.make(), people.make(roles=("moderator",))):
        assert_problem(answer(client, person, request_id), 403, "permission_denied")


@pytest.mark.parametrize("blocker", ["seeker", "mentor"])
def test_a_blocked_pair_cannot_answer(app, client, people, seeker, t1d, blocker):
    mentor = make_mentor(app, people, client, t1d)
    request_id = ask(client, seeker, condition_id=t1d).json["id"]
    a, b = (seeker, mentor) if blocker == "seeker" else (mentor, seeker)
    client.post(f"{API}/blocks", json={"user_id": b.id}, headers=a.headers)
    assert_problem(answer(client, mentor, request_id), 404, "not_found")
    assert client.get(f"{REQUESTS}/{request_id}", headers=seeker.headers).json["status"] == "open"


def test_a_request_about_a_condition_the_mentor_does_not_share_is_hidden(app, client, people, seeker, t1d, asthma):
    mentor = make_mentor(app, people, client, asthma)
    request_id = ask(client, seeker, condition_id=t1d).json["id"]
    assert_problem(answer(client, mentor, request_id), 404)
    assert_problem(answer(client, mentor, str(uuid.uuid4())), 404)


def test_a_mentor_cannot_answer_their_own_request(app, client, people):
    mentor = make_mentor(app, people, client)
    assert_problem(answer(client, mentor, ask(client, mentor).json["id"]), 404)


def test_answering_someone_already_connected_keeps_the_connection(app, client, people, seeker, t1d):
    mentor = make_mentor(app, people, client, t1d)
    pending = client.post(f"{API}/connections", json={"user_id": mentor.id}, headers=seeker.headers).json
    request_id = ask(client, seeker, condition_id=t1d).json["id"]
    response = answer(client, mentor, request_id)
    assert response.status_code == 200 and response.json["connection"]["id"] == pending["id"]
    assert response.json["connection"]["status"] == "pending"


def test_a_failed_answer_changes_nothing(app, client, people, seeker, t1d):
    """A refused connection request (declined recently) leaves the request open and nobody told."""
    mentor = make_mentor(app, people, client, t1d)
    asked = client.post(f"{API}/connections", json={"user_id": seeker.id}, headers=mentor.headers).json
    client.post(f"{API}/connections/{asked['id']}/decline", headers=seeker.headers)
    request_id = ask(client, seeker, condition_id=t1d).json["id"]
    assert_problem(answer(client, mentor, request_id), 409)
    assert client.get(f"{REQUESTS}/{request_id}", headers=seeker.headers).json["status"] == "open"
    assert "support_request_answered" not in inbox_types(app, seeker)

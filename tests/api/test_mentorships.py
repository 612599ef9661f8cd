"""Mentorships: requested → active → ended, or declined; who may do what, and what it opens."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services import mentorships
from tests.conftest import assert_problem
from tests.mentoring_helpers import (
    API, act, inbox, make_mentor, match_ids, mentor_profile, patch_profile, request_mentorship, set_conditions,
    set_mentor_profile, set_mentorship, start_mentorship,
)


@pytest.fixture
def mentor(client, people):
    return make_mentor(client, people)


@pytest.fixture
def mentee(people):
    return people.make()


def send(client, person, conversation_id):
    return client.post(f"{API}/conversations/{conversation_id}/messages",
                       json={"client_msg_id": str(uuid.uuid4()), "body": "Hello there"}, headers=person.headers)


def ended_mentorship(client, mentee, mentor) -> dict:
    mentorship = start_mentorship(client, mentee, mentor)
    assert act(client, mentee, mentorship["id"], "end").status_code == 200
    return mentorship


# Asking

def test_a_request_is_requested(client, mentee, mentor):
    response = request_mentorship(client, mentee, mentor, message="Could you help me with pumps?",
                                  goals=["Start on a pump", "Sleep through the night"])
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "requested" and (body["mentor_id"], body["mentee_id"]) == (mentor.id, mentee.id)
    assert body["goals"] == ["Start on a pump", "Sleep through the night"] and body["conversation_id"] is None
    assert body["expires_at"] > body["created_at"]


def test_the_mentor_is_told_of_a_request(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    [notice] = inbox(client, mentor, "mentorship_request")
    assert notice["data"] == {"mentorship_id": mentorship_id}


def test_asking_someone_who_is_not_a_mentor_is_not_found(client, people, mentee):
    assert_problem(request_mentorship(client, mentee, people.make()), 404)


def test_asking_an_unknown_mentor_is_not_found(client, mentee):
    response = client.post(f"{API}/mentorships", json={"mentor_id": str(uuid.uuid4())}, headers=mentee.headers)
    assert_problem(response, 404)


def test_asking_a_paused_mentor_is_a_conflict(client, mentee, mentor):
    patch_profile(client, mentor, accepting_mentees=False)
    assert_problem(request_mentorship(client, mentee, mentor), 409)


def test_asking_a_mentor_at_capacity_is_a_conflict(client, people, mentee, mentor):
    patch_profile(client, mentor, capacity=1)
    start_mentorship(client, people.make(), mentor)
    assert_problem(request_mentorship(client, mentee, mentor), 409)


def test_asking_a_mentor_whose_accreditation_expired_is_a_conflict(app, client, mentee, mentor):
    set_mentor_profile(app, mentor, accredited_until=datetime.now(timezone.utc) - timedelta(days=1))
    assert_problem(request_mentorship(client, mentee, mentor), 409)


def test_a_mentor_cannot_mentor_themselves(client, mentor):
    assert_problem(request_mentorship(client, mentor, mentor), 422)


@pytest.mark.parametrize("blocker", ["mentee", "mentor"])
def test_asking_across_a_block_is_not_found(client, mentee, mentor, blocker):
    first, second = (mentee, mentor) if blocker == "mentee" else (mentor, mentee)
    client.post(f"{API}/blocks", json={"user_id": second.id}, headers=first.headers)
    assert_problem(request_mentorship(client, mentee, mentor), 404)


def test_asking_a_suspended_mentor_is_not_found(app, client, mentee, mentor):
    from tests.mentoring_helpers import set_user

    set_user(app, mentor, suspended_at=datetime.now(timezone.utc))
    assert_problem(request_mentorship(client, mentee, mentor), 404)


def test_asking_twice_while_a_request_is_open_is_a_conflict(client, mentee, mentor):
    request_mentorship(client, mentee, mentor)
    assert_problem(request_mentorship(client, mentee, mentor), 409)


def test_asking_again_during_an_active_mentorship_is_a_conflict(client, mentee, mentor):
    start_mentorship(client, mentee, mentor)
    assert_problem(request_mentorship(client, mentee, mentor), 409)


def test_asking_again_after_a_decline_is_allowed(client, mentee, mentor):
    act(client, mentor, request_mentorship(client, mentee, mentor).json["id"], "decline")
    assert request_mentorship(client, mentee, mentor).status_code == 201


# Answering

def test_the_mentor_accepts_and_a_conversation_opens(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    response = act(client, mentor, mentorship_id, "accept")
    assert response.status_code == 200
    assert response.json["status"] == "active" and response.json["conversation_id"] and response.json["started_at"]


def test_the_mentee_is_told_of_the_acceptance(client, mentee, mentor):
    mentorship = start_mentorship(client, mentee, mentor)
    [notice] = inbox(client, mentee, "mentorship_accepted")
    assert notice["data"] == {"mentorship_id": mentorship["id"]}


def test_both_sides_can_message_in_the_mentorship_conversation_without_a_connection(client, mentee, mentor):
    conversation_id = start_mentorship(client, mentee, mentor)["conversation_id"]
    assert send(client, mentee, conversation_id).status_code == 201
    assert send(client, mentor, conversation_id).status_code == 201


def test_the_mentee_cannot_accept_their_own_request(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    assert_problem(act(client, mentee, mentorship_id, "accept"), 403)


def test_the_mentor_declines(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    response = act(client, mentor, mentorship_id, "decline")
    assert response.status_code == 200 and response.json["status"] == "declined"
    assert response.json["conversation_id"] is None
    assert inbox(client, mentee, "mentorship_declined")


def test_the_mentee_cannot_decline_their_own_request(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    assert_problem(act(client, mentee, mentorship_id, "decline"), 403)


def test_accepting_at_capacity_is_a_conflict(client, people, mentor):
    patch_profile(client, mentor, capacity=1)
    first = request_mentorship(client, people.make(), mentor).json["id"]
    second = request_mentorship(client, people.make(), mentor).json["id"]
    act(client, mentor, first, "accept")
    assert_problem(act(client, mentor, second, "accept"), 409)


# Ending

@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_either_side_ends_and_the_other_is_told(client, mentee, mentor, side):
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    ender, other = (mentee, mentor) if side == "mentee" else (mentor, mentee)
    response = act(client, ender, mentorship_id, "end")
    assert response.status_code == 200
    assert response.json["status"] == "ended" and response.json["ended_at"]
    assert [n["data"] for n in inbox(client, other, "mentorship_ended")] == [{"mentorship_id": mentorship_id}]


def test_after_the_end_the_conversation_no_longer_takes_messages(client, mentee, mentor):
    conversation_id = ended_mentorship(client, mentee, mentor)["conversation_id"]
    assert_problem(send(client, mentee, conversation_id), 403)
    assert_problem(send(client, mentor, conversation_id), 403)


def test_after_the_end_connected_people_can_still_message(client, mentee, mentor):
    conversation_id = start_mentorship(client, mentee, mentor)["conversation_id"]
    connection = client.post(f"{API}/connections", json={"user_id": mentor.id}, headers=mentee.headers).json
    client.post(f"{API}/connections/{connection['id']}/accept", headers=mentor.headers)
    mentorship_id = client.get(f"{API}/mentorships", headers=mentee.headers).json["items"][0]["id"]
    act(client, mentor, mentorship_id, "end")
    assert send(client, mentee, conversation_id).status_code == 201


def test_ending_frees_the_place(client, people, seeker_with_diabetes, mentor):
    patch_profile(client, mentor, capacity=1)
    mentorship_id = start_mentorship(client, people.make(), mentor)["id"]
    assert mentor.id not in match_ids(client, seeker_with_diabetes, kind="mentor")
    act(client, mentor, mentorship_id, "end")
    assert mentor.id in match_ids(client, seeker_with_diabetes, kind="mentor")


@pytest.fixture
def seeker_with_diabetes(client, people):
    person = people.make()
    set_conditions(client, person, "Type 1 diabetes")
    return person


# Illegal transitions

def test_accepting_twice_is_a_conflict(client, mentee, mentor):
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    assert_problem(act(client, mentor, mentorship_id, "accept"), 409)


def test_ending_a_request_is_a_conflict(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    assert_problem(act(client, mentee, mentorship_id, "end"), 409)


def test_declining_an_active_mentorship_is_a_conflict(client, mentee, mentor):
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    assert_problem(act(client, mentor, mentorship_id, "decline"), 409)


def test_accepting_a_declined_request_is_a_conflict(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    act(client, mentor, mentorship_id, "decline")
    assert_problem(act(client, mentor, mentorship_id, "accept"), 409)


def test_ending_twice_is_a_conflict(client, mentee, mentor):
    mentorship_id = ended_mentorship(client, mentee, mentor)["id"]
    assert_problem(act(client, mentor, mentorship_id, "end"), 409)


# Feedback

def test_the_mentee_gives_feedback_after_the_end(client, mentee, mentor):
    mentorship_id = ended_mentorship(client, mentee, mentor)["id"]
    response = act(client, mentee, mentorship_id, "feedback", rating=5, comment="Made all the difference.")
    assert response.status_code == 201
    assert (response.json["rating"], response.json["mentorship_id"]) == (5, mentorship_id)


def test_feedback_waits_for_the_end_or_two_weeks(client, mentee, mentor):
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    assert_problem(act(client, mentee, mentorship_id, "feedback", rating=4), 409)


def test_feedback_opens_after_fourteen_days_active(app, client, mentee, mentor):
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    set_mentorship(app, mentorship_id, started_at=datetime.now(timezone.utc) - timedelta(days=14, minutes=1))
    assert act(client, mentee, mentorship_id, "feedback", rating=4).status_code == 201


def test_feedback_on_a_request_is_a_conflict(client, mentee, mentor):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    assert_problem(act(client, mentee, mentorship_id, "feedback", rating=4), 409)


def test_feedback_is_given_once(client, mentee, mentor):
    mentorship_id = ended_mentorship(client, mentee, mentor)["id"]
    act(client, mentee, mentorship_id, "feedback", rating=5)
    assert_problem(act(client, mentee, mentorship_id, "feedback", rating=1), 409)


def test_the_mentor_cannot_rate_their_own_mentorship(client, mentee, mentor):
    mentorship_id = ended_mentorship(client, mentee, mentor)["id"]
    assert_problem(act(client, mentor, mentorship_id, "feedback", rating=5), 403)


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, None])
def test_a_rating_is_one_to_five(client, mentee, mentor, rating):
    mentorship_id = ended_mentorship(client, mentee, mentor)["id"]
    assert_problem(act(client, mentee, mentorship_id, "feedback", rating=rating), 422)


def test_ratings_feed_matching_only_from_the_third(client, people, mentor, seeker_with_diabetes):
    def rated_reasons():
        item = next(i for i in client.get(f"{API}/matches", query_string={"kind": "mentor"},
                                          headers=seeker_with_diabetes.headers).json["items"]
                    if i["user"]["id"] == mentor.id)
        return [r for r in item["reasons"] if r.startswith("Rated")]

    for _ in range(3):
        assert rated_reasons() == []
        mentee = people.make()
        mentorship_id = ended_mentorship(client, mentee, mentor)["id"]
        assert act(client, mentee, mentorship_id, "feedback", rating=4).status_code == 201
    assert rated_reasons() == ["Rated 4.0 out of 5 by 3 mentees"]


# Listing

def test_the_caller_lists_only_their_own_mentorships(client, people, mentee, mentor):
    mine = request_mentorship(client, mentee, mentor).json["id"]
    request_mentorship(client, people.make(), mentor)
    listed = client.get(f"{API}/mentorships", headers=mentee.headers).json["items"]
    assert [m["id"] for m in listed] == [mine]


def test_the_list_filters_by_role(client, people, mentor):
    as_mentee = request_mentorship(client, mentor, make_mentor(client, people)).json["id"]
    as_mentor = request_mentorship(client, people.make(), mentor).json["id"]
    for role, expected in (("mentor", as_mentor), ("mentee", as_mentee)):
        listed = client.get(f"{API}/mentorships", query_string={"role": role}, headers=mentor.headers).json["items"]
        assert [m["id"] for m in listed] == [expected]


def test_the_list_filters_by_status(client, people, mentor):
    active = start_mentorship(client, people.make(), mentor)["id"]
    request_mentorship(client, people.make(), mentor)
    listed = client.get(f"{API}/mentorships", query_string={"status": "active"}, headers=mentor.headers).json
    assert [m["id"] for m in listed["items"]] == [active]


# Nobody else's business

@pytest.mark.parametrize("action", ["accept", "decline", "end", "feedback"])
def test_a_stranger_cannot_touch_someone_elses_mentorship(client, people, mentee, mentor, action):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    body = {"rating": 5} if action == "feedback" else {}
    assert_problem(act(client, people.make(), mentorship_id, action, **body), 404)


@pytest.mark.parametrize("action", ["accept", "decline", "end"])
def test_another_mentor_cannot_touch_someone_elses_mentorship(client, people, mentee, mentor, action):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    assert_problem(act(client, make_mentor(client, people), mentorship_id, action), 404)


def test_an_unknown_mentorship_is_not_found(client, mentor):
    assert_problem(act(client, mentor, str(uuid.uuid4()), "accept"), 404)


# Races: two answers at once (two processes), one outcome

def at_once(make_app, calls) -> list:
    """Run each `call(client)` on its own thread and app (its own database connection), together."""
    results = [None] * len(calls)
    clients = [make_app().test_client() for _ in calls]  # building an app is not thread-safe

    def run(index, call):
        results[index] = call(clients[index])

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def answers_meet(monkeypatch):
    """Both answers get as far as telling the other side before either commits (when the code
    lets them: one that waits for the other's row lock never arrives, and the wait times out)."""
    barrier = threading.Barrier(2, timeout=2)
    real = mentorships._tell

    def meet_then_tell(*args):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return real(*args)

    monkeypatch.setattr(mentorships, "_tell", meet_then_tell)


def test_two_accepts_at_once_never_go_over_capacity(app, make_app, client, people, mentor, answers_meet):
    patch_profile(client, mentor, capacity=1)
    ids = [request_mentorship(client, people.make(), mentor).json["id"] for _ in range(2)]
    statuses = at_once(make_app, [lambda c, i=i: act(c, mentor, i, "accept").status_code for i in ids])
    assert sorted(statuses) == [200, 409]
    assert mentor_profile(app, mentor).active_mentees == 1


def test_the_same_request_accepted_twice_at_once_is_accepted_once(app, make_app, client, mentee, mentor,
                                                                   answers_meet):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    statuses = at_once(make_app, [lambda c: act(c, mentor, mentorship_id, "accept").status_code] * 2)
    assert sorted(statuses) == [200, 409]
    assert mentor_profile(app, mentor).active_mentees == 1
    assert len(inbox(client, mentee, "mentorship_accepted")) == 1


def test_both_sides_ending_at_once_frees_one_place(app, make_app, client, people, mentee, mentor, answers_meet):
    start_mentorship(client, people.make(), mentor)
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    statuses = at_once(make_app, [lambda c, p=p: act(c, p, mentorship_id, "end").status_code for p in (mentee, mentor)])
    assert sorted(statuses) == [200, 409]
    assert mentor_profile(app, mentor).active_mentees == 1


@pytest.mark.parametrize("blocker", ["mentee", "mentor"])
def test_a_request_across_a_later_block_cannot_be_accepted(client, mentee, mentor, blocker):
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    first, second = (mentee, mentor) if blocker == "mentee" else (mentor, mentee)
    client.post(f"{API}/blocks", json={"user_id": second.id}, headers=first.headers)
    assert_problem(act(client, mentor, mentorship_id, "accept"), 404)

"""Inference through what is shown, and self-declared keys: attacks by a member who may change their
own profile as often as they like (services/policy.py, H1-H3).

Each attack pairs two people who are identical in everything the attacker may see and differ only in
something hidden from them (a birth year, a `matches` or `private` condition). Whatever the attacker
sees (presence, score, reasons, order, an open request) must be the same for both.
"""
from __future__ import annotations

import pytest

from tests.mentoring_helpers import (
    API, DIABETES_T1, DIABETES_T2, condition_id, make_mentor, matches, set_conditions, start_mentorship,
)

ASTHMA = "Asthma"
REQUESTS = f"{API}/support-requests"


def person_living_with(client, people, *conditions, **register):
    person = people.make(**register)
    set_conditions(client, person, *conditions)
    return person


def seen_by(client, attacker, **query) -> dict[str, dict]:
    """What the attacker's /matches shows about each person listed: score, reasons and position."""
    return {item["user"]["id"]: {"score": item["score"], "reasons": item["reasons"], "rank": rank}
            for rank, item in enumerate(matches(client, attacker, limit=50, **query))}


def hidden(name: str, visibility: str) -> dict:
    return {"name": name, "visibility": visibility}


# --- /matches: hidden fields never move a number ----------------------------------------------------

def test_a_hidden_birth_year_does_not_move_a_match_score(client, people):
    attacker = person_living_with(client, people, DIABETES_T1, birth_year=1984)
    same_decade = person_living_with(client, people, DIABETES_T1, birth_year=1986)
    other_decade = person_living_with(client, people, DIABETES_T1, birth_year=1951)
    shown = seen_by(client, attacker)
    assert shown[same_decade.id]["score"] == shown[other_decade.id]["score"]
    assert shown[same_decade.id]["reasons"] == shown[other_decade.id]["reasons"]


@pytest.mark.parametrize("visibility", ["matches", "private"])
def test_a_hidden_condition_does_not_move_a_match_score_or_reasons(client, people, visibility):
    # Both live with type 2 diabetes publicly; one also lists type 1, which the attacker claims too.
    attacker = person_living_with(client, people, DIABETES_T1)
    plain = person_living_with(client, people, DIABETES_T2)
    with_secret = person_living_with(client, people, DIABETES_T2, hidden(DIABETES_T1, visibility))
    shown = seen_by(client, attacker)
    assert shown[plain.id]["score"] == shown[with_secret.id]["score"]
    assert shown[plain.id]["reasons"] == shown[with_secret.id]["reasons"]
    assert not any(DIABETES_T1 in reason for reason in shown[with_secret.id]["reasons"])


@pytest.mark.parametrize("visibility", ["matches", "private"])
def test_declaring_a_condition_does_not_find_people_who_hide_it(client, people, visibility):
    secret_keeper = person_living_with(client, people, hidden(DIABETES_T1, visibility))
    attacker = person_living_with(client, people, DIABETES_T1)
    t1d = condition_id(client, DIABETES_T1)
    assert secret_keeper.id not in seen_by(client, attacker)
    assert secret_keeper.id not in seen_by(client, attacker, condition_id=t1d)
    assert secret_keeper.id not in seen_by(client, attacker, kind="peer", condition_id=t1d)


def test_declaring_a_condition_does_not_find_a_mentor_who_hides_it(client, people):
    mentor = make_mentor(client, people, ASTHMA, hidden(DIABETES_T1, "matches"))
    attacker = person_living_with(client, people, DIABETES_T1)
    assert mentor.id not in seen_by(client, attacker, kind="mentor")


def test_a_hidden_condition_does_not_change_presence_or_order(client, people):
    """The attacker's list with and without the secret is the same list."""
    attacker = person_living_with(client, people, DIABETES_T1, ASTHMA)
    candidates = [person_living_with(client, people, ASTHMA) for _ in range(3)]
    before = seen_by(client, attacker)
    set_conditions(client, candidates[1], ASTHMA, hidden(DIABETES_T1, "matches"))
    assert seen_by(client, attacker) == before


def test_the_seeker_may_still_search_by_their_own_hidden_condition(client, people):
    # Their own conditions are theirs to use: what they search for is not what others hide.
    seeker = person_living_with(client, people, hidden(DIABETES_T1, "private"))
    open_peer = person_living_with(client, people, DIABETES_T1)
    assert open_peer.id in seen_by(client, seeker, condition_id=condition_id(client, DIABETES_T1))


# --- profiles: a connection, not a declaration, shows a `matches` condition ---------------------------

def profile_condition_names(client, viewer, owner) -> set[str]:
    response = client.get(f"{API}/users/{owner.id}", headers=viewer.headers)
    assert response.status_code == 200
    return {c["condition"]["name"] for c in response.json["conditions"]}


def test_an_active_mentorship_shows_matches_conditions_to_both(client, people):
    mentor = make_mentor(client, people, DIABETES_T1, hidden(ASTHMA, "matches"))
    mentee = person_living_with(client, people, DIABETES_T1, hidden(DIABETES_T2, "matches"))
    assert profile_condition_names(client, mentee, mentor) == {DIABETES_T1}
    start_mentorship(client, mentee, mentor)
    assert profile_condition_names(client, mentee, mentor) == {DIABETES_T1, ASTHMA}
    assert profile_condition_names(client, mentor, mentee) == {DIABETES_T1, DIABETES_T2}


def test_private_conditions_stay_private_even_from_connections(client, people):
    mentor = make_mentor(client, people, DIABETES_T1, hidden(ASTHMA, "private"))
    mentee = person_living_with(client, people, DIABETES_T1)
    start_mentorship(client, mentee, mentor)
    assert profile_condition_names(client, mentee, mentor) == {DIABETES_T1}


# --- open support requests: the mentor's own conditions are no key ---------------------------------

def ask(client, person, **body):
    response = client.post(REQUESTS, json={"intent": "one_to_one", "duration": "one_off"} | body,
                           headers=person.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def open_request_ids(client, mentor) -> list[str]:
    response = client.get(f"{REQUESTS}/open", headers=mentor.headers)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


@pytest.mark.parametrize("visibility", ["matches", "private"])
def test_a_mentor_changing_their_conditions_does_not_learn_who_asked_about_a_hidden_one(client, people, visibility):
    requester = person_living_with(client, people, hidden(DIABETES_T1, visibility))
    request_id = ask(client, requester, condition_id=condition_id(client, DIABETES_T1))
    mentor = make_mentor(client, people, ASTHMA)
    set_conditions(client, mentor, ASTHMA, hidden(DIABETES_T1, "private"))  # the "key"
    assert request_id not in open_request_ids(client, mentor)
    answer = client.post(f"{REQUESTS}/{request_id}/answer", headers=mentor.headers)
    assert answer.status_code == 404


def test_a_request_about_a_public_condition_reaches_mentors_who_share_it(client, people):
    requester = person_living_with(client, people, DIABETES_T1)
    request_id = ask(client, requester, condition_id=condition_id(client, DIABETES_T1))
    mentor = make_mentor(client, people, DIABETES_T1)
    assert request_id in open_request_ids(client, mentor)


def test_hiding_the_condition_later_takes_the_request_off_the_open_list(client, people):
    requester = person_living_with(client, people, DIABETES_T1)
    request_id = ask(client, requester, condition_id=condition_id(client, DIABETES_T1))
    mentor = make_mentor(client, people, DIABETES_T1)
    set_conditions(client, requester, hidden(DIABETES_T1, "matches"))
    assert request_id not in open_request_ids(client, mentor)


@pytest.mark.parametrize("visibility, listed", [("public", True), ("matches", False), ("private", False)])
def test_the_requester_is_told_whether_mentors_see_their_request(client, people, visibility, listed):
    requester = person_living_with(client, people, hidden(DIABETES_T1, visibility))
    request_id = ask(client, requester, condition_id=condition_id(client, DIABETES_T1))
    shown = client.get(f"{REQUESTS}/{request_id}", headers=requester.headers).json
    assert shown["listed_for_mentors"] is listed
    assert ask_about_nothing_is_listed(client, requester)


def ask_about_nothing_is_listed(client, requester) -> bool:
    response = client.post(REQUESTS, json={"intent": "one_to_one", "duration": "one_off"}, headers=requester.headers)
    return response.json["listed_for_mentors"] is True

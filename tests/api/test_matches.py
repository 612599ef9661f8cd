"""GET /matches: who is never listed, and how each factor shows in the order and the reasons."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import assert_problem
from tests.mentoring_helpers import (
    API, DIABETES_T1, DIABETES_T2, condition_id, make_mentor, match_ids, matches, patch_profile, reasons_for,
    request_mentorship, set_conditions, set_mentor_profile, set_user, start_mentorship,
)


@pytest.fixture
def seeker(client, people):
    """Someone newly living with type 1 diabetes, looking for company."""
    person = people.make()
    set_conditions(client, person, {"name": DIABETES_T1, "diagnosed_year": 2022})
    return person


def peer(client, people, *conditions, **register):
    person = people.make(**register)
    set_conditions(client, person, *(conditions or (DIABETES_T1,)))
    return person


# Who is never listed

def test_the_caller_is_never_listed(client, people, seeker):
    peer(client, people)
    assert seeker.id not in match_ids(client, seeker)


@pytest.mark.parametrize("blocker", ["seeker", "candidate"])
def test_someone_blocked_either_way_is_not_listed(client, people, seeker, blocker):
    candidate = peer(client, people)
    assert candidate.id in match_ids(client, seeker)
    first, second = (seeker, candidate) if blocker == "seeker" else (candidate, seeker)
    assert client.post(f"{API}/blocks", json={"user_id": second.id}, headers=first.headers).status_code == 201
    assert candidate.id not in match_ids(client, seeker)


def test_a_suspended_person_is_not_listed(app, client, people, seeker):
    candidate = peer(client, people)
    assert candidate.id in match_ids(client, seeker)
    set_user(app, candidate, suspended_at=datetime.now(timezone.utc))
    assert candidate.id not in match_ids(client, seeker)


def test_a_paused_mentor_is_not_listed(client, people, seeker):
    mentor = make_mentor(client, people)
    assert mentor.id in match_ids(client, seeker, kind="mentor")
    patch_profile(client, mentor, accepting_mentees=False)
    assert mentor.id not in match_ids(client, seeker, kind="mentor")


def test_a_mentor_whose_accreditation_expired_is_not_listed(app, client, people, seeker):
    mentor = make_mentor(client, people)
    assert mentor.id in match_ids(client, seeker, kind="mentor")
    set_mentor_profile(app, mentor, accredited_until=datetime.now(timezone.utc) - timedelta(minutes=1))
    assert mentor.id not in match_ids(client, seeker, kind="mentor")


def test_a_mentor_at_capacity_is_not_listed(client, people, seeker):
    mentor = make_mentor(client, people, profile={"capacity": 1})
    assert mentor.id in match_ids(client, seeker, kind="mentor")
    start_mentorship(client, people.make(), mentor)
    assert mentor.id not in match_ids(client, seeker, kind="mentor")


def test_a_patient_is_not_listed_as_a_mentor(client, people, seeker):
    patient = peer(client, people)
    assert patient.id in match_ids(client, seeker, kind="peer")
    assert patient.id not in match_ids(client, seeker, kind="mentor")


@pytest.mark.parametrize("accepted", [False, True])
def test_someone_already_connected_or_asked_is_not_listed(client, people, seeker, accepted):
    candidate = peer(client, people)
    assert candidate.id in match_ids(client, seeker)
    connection = client.post(f"{API}/connections", json={"user_id": candidate.id}, headers=seeker.headers)
    if accepted:
        client.post(f"{API}/connections/{connection.json['id']}/accept", headers=candidate.headers)
    assert candidate.id not in match_ids(client, seeker)


@pytest.mark.parametrize("accepted", [False, True])
def test_a_mentor_already_asked_or_mentoring_the_caller_is_not_listed(client, people, seeker, accepted):
    mentor = make_mentor(client, people)
    assert mentor.id in match_ids(client, seeker, kind="mentor")
    mentorship_id = request_mentorship(client, seeker, mentor).json["id"]
    if accepted:
        client.post(f"{API}/mentorships/{mentorship_id}/accept", headers=mentor.headers)
    assert mentor.id not in match_ids(client, seeker, kind="mentor")


def test_someone_sharing_only_a_private_condition_is_not_listed(client, people, seeker):
    candidate = peer(client, people, {"name": DIABETES_T1, "visibility": "private"})
    assert candidate.id not in match_ids(client, seeker)


def test_someone_without_a_shared_language_is_not_listed(client, people, seeker):
    candidate = peer(client, people, languages=["pl"])
    assert candidate.id not in match_ids(client, seeker)
    set_user_languages(client, seeker, ["en", "pl"])
    assert candidate.id in match_ids(client, seeker)


def set_user_languages(client, person, languages):
    assert client.patch(f"{API}/me", json={"languages": languages}, headers=person.headers).status_code == 200


def test_someone_with_an_unrelated_condition_is_not_listed(client, people, seeker):
    candidate = peer(client, people, "Asthma")
    assert candidate.id not in match_ids(client, seeker)


# Each factor, seen from outside

def test_the_same_condition_ranks_above_the_same_group(client, people, seeker):
    group = peer(client, people, DIABETES_T2, display_name="Gwen")
    same = peer(client, people, DIABETES_T1, display_name="Sam")
    items = matches(client, seeker)
    assert [i["user"]["id"] for i in items] == [same.id, group.id]
    assert items[0]["reasons"][0] == "Also lives with Type 1 diabetes"
    assert items[1]["reasons"][0] == "Lives with a condition in the same group (Diabetes)"


def test_a_shared_treatment_ranks_higher_and_is_named(client, people):
    seeker = peer(client, people, {"name": DIABETES_T1, "treatments": ["Insulin pump"]})
    plain = peer(client, people, {"name": DIABETES_T1, "treatments": ["Injections"]})
    shared = peer(client, people, {"name": DIABETES_T1, "treatments": ["insulin pump"]})
    assert match_ids(client, seeker) == [shared.id, plain.id]
    assert "Also uses insulin pump" in reasons_for(client, seeker, shared)


def test_a_mentor_diagnosed_years_before_ranks_higher(client, people, seeker):
    newer = make_mentor(client, people, {"name": DIABETES_T1, "diagnosed_year": 2023})
    older = make_mentor(client, people, {"name": DIABETES_T1, "diagnosed_year": 2012})
    assert match_ids(client, seeker, kind="mentor") == [older.id, newer.id]
    assert "Diagnosed 10 years before you" in reasons_for(client, seeker, older, kind="mentor")


def test_a_peer_diagnosed_around_the_same_time_ranks_higher(client, people, seeker):
    earlier = peer(client, people, {"name": DIABETES_T1, "diagnosed_year": 2000})
    same_time = peer(client, people, {"name": DIABETES_T1, "diagnosed_year": 2021})
    assert match_ids(client, seeker) == [same_time.id, earlier.id]
    assert "Diagnosed around the same time as you" in reasons_for(client, seeker, same_time)


def test_a_shared_language_beyond_english_ranks_higher(client, people):
    seeker = peer(client, people, languages=["en", "pa"])
    english = peer(client, people, languages=["en"])
    punjabi = peer(client, people, languages=["pa", "en"])
    assert match_ids(client, seeker) == [punjabi.id, english.id]
    assert "Speaks Punjabi" in reasons_for(client, seeker, punjabi)


def test_the_same_region_ranks_higher(client, people):
    seeker = peer(client, people, region="Yorkshire")
    elsewhere = peer(client, people, region="Cornwall")
    nearby = peer(client, people, region="Yorkshire")
    assert match_ids(client, seeker) == [nearby.id, elsewhere.id]
    assert "Lives in your region" in reasons_for(client, seeker, nearby)


def test_only_mentors_offering_the_asked_support_type_are_listed(client, people, seeker):
    chat_only = make_mentor(client, people, profile={"support_types": ["chat"]})
    reviews = make_mentor(client, people, profile={"support_types": ["chat", "review"]})
    assert match_ids(client, seeker, kind="mentor", support_type="review") == [reviews.id]
    assert "Offers reviews" in reasons_for(client, seeker, reviews, kind="mentor", support_type="review")
    assert chat_only.id in match_ids(client, seeker, kind="mentor")


def test_a_mentor_who_answers_quickly_ranks_higher(client, people, seeker):
    slow = make_mentor(client, people)
    quick = make_mentor(client, people)
    # The quick mentor answers someone else's request at once: a median response under a day.
    mentorship_id = request_mentorship(client, people.make(), quick).json["id"]
    client.post(f"{API}/mentorships/{mentorship_id}/decline", headers=quick.headers)
    assert match_ids(client, seeker, kind="mentor") == [quick.id, slow.id]
    assert "Usually answers within a day" in reasons_for(client, seeker, quick, kind="mentor")


def test_a_mentor_who_takes_more_than_a_day_gets_no_quick_answer_credit(app, client, people, seeker):
    mentor = make_mentor(client, people)
    set_mentor_profile(app, mentor, median_response_hours=30.0)
    assert "Usually answers within a day" not in reasons_for(client, seeker, mentor, kind="mentor")


def test_a_rating_counts_only_from_three_ratings(app, client, people, seeker):
    rated_twice = make_mentor(client, people)
    rated_thrice = make_mentor(client, people)
    set_mentor_profile(app, rated_twice, rating_count=2, rating_mean=5.0)
    set_mentor_profile(app, rated_thrice, rating_count=3, rating_mean=4.0)
    items = matches(client, seeker, kind="mentor")
    assert [i["user"]["id"] for i in items] == [rated_thrice.id, rated_twice.id]
    assert "Rated 4.0 out of 5 by 3 mentees" in items[0]["reasons"]
    assert not any("Rated" in reason for reason in items[1]["reasons"])


def test_ratings_below_three_do_not_decide_who_enters_a_full_pool(monkeypatch, app, client, people, seeker):
    from services.matching import finder

    monkeypatch.setattr(finder, "POOL_SIZE", 1)
    rated_once = make_mentor(client, people)
    rated_thrice = make_mentor(client, people)
    set_mentor_profile(app, rated_once, rating_count=1, rating_mean=5.0)
    set_mentor_profile(app, rated_thrice, rating_count=3, rating_mean=3.0)
    assert match_ids(client, seeker, kind="mentor") == [rated_thrice.id]


def test_reasons_never_mention_a_private_condition_or_a_birth_year(client, people):
    seeker = peer(client, people, DIABETES_T1, "Asthma", birth_year=1980)
    candidate = peer(client, people, DIABETES_T1, {"name": "Asthma", "visibility": "private"}, birth_year=1981)
    reasons = reasons_for(client, seeker, candidate)
    assert reasons == ["Also lives with Type 1 diabetes"]
    assert not any("Asthma" in r or "1981" in r or "age" in r.lower() for r in reasons)


def test_a_match_shows_only_a_public_profile(client, people, seeker):
    peer(client, people)
    [item] = matches(client, seeker)
    assert set(item) == {"user", "score", "reasons"}
    assert not {"email", "birth_year", "conditions", "settings"} & set(item["user"])


# The query

def test_a_condition_the_caller_does_not_have_is_refused(client, people, seeker):
    response = client.get(f"{API}/matches", query_string={"condition_id": condition_id(client, "Asthma")},
                          headers=seeker.headers)
    assert_problem(response, 422)


def test_choosing_a_condition_narrows_the_matches_to_it(client, people):
    seeker = peer(client, people, DIABETES_T1, "Asthma")
    diabetic = peer(client, people, DIABETES_T1)
    asthmatic = peer(client, people, "Asthma")
    assert set(match_ids(client, seeker)) == {diabetic.id, asthmatic.id}
    assert match_ids(client, seeker, condition_id=condition_id(client, "Asthma")) == [asthmatic.id]


def test_the_caller_may_match_on_their_own_private_condition(client, people):
    seeker = peer(client, people, {"name": DIABETES_T1, "visibility": "private"})
    candidate = peer(client, people)
    assert match_ids(client, seeker) == [candidate.id]


def test_a_caller_with_no_conditions_gets_no_matches(client, people):
    peer(client, people)
    assert matches(client, people.make()) == []


def test_the_limit_is_respected(client, people, seeker):
    for _ in range(3):
        peer(client, people)
    assert len(matches(client, seeker, limit=2)) == 2


def test_matches_come_best_first(client, people, seeker):
    peer(client, people, DIABETES_T2)
    peer(client, people, {"name": DIABETES_T1, "diagnosed_year": 2021}, region="Kent")
    peer(client, people, DIABETES_T1)
    scores = [item["score"] for item in matches(client, seeker)]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True) and scores[0] > scores[-1]


@pytest.mark.parametrize("query", [{"kind": "coach"}, {"support_type": "therapy"}, {"limit": 0}, {"limit": 101},
                                   {"condition_id": "not-an-id"}])
def test_a_malformed_query_is_refused(client, seeker, query):
    assert_problem(client.get(f"{API}/matches", query_string=query, headers=seeker.headers), 422)


def test_matches_need_a_signed_in_caller(client):
    assert client.get(f"{API}/matches").status_code == 401

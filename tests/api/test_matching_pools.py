"""What matching keeps between requests (services/matching/pools.py) is never stale in what it shows.

A mentor who stops being eligible drops out of the very next answer, even when the shortlist kept
between requests still lists them (the pool query checks everyone live); a mentor who becomes
eligible is in the very next answer (a write that can add one stamps the shortlist out of date),
also when another app on the same database (another process) served the last answer.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.matching import pools
from tests.mentoring_helpers import (
    API, DIABETES_T1, make_mentor, match_ids, patch_profile, set_conditions, set_mentor_profile, set_user,
)


@pytest.fixture
def seeker(client, people):
    person = people.make()
    set_conditions(client, person, {"name": DIABETES_T1, "diagnosed_year": 2022})
    return person


@pytest.fixture
def frozen_shortlist(monkeypatch):
    """From here on, no write marks the shortlist out of date: only the live checks can drop anyone."""
    monkeypatch.setattr(pools, "_pair_adding", lambda statement: False)


def _erase(client, person):
    assert client.delete(f"{API}/me", headers=person.headers).status_code == 204


def _make_private(client, person):
    set_conditions(client, person, {"name": DIABETES_T1, "visibility": "private"})


def _suspend(client, person, app):
    set_user(app, person, suspended_at=datetime.now(timezone.utc))


def _withdraw_consent(client, person, app):
    set_user(app, person, health_consent_withdrawn_at=datetime.now(timezone.utc))


def _block_the_seeker(client, person, seeker):
    assert client.post(f"{API}/blocks", json={"user_id": seeker.id}, headers=person.headers).status_code == 201


@pytest.mark.parametrize("change", ["paused", "expired", "private", "suspended", "erased", "consent", "blocks",
                                    "speaks another language"])
def test_a_mentor_who_stops_being_eligible_drops_out_at_once(app, client, people, seeker, frozen_shortlist, change):
    mentor = make_mentor(client, people)
    other = make_mentor(client, people)
    assert set(match_ids(client, seeker, kind="mentor")) == {mentor.id, other.id}  # the shortlist is built
    if change == "paused":
        assert patch_profile(client, mentor, accepting_mentees=False).status_code == 200
    elif change == "expired":
        set_mentor_profile(app, mentor, accredited_until=datetime(2020, 1, 1, tzinfo=timezone.utc))
    elif change == "private":
        _make_private(client, mentor)
    elif change == "suspended":
        _suspend(client, mentor, app)
    elif change == "erased":
        _erase(client, mentor)
    elif change == "consent":
        _withdraw_consent(client, mentor, app)
    elif change == "blocks":
        _block_the_seeker(client, mentor, seeker)
    else:
        assert client.patch(f"{API}/me", json={"languages": ["pl"]}, headers=mentor.headers).status_code == 200
    assert match_ids(client, seeker, kind="mentor") == [other.id]


def test_a_condition_made_public_brings_a_mentor_in_at_once(client, people, seeker):
    mentor = make_mentor(client, people, {"name": DIABETES_T1, "visibility": "private"})
    other = make_mentor(client, people)
    assert match_ids(client, seeker, kind="mentor") == [other.id]
    set_conditions(client, mentor, {"name": DIABETES_T1, "visibility": "public"})
    assert set(match_ids(client, seeker, kind="mentor")) == {mentor.id, other.id}


def test_a_new_mentor_is_offered_at_once(client, people, seeker):
    first = make_mentor(client, people)
    assert match_ids(client, seeker, kind="mentor") == [first.id]
    second = make_mentor(client, people)
    assert set(match_ids(client, seeker, kind="mentor")) == {first.id, second.id}


def test_a_change_made_through_another_process_is_seen_at_once(make_app, client, people, seeker):
    """Two apps on one database, as two API processes (with Redis when the suite runs with it)."""
    first = make_mentor(client, people)
    assert match_ids(client, seeker, kind="mentor") == [first.id]
    other_process = make_app().test_client()
    second = make_mentor(other_process, people)
    assert set(match_ids(client, seeker, kind="mentor")) == {first.id, second.id}


def test_a_shortlist_built_in_a_transaction_older_than_the_last_write_is_not_kept(app, client, people, seeker):
    """The shortlist is read in the request's transaction: one that began before a write may miss it
    (SQLite reads a snapshot), so it serves that request only and the next request builds it again."""
    from sqlalchemy import create_engine, text

    from models import User, db
    from services.matching import find_matches

    hidden = make_mentor(client, people, {"name": DIABETES_T1, "visibility": "private"})
    with app.test_request_context("/api/v1/matches"):
        me = db.session.get(User, seeker.id)  # the transaction begins here
        elsewhere = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # another process, say
        with elsewhere.begin() as conn:
            conn.execute(text("UPDATE user_conditions SET visibility = 'public' WHERE user_id = :id"), {"id": hidden.id})
        elsewhere.dispose()
        pools.invalidate()
        find_matches(me, kind="mentor")  # may or may not see `hidden` made public, depending on the engine
        db.session.remove()
    assert hidden.id in match_ids(client, seeker, kind="mentor")

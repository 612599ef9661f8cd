"""The finder ranks exactly as before issue 15 (tests/services/matching_reference.py) on a seeded
population: the same people, scores, reasons and order for every seeker, kind, condition, support
type and limit, with the pool at its normal size and so small that every tier is cut short.

The population mixes what the pool must leave out (private and `matches` conditions, suspended,
erased and consent-withdrawn people, paused, full and expired mentors, programme-scoped people,
blocks, connections and mentorships either way) with what scoring weighs (treatments, diagnosis
years, languages, regions, time zones, support types, availability, response times, ratings).
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import (
    Block, Condition, Connection, MentorProfile, Mentorship, Organisation, OrganisationMember, User, UserCondition,
    UserRole, db, pair_key,
)
from services.matching import finder
from tests.services import matching_reference as reference

SLUGS = ["diabetes", "type-1-diabetes", "type-2-diabetes", "lada", "mody", "prediabetes",
         "lung-conditions", "asthma", "copd", "bronchiectasis", "depression"]
TREATMENTS = ["Insulin pump", "insulin pump", "metformin", "CGM", "inhaler", "CBT", "Metformin"]
LANGUAGES = [["en"], ["en"], ["en"], ["en", "pa"], ["pa", "en"], ["en", "pl"], ["pl"], ["cy", "en"]]
REGIONS = ["GB-ENG", "GB-ENG", "GB-SCT", "GB-WLS", None]
TIMEZONES = ["Europe/London", "Europe/London", "Europe/Dublin", None]
SUPPORT_SETS = [["chat"], ["chat", "mentoring"], ["mentoring", "review"], ["chat", "review", "group"]]
PEOPLE, SEEKERS = 320, 14


def seed_population(rng: random.Random) -> list[str]:
    """Insert the population and return the seekers' ids."""
    now = datetime.now(timezone.utc)
    conditions = dict(db.session.execute(select(Condition.slug, Condition.id).where(Condition.slug.in_(SLUGS))).all())
    assert len(conditions) == len(SLUGS)
    organisation = Organisation(name="Equivalence programme", kind="nhs_trust")
    db.session.add(organisation)
    db.session.flush()
    users = []
    for i in range(PEOPLE):
        user = User(display_name=f"P{i}", email=f"p{i}@example.org", languages=rng.choice(LANGUAGES),
                    region=rng.choice(REGIONS), timezone=rng.choice(TIMEZONES), birth_year=rng.randint(1940, 2005),
                    suspended_at=now if rng.random() < 0.03 else None,
                    erased_at=now if rng.random() < 0.02 else None,
                    health_consent_withdrawn_at=now if rng.random() < 0.03 else None,
                    matching_scope="programme" if rng.random() < 0.06 else "network")
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    for i, user in enumerate(users):
        db.session.add(UserRole(user_id=user.id, role="patient"))
        for slug in rng.sample(SLUGS, k=rng.choice((1, 1, 2, 3))):
            db.session.add(UserCondition(
                user_id=user.id, condition_id=conditions[slug],
                diagnosed_year=rng.choice([None, *range(1995, 2026)]),
                treatments=rng.sample(TREATMENTS, k=rng.choice((0, 1, 2, 3))),
                visibility=rng.choices(("public", "matches", "private"), weights=(60, 25, 15))[0]))
        if user.matching_scope == "programme" or rng.random() < 0.1:
            db.session.add(OrganisationMember(organisation_id=organisation.id, user_id=user.id))
        if i >= SEEKERS and rng.random() < 0.4:
            db.session.add(UserRole(user_id=user.id, role="mentor"))
            count = rng.choice((0, 0, 1, 2, 3, 4, 9))
            db.session.add(MentorProfile(
                user_id=user.id, accepting_mentees=rng.random() < 0.85, capacity=rng.choice((2, 3)),
                active_mentees=rng.choice((0, 0, 1, 2, 3)), support_types=rng.choice(SUPPORT_SETS),
                availability=[{"day": "mon", "start": "18:00", "end": "20:00"}] if rng.random() < 0.5 else [],
                accredited_until=now + timedelta(days=rng.choice((-3, 30, 200))),
                median_response_hours=rng.choice((None, 2.0, 20.0, 30.0)), rating_count=count,
                # Few distinct means, so equal ratings (ordered by id) happen often.
                rating_mean=rng.choice((3.0, 4.0, 4.5, 5.0)) if count else None))
    seekers = [u.id for u in users[:SEEKERS]]
    others = [u.id for u in users[SEEKERS:]]
    for seeker_id in seekers:
        for other in rng.sample(others, 6):
            what = rng.choice(("block", "blocked", "pending", "accepted", "declined", "mentee", "mentor", "ended"))
            if what == "block":
                db.session.add(Block(blocker_id=seeker_id, blocked_id=other))
            elif what == "blocked":
                db.session.add(Block(blocker_id=other, blocked_id=seeker_id))
            elif what in ("pending", "accepted", "declined"):
                first, second = rng.sample([seeker_id, other], 2)
                db.session.add(Connection(pair_key=pair_key(first, second), requester_id=first, addressee_id=second,
                                          status=what))
            else:
                status = {"mentee": "requested", "mentor": "active", "ended": "ended"}[what]
                mentor, mentee = (other, seeker_id) if what != "mentor" else (seeker_id, other)
                db.session.add(Mentorship(mentor_id=mentor, mentee_id=mentee, status=status,
                                          expires_at=now + timedelta(days=7)))
            db.session.flush()
    db.session.commit()
    return seekers


def ranked(matches) -> list[tuple[str, float, list[str]]]:
    return [(m.user.id, m.score, m.reasons) for m in matches]


def queries(seeker: User):
    own = sorted(uc.condition_id for uc in seeker.conditions)
    for kind in ("peer", "mentor"):
        for condition_id in [None, *own]:
            for support_type in ((None, "review") if kind == "mentor" else (None,)):
                # The order is total (score, then id), so the first `limit` of 100 are the answer for any limit.
                yield {"kind": kind, "condition_id": condition_id, "support_type": support_type, "limit": 100}


@pytest.mark.parametrize("pool_size", [150, 7])
def test_the_finder_ranks_as_before(app, monkeypatch, pool_size):
    monkeypatch.setattr(finder, "POOL_SIZE", pool_size)
    monkeypatch.setattr(reference, "POOL_SIZE", pool_size)
    compared = nonempty = 0
    with app.test_request_context("/api/v1/matches"):
        seekers = seed_population(random.Random(15))
        for seeker_id in seekers:
            seeker = db.session.get(User, seeker_id)
            if seeker.health_consent_withdrawn_at is not None:
                continue
            for query in queries(seeker):
                expected = ranked(reference.find_matches(seeker, **query))
                got = ranked(finder.find_matches(seeker, **query))
                assert got == expected, (seeker_id, query)
                compared += 1
                nonempty += bool(expected)
            db.session.remove()
    assert compared > 80 and nonempty > compared * 0.8

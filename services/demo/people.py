"""The demo's accounts: the named people of data.PEOPLE and the synthetic cohort, all with one password.

The password is hashed once and the hash shared: with the production Argon2 profile a hash per
account would make seeding a few dozen people take most of a minute.
"""
from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from models import Condition, ConsentKind, ConsentRecord, MentorProfile, Role, User, UserCondition, UserRole, db, utcnow
from models.base import new_id
from services import passwords
from services.demo.data import (
    COHORT_CONDITIONS, COHORT_MENTORS, COHORT_PEERS, DEMO_DOMAIN, DEMO_PASSWORD, FULL_MENTORS, PEOPLE, REGIONS,
)

TREATMENTS = {"type-1-diabetes": ["insulin pump", "CGM", "multiple daily injections"],
              "type-2-diabetes": ["metformin", "diet"], "copd": ["inhalers", "pulmonary rehab"],
              "asthma": ["preventer inhaler"], "long-covid": ["pacing"], "heart-failure": ["beta blocker"]}


def email_of(name: str) -> str:
    return f"{name}@{DEMO_DOMAIN}"


def create_people(rng: random.Random) -> dict[str, User]:
    """Every demo account by its email name (`grace`, `mentor07`, `peer12`), with conditions and, for
    mentors, an accepting mentor profile."""
    conditions = {c.slug: c.id for c in db.session.scalars(select(Condition))}
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    joined = utcnow() - timedelta(days=200)  # before last quarter, so the cohort's history fits after it
    people: dict[str, User] = {}
    for name, display_name, roles, region, languages, lived in PEOPLE:
        people[name] = _person(name, display_name, roles, region, languages, 1962 + 3 * len(people),
                               [(conditions[s], year, treatments, vis) for s, year, treatments, vis in lived
                                if s in conditions], password_hash, joined)
    for number in range(1, COHORT_MENTORS + COHORT_PEERS + 1):
        is_mentor = number <= COHORT_MENTORS
        name = f"mentor{number:02d}" if is_mentor else f"peer{number - COHORT_MENTORS:02d}"
        label = f"Mentor {number:02d} (demo)" if is_mentor else f"Peer {number - COHORT_MENTORS:02d} (demo)"
        slug = rng.choice(COHORT_CONDITIONS)
        lived = [(conditions[slug], rng.randint(1995, 2024), rng.sample(TREATMENTS[slug], 1),
                  rng.choice(["public", "matches"]))] if slug in conditions else []
        people[name] = _person(name, label, ["mentor"] if is_mentor else [], rng.choice(REGIONS), ["en"],
                               rng.randint(1950, 2004), lived, password_hash, joined)
    db.session.flush()  # the users first: consents and profiles refer to them without a relationship
    _consents(people)
    _mentor_profiles(people)
    db.session.commit()
    return people


def _person(name, display_name, roles, region, languages, birth_year, lived, password_hash, joined) -> User:
    user = User(id=new_id(), email=email_of(name), password_hash=password_hash, display_name=display_name,
                region=region, languages=languages, timezone="Europe/London", birth_year=birth_year,
                created_at=joined, updated_at=joined)
    user.role_rows.extend(UserRole(role=role, granted_at=joined) for role in {Role.PATIENT, *roles})
    user.conditions = [UserCondition(condition_id=condition_id, diagnosed_year=year, treatments=treatments,
                                     visibility=visibility) for condition_id, year, treatments, visibility in lived]
    db.session.add(user)
    return user


def _consents(people: dict[str, User]) -> None:
    """What registering records: the terms and the health-data consent (the operator's, for demo people)."""
    config = current_app.config
    versions = ((ConsentKind.TERMS, config["TERMS_VERSION"]), (ConsentKind.HEALTH_DATA, config["HEALTH_DATA_CONSENT_VERSION"]))
    db.session.add_all(ConsentRecord(user_id=user.id, kind=kind, version=version, granted=True,
                                     recorded_at=user.created_at)
                       for user in people.values() for kind, version in versions)


def _mentor_profiles(people: dict[str, User]) -> None:
    """Accredited for most of a year; the full cohort mentors offer one place, the others three. One
    cohort mentor's accreditation ends in ten days, for the console's renewals page."""
    now = utcnow()
    for name, user in people.items():
        if not user.has_role(Role.MENTOR):
            continue
        number = int(name[6:]) if name.startswith("mentor") else 0
        until = now + (timedelta(days=10) if number == COHORT_MENTORS else timedelta(days=300))
        db.session.add(MentorProfile(
            user_id=user.id, accepting_mentees=True, capacity=1 if 0 < number <= FULL_MENTORS else 3,
            support_types=["chat", "mentoring", "review"],
            availability=[{"day": "tue", "start": "18:00", "end": "20:00"}, {"day": "sat", "start": "10:00", "end": "12:00"}],
            accredited_until=until, updated_at=now))

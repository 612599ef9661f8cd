"""A believable, clearly synthetic demo community for trying the app (`flask --app wsgi seed-demo`).

data.py       who is in it: named people, programmes, the library, the cohort's size
people.py     their accounts (one shared password hash), conditions and mentor profiles
community.py  today: friendships and conversations, mentoring, a circle, support requests, moderation
history.py    last quarter for the synthetic cohort, behind the outcome and programme figures
courses.py    a self-management course starting next week, full with a waitlist, and its tutors

Every account's email ends in @demo.peerless.invalid and every display name says "demo". The seed
is deterministic (a fixed random seed, fixed client_msg_ids) and runs once: a database that already
has the demo is left as it is.
"""
from __future__ import annotations

import random

from flask import current_app
from sqlalchemy import select

from models import User, db
from services.demo import community, courses, history, people
from services.demo.data import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_REFERRAL_CODE, PEOPLE, PROGRAMMES
from services.errors import ConflictError

__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "DEMO_REFERRAL_CODE", "PEOPLE", "PROGRAMMES", "DemoRefusedError",
           "is_seeded", "seed_demo_community"]

SEED = 20261202


class DemoRefusedError(ConflictError):
    code, title = "demo_refused", "The demo community is not seeded here"


def is_seeded() -> bool:
    return db.session.scalar(select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}")).limit(1)) is not None


def seed_demo_community() -> list[User]:
    """Create the demo community on a database without one; return the named people created (none when
    the demo is already there). Refused in production: synthetic people must never mix with real ones."""
    if current_app.config["PEERLESS_ENV"] == "production":
        raise DemoRefusedError("seed-demo is for development and demonstration databases, not production.")
    if is_seeded():
        return []
    rng = random.Random(SEED)
    everyone = people.create_people(rng)
    history.replay_last_quarter(everyone, rng)
    community.seed_today(everyone)
    courses.seed_course(everyone)
    return [everyone[name] for name, *_ in PEOPLE]

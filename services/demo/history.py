"""Last quarter, replayed for the synthetic cohort, so that the outcome and programme figures have
something to show: mentorship requests (accepted, declined, left to expire), a circle, and three
check-ins of every instrument per person.

Outcomes and programme metrics are reported for the latest calendar quarter that has ended
(docs/outcomes.md), so everything here is dated inside that quarter, whenever the demo is seeded.
Each row is made through the same services the API uses, then moved back in time.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update

from models import (
    CheckIn, Conversation, ConversationMember, GroupMembership, Mentorship, MentorshipStatus, Message, User, db,
    utcnow,
)
from services import disclosure, groups, mentorships, messages
from services.checkins.instruments import INSTRUMENTS, score
from services.demo.data import CIRCLE_PEERS, COHORT_MENTORS, DECLINED_PEERS, EXPIRED_PEERS, MENTORED_PEERS

DEMO_IDS = uuid.UUID("5f0c9a8e-3a1d-4d6b-9a57-6e6d656d6f21")  # namespace for the demo's client_msg_ids
CHECK_IN_DAYS = (8, 44, 80)  # days into the quarter; every quarter is at least 90 days long


def client_msg_id(*parts: object) -> str:
    """A stable client_msg_id, so that the same demo message always has the same one."""
    return str(uuid.uuid5(DEMO_IDS, "/".join(map(str, parts))))


def replay_last_quarter(people: dict[str, User], rng: random.Random) -> None:
    start = disclosure.reporting_period(period=None, since=None, until=None, now=utcnow()).since
    mentors = [people[f"mentor{n:02d}"] for n in range(1, COHORT_MENTORS + 1)]
    peers = [person for name, person in people.items() if name.startswith("peer")]
    mentored = peers[:MENTORED_PEERS]
    for index, (mentee, mentor) in enumerate(zip(mentored, mentors)):
        _accepted_mentorship(mentor, mentee, start + timedelta(days=2 + index, hours=9), rng)
    asking = peers[MENTORED_PEERS + CIRCLE_PEERS:]
    for index, mentee in enumerate(asking[:DECLINED_PEERS + EXPIRED_PEERS]):
        mentor = mentors[MENTORED_PEERS + index]
        _unanswered_or_declined(mentor, mentee, start + timedelta(days=20 + index, hours=14),
                                declined=index < DECLINED_PEERS, rng=rng)
    _circle(mentors[-2], peers[MENTORED_PEERS:MENTORED_PEERS + CIRCLE_PEERS], start + timedelta(days=4))
    supported = {p.id for p in peers[:MENTORED_PEERS + CIRCLE_PEERS]}
    for person in peers:
        _check_ins(person, start, person.id in supported, rng)
    db.session.commit()


def _accepted_mentorship(mentor: User, mentee: User, asked: datetime, rng: random.Random) -> None:
    """Asked, accepted a few hours later, and the mentor's first message some hours after that."""
    mentorship = mentorships.request_mentorship(mentee, mentor_id=mentor.id, goals=["Feel less alone with it"],
                                                message="Hello, I would like to talk to someone who has been there.")
    mentorships.accept(mentor, mentorship.id)
    answered = asked + timedelta(hours=rng.randint(2, 40))
    conversation_id = db.session.get(Mentorship, mentorship.id).conversation_id
    sent = messages.send_message(mentor, conversation_id, client_msg_id=client_msg_id("welcome", mentee.id),
                                 body="Hi, glad you got in touch. What would help most this week?")
    replied = answered + timedelta(hours=rng.randint(1, 20))
    _move_mentorship(mentorship.id, asked, answered, started=answered)
    db.session.execute(update(Message).where(Message.id == sent.id).values(created_at=replied))
    db.session.execute(update(Conversation).where(Conversation.id == conversation_id).values(created_at=answered))
    db.session.execute(update(ConversationMember).where(ConversationMember.conversation_id == conversation_id)
                       .values(joined_at=answered))
    db.session.commit()


def _unanswered_or_declined(mentor: User, mentee: User, asked: datetime, *, declined: bool, rng: random.Random) -> None:
    mentorship = mentorships.request_mentorship(mentee, mentor_id=mentor.id, message="Could we talk?")
    if declined:
        mentorships.decline(mentor, mentorship.id)
        _move_mentorship(mentorship.id, asked, asked + timedelta(hours=rng.randint(4, 30)))
    else:  # what the scheduled job does once the request's time is up
        _move_mentorship(mentorship.id, asked, None, status=MentorshipStatus.EXPIRED)
    db.session.commit()


def _move_mentorship(mentorship_id: str, asked: datetime, answered: datetime | None, *,
                     started: datetime | None = None, status: str | None = None) -> None:
    values = {"created_at": asked, "updated_at": answered or asked, "expires_at": asked + timedelta(days=5),
              "responded_at": answered}
    if started is not None:
        values["started_at"] = started
    if status is not None:
        values["status"] = status
    db.session.execute(update(Mentorship).where(Mentorship.id == mentorship_id).values(**values))


def _circle(host: User, members: list[User], opened: datetime) -> None:
    """A circle the cohort's circle peers sat in for the whole quarter (support for the outcomes split)."""
    circle = groups.create_group(host, name="Pacing and fatigue circle (demo)", visibility="public",
                                 description="A weekly check-in for anyone pacing their energy. Synthetic demo data.")
    for member in members:
        groups.join_group(member, circle.id)
    db.session.execute(update(ConversationMember).where(ConversationMember.conversation_id == circle.conversation_id)
                       .values(joined_at=opened))
    db.session.execute(update(GroupMembership).where(GroupMembership.group_id == circle.id).values(created_at=opened))
    db.session.commit()


def _check_ins(person: User, start: datetime, supported: bool, rng: random.Random) -> None:
    """Three check-ins of each instrument; people with support drift towards better answers more often."""
    for key, instrument in INSTRUMENTS.items():
        answers = [rng.choice(sorted(item.values)) for item in instrument.items]
        for day in CHECK_IN_DAYS:
            if day != CHECK_IN_DAYS[0]:
                answers = [_drift(instrument, i, value, rng, 0.55 if supported else 0.3)
                           for i, value in enumerate(answers)]
            when = start + timedelta(days=day + rng.randint(0, 5), hours=rng.randint(7, 21))
            db.session.add(CheckIn(user_id=person.id, instrument=key, answers=list(answers),
                                   scores=score(key, answers), created_at=when))


def _drift(instrument, index: int, value: int, rng: random.Random, better_chance: float) -> int:
    """One answer a step better (with `better_chance`), a step worse (less often) or the same."""
    values = sorted(instrument.items[index].values)
    # ONS4 scores each item as its own measure; the others have one total.
    measure = instrument.measures[index] if len(instrument.measures) == len(instrument.items) else instrument.measures[0]
    better = 1 if measure.higher_is_better else -1
    roll = rng.random()
    step = better if roll < better_chance else -better if roll > 0.85 else 0
    position = min(len(values) - 1, max(0, values.index(value) + step))
    return values[position]

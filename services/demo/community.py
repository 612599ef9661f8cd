"""The demo community today: programmes, the library, friendships and conversations, a mentorship, a
circle, support requests, and what waits for a moderator (a crisis alert, a report, a mentor
application, a push given up on). Made through the services the API uses, as people would."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import (
    Condition, MembershipRole, Notification, Organisation, OrganisationMember, OutboxStatus, PushOutbox, ReferralCode,
    Report, ReportStatus, User, db, utcnow,
)
from services import (
    connections, groups, mentors, mentorships, messages, moderation, organisations, resources, support_requests,
)
from services.demo.data import (
    DEMO_REFERRAL_CODE, GUIDES, LIBRARY, ORGANISATION_MODERATOR, PROGRAMMES,
)
from services.demo.history import client_msg_id

# (first, second, [(who writes, what)]): friends, and what they said.
FRIENDSHIPS = [
    ("sam", "priya", [("sam", "Hi Priya, I was diagnosed in the spring. How did you get used to carb counting?"),
                      ("priya", "Hi Sam! It took me months, honestly. An app that photographs the plate helped."),
                      ("sam", "Thanks, I will try one this week.")]),
    ("tom", "nia", [("nia", "Shwmae Tom, how was the pulmonary rehab taster?"),
                    ("tom", "Hard work but good. I managed the whole hour.")]),
    ("jo", "chris", [("chris", "Morning Jo, how did the infusion go?")]),
    ("maria", "ben", [("maria", "Thinking of you today, Ben. Did the appointment happen?")]),
]
CRISIS_MESSAGE = ("ben", "maria", "Honestly I can't see the point of going on any more. I have been thinking "
                                  "about ending it.")
REPORTED_MESSAGE = ("chris", "jo", "Stop moaning about it, people like you are a drain on the NHS.")


def seed_today(people: dict[str, User]) -> None:
    conditions = {c.slug: c.id for c in db.session.scalars(select(Condition))}
    _programmes(people)
    _library(people, conditions)
    conversations = {frozenset((a, b)): _befriend(people, a, b, said) for a, b, said in FRIENDSHIPS}
    connections.request_connection(people["lee"], user_id=people["ola"].id, message="Hi, fellow pacer here.")
    _mentoring(people)
    _circle(people, conditions)
    support_requests.create_request(people["jo"], intent="listen", duration="one_off",
                                    condition_id=conditions.get("crohns-disease"), topic="Starting a new biologic")
    support_requests.create_request(people["fatima"], intent="one_to_one", duration="ongoing",
                                    condition_id=conditions.get("type-2-diabetes"), topic="Getting back to walking")
    _moderation(people, conversations)
    _dead_letter(people["tom"])


def _programmes(people: dict[str, User]) -> None:
    """Two programmes; the first also holds the synthetic cohort (so its own moderator sees figures),
    has a moderator of its own and a demo referral code. The network moderator stays network-wide."""
    joined = utcnow() - timedelta(days=190)  # members before last quarter began: in its cohort
    cohort = [name for name in people if name.startswith(("mentor", "peer"))]
    for name, kind, members in PROGRAMMES:
        org = Organisation(name=name, kind=kind)
        db.session.add(org)
        db.session.flush()
        everyone = members + cohort if name == PROGRAMMES[0][0] else members
        db.session.add_all(OrganisationMember(
            organisation_id=org.id, user_id=people[m].id, joined_at=joined,
            role=MembershipRole.MODERATOR if (name, m) == ORGANISATION_MODERATOR else MembershipRole.MEMBER)
            for m in everyone)
        if name == PROGRAMMES[0][0]:
            db.session.add(ReferralCode(organisation_id=org.id, code_hash=organisations.hash_code(DEMO_REFERRAL_CODE),
                                        code_prefix=organisations.normalise_code(DEMO_REFERRAL_CODE)[:4], max_uses=None))
    db.session.commit()


def _library(people: dict[str, User], conditions: dict[str, str]) -> None:
    """Public guidance published by the moderator, one mentor's published guide, another's draft in review."""
    moderator = people["amira"]
    for title, url, level, slugs in LIBRARY:
        resources.create(moderator, title=title, url=url, evidence_level=level, status="published",
                         condition_ids=[conditions[s] for s in slugs if s in conditions])
    for author, title, body, slugs, publish in GUIDES:
        guide = resources.create(people[author], title=title, body=body,
                                 condition_ids=[conditions[s] for s in slugs if s in conditions])
        if publish:
            resources.update(moderator, guide.id, status="published")


def _befriend(people: dict[str, User], first: str, second: str, said: list[tuple[str, str]]) -> str:
    request = connections.request_connection(people[first], user_id=people[second].id)
    conversation_id = connections.accept_connection(people[second], request.id).conversation_id
    for number, (who, body) in enumerate(said):
        messages.send_message(people[who], conversation_id, client_msg_id=client_msg_id(first, second, number),
                              body=body)
    return conversation_id


def _mentoring(people: dict[str, User]) -> None:
    """Grace mentors Yusuf (with places left for Sam); Tom's request waits for Dev's answer."""
    mentorship = mentorships.request_mentorship(people["yusuf"], mentor_id=people["grace"].id,
                                                goals=["Sleep through without night hypos"])
    mentorships.accept(people["grace"], mentorship.id)
    conversation_id = db.session.get(type(mentorship), mentorship.id).conversation_id
    for number, (who, body) in enumerate([("grace", "Hi Yusuf, lovely to meet you. Shall we start with nights?"),
                                          ("yusuf", "Yes please, the 3am lows are wearing me out.")]):
        messages.send_message(people[who], conversation_id, client_msg_id=client_msg_id("mentoring", number),
                              body=body)
    mentorships.request_mentorship(people["tom"], mentor_id=people["dev"].id, goals=["Keep walking through winter"])
    # One application waits; one was approved (the audit log shows the decision).
    mentors.apply(people["lee"], motivation="Pacing changed my life and I want to pass it on.",
                  experience="Three years with long COVID; I run a local pacing group.",
                  condition_ids=[uc.condition_id for uc in people["lee"].conditions])
    approved = mentors.apply(people["ola"], motivation="I wish I had had someone to ask at the start.",
                             experience="Nine years with RA and two biologic switches.", training="Expert Patients Programme",
                             condition_ids=[uc.condition_id for uc in people["ola"].conditions])
    mentors.decide(people["amira"], approved.id, decision="approve", note="Demo: references checked.")


def _circle(people: dict[str, User], conditions: dict[str, str]) -> None:
    circle = groups.create_group(people["grace"], name="Type 1 diabetes circle (demo)",
                                 description="Newly diagnosed or years in: tips, tech and the odd rant.",
                                 condition_id=conditions.get("type-1-diabetes"))
    for name in ("sam", "priya", "yusuf"):
        groups.join_group(people[name], circle.id)
    messages.send_message(people["grace"], circle.conversation_id, client_msg_id=client_msg_id("circle", 0),
                          body="Welcome all! This week: what is in your hypo kit?")


def _moderation(people: dict[str, User], conversations: dict[frozenset, str]) -> None:
    """A crisis alert waiting for a moderator, a harassment report, and an old report already dealt with."""
    writer, friend, body = CRISIS_MESSAGE
    sent = messages.send_message(people[writer], conversations[frozenset((friend, writer))],
                                 client_msg_id=client_msg_id("crisis"), body=body)
    alert = db.session.scalar(select(Report.id).where(Report.target_id == sent.id, Report.status == ReportStatus.OPEN))
    if alert is None:  # the detector's verdict is not the demo's to assume: make sure the alert is there
        moderation.raise_crisis_alert(target_type="message", target_id=sent.id, person_id=people[writer].id,
                                      categories=("suicidal_ideation",))
        db.session.commit()
    writer, reader, body = REPORTED_MESSAGE
    conversation_id = conversations[frozenset((writer, reader))]
    rude = messages.send_message(people[writer], conversation_id, client_msg_id=client_msg_id("rude"), body=body)
    moderation.report(people[reader], target_type="message", target_id=rude.id, reason="harassment",
                      details="Demo report: this was hurtful.")
    old = moderation.report(people["priya"], target_type="user", target_id=people["sam"].id, reason="spam")
    moderation.resolve(people["amira"], old.id, action="dismiss", note="Demo: a misunderstanding, talked it through.")


def _dead_letter(person: User) -> None:
    """A push the worker gave up on (an expired device token), for the dead-letter page."""
    now = utcnow()
    notification = Notification(user_id=person.id, type="message", data={}, created_at=now - timedelta(hours=3))
    db.session.add(notification)
    db.session.flush()
    db.session.add(PushOutbox(user_id=person.id, notification_id=notification.id, status=OutboxStatus.DEAD,
                              attempts=5, next_attempt_at=now - timedelta(hours=2), created_at=now - timedelta(hours=3),
                              finished_at=now - timedelta(hours=2),
                              last_error="demo: UNREGISTERED (the app was uninstalled)"))
    db.session.commit()

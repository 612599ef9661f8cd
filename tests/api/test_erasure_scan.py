"""After erasure nothing of the person is left anywhere in the database (issue 13, finding 4).

The person does everything the API lets a member do (profile, conditions, consents, a mentor
application, both sides of mentorships with goals and feedback, a connection with a note, messages
sent, edited and deleted, contact details and crisis words the detectors catch, reads and mutes,
circles, blocks, reports, support requests, check-ins and reminders, a device, an organisation, a
draft guide, a password reset, a second session), and others write about them. Every text the
person wrote carries one marker; after `DELETE /me` every string and JSON column of every table
is read back and must hold neither that marker nor their email or display name, and their id
only where services/privacy/coverage.py documents an anonymous shell reference.
"""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from models import User, db
from services.privacy.coverage import COVERAGE, SHELL
from tests.mentoring_helpers import API, DIABETES_T1, apply_to_mentor, decide, make_mentor, set_conditions
from tests.factories import send


def ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201, 202, 204)), response.get_data(as_text=True)
    return response.get_json(silent=True)


def build_rich_world(client, people, app) -> tuple:
    """The person (returned with their marker) after doing everything the API allows."""
    mark = uuid.uuid4().hex[:12]
    moderator, admin = people.make(roles=("moderator",)), people.make(roles=("admin",))
    person = people.make(email=f"leaver-{mark}@example.org", display_name=f"Zeph {mark}",
                         bio=f"my story {mark}", pronouns=f"they {mark}"[:40])
    ok(client.patch(f"{API}/me", json={"region": "GB-ENG", "timezone": "Europe/London", "languages": ["en", "cy"],
                                      "settings": {"notifications": {"message_previews": True}}},
                    headers=person.headers))
    set_conditions(client, person, {"name": DIABETES_T1, "treatments": [f"insulin {mark}"], "visibility": "private",
                                    "diagnosed_year": 2001})
    ok(client.post(f"{API}/me/consents", json={"kind": "health_data", "granted": True}, headers=person.headers))

    # A mentor: applies (a moderator decides, with a note), sets a profile, takes a mentee.
    application = ok(apply_to_mentor(client, person, motivation=f"to help newly diagnosed people {mark}",
                                     experience=f"twenty years of living with it {mark}",
                                     training=f"course {mark}"))
    ok(decide(client, moderator, application["id"], note=f"approved {mark}"))
    ok(client.patch(f"{API}/me/mentor-profile", json={"capacity": 4}, headers=person.headers))
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    asked_me = ok(client.post(f"{API}/mentorships", json={"mentor_id": person.id, "message": f"Hi Zeph {mark}",
                                                         "goals": [f"their goal for {mark}"]}, headers=mentee.headers))
    mentoring = ok(client.post(f"{API}/mentorships/{asked_me['id']}/accept", headers=person.headers))
    send(client, person, mentoring["conversation_id"], f"as your mentor {mark}")
    ok(client.post(f"{API}/mentorships/{asked_me['id']}/end", headers=mentee.headers))
    ok(client.post(f"{API}/mentorships/{asked_me['id']}/feedback", json={"rating": 5, "comment": f"thanks Zeph {mark}"},
                   headers=mentee.headers))

    # A mentee: asks a mentor with a message and goals, talks, ends it and gives feedback.
    mentor = make_mentor(client, people, moderator=moderator)
    asked = ok(client.post(f"{API}/mentorships", json={"mentor_id": mentor.id, "message": f"please {mark}",
                                                      "goals": [f"goal {mark}"]}, headers=person.headers))
    accepted = ok(client.post(f"{API}/mentorships/{asked['id']}/accept", headers=mentor.headers))
    send(client, person, accepted["conversation_id"], f"hello mentor {mark}")
    ok(client.post(f"{API}/mentorships/{asked['id']}/end", headers=person.headers))
    ok(client.post(f"{API}/mentorships/{asked['id']}/feedback", json={"rating": 4, "comment": f"kind {mark}"},
                   headers=person.headers))

    # A connection with a note, then messages: plain, edited, deleted, contact details, crisis words.
    friend = people.make()
    note = ok(client.post(f"{API}/connections", json={"user_id": friend.id, "message": f"note {mark}"},
                          headers=person.headers))
    conversation = ok(client.post(f"{API}/connections/{note['id']}/accept", headers=friend.headers))["conversation_id"]
    ok(send(client, person, conversation, f"plain {mark}"))
    edited = ok(send(client, person, conversation, f"first draft {mark}"))
    ok(client.patch(f"{API}/messages/{edited['id']}", json={"body": f"edited {mark}"}, headers=person.headers))
    deleted = ok(send(client, person, conversation, f"regret {mark}"))
    ok(client.delete(f"{API}/messages/{deleted['id']}", headers=person.headers))
    ok(send(client, person, conversation, f"call me on 07700 900123 {mark}"))
    # No random mark in the crisis words: a 12-character hex tail moves the model's score, and the
    # crisis alert is part of what the world must hold. The other messages carry the mark.
    ok(send(client, person, conversation, "I want to die. I can't go on any more"))
    reply = ok(send(client, friend, conversation, "I am here for you"))
    ok(client.post(f"{API}/conversations/{conversation}/read", json={"seq": reply["seq"]}, headers=person.headers))
    ok(client.patch(f"{API}/conversations/{conversation}", json={"muted": True}, headers=person.headers))
    ok(client.post(f"{API}/reports", json={"target_type": "message", "target_id": edited["id"], "reason": "spam",
                                           "details": f"about Zeph {mark}"}, headers=friend.headers))

    # Blocks and reports, both ways.
    pest = people.make()
    ok(client.post(f"{API}/reports", json={"target_type": "user", "target_id": pest.id, "reason": "harassment",
                                           "details": f"he keeps writing {mark}"}, headers=person.headers))
    ok(client.post(f"{API}/reports", json={"target_type": "user", "target_id": person.id, "reason": "spam",
                                           "details": f"Zeph {mark} spams"}, headers=pest.headers))
    ok(client.post(f"{API}/blocks", json={"user_id": person.id}, headers=pest.headers))
    ok(client.post(f"{API}/blocks", json={"user_id": pest.id}, headers=person.headers))

    # Support: asks for it (a mentor answers), and answers someone else's as a mentor.
    ok(client.post(f"{API}/support-requests", json={"intent": "listen", "duration": "one_off",
                                                    "topic": f"worried {mark}"}, headers=person.headers))
    seeker = people.make()
    set_conditions(client, seeker, DIABETES_T1)
    theirs = ok(client.post(f"{API}/support-requests", json={"intent": "listen", "duration": "one_off"},
                            headers=seeker.headers))
    ok(client.post(f"{API}/support-requests/{theirs['id']}/answer", headers=person.headers))

    # Circles: a member of a public one, asked to join a private one, wrote in one.
    public = ok(client.post(f"{API}/groups", json={"name": "Walkers", "visibility": "public"}, headers=moderator.headers))
    private = ok(client.post(f"{API}/groups", json={"name": "Quiet", "visibility": "private"}, headers=moderator.headers))
    ok(client.post(f"{API}/groups/{public['id']}/join", headers=person.headers))
    client.post(f"{API}/groups/{private['id']}/join", headers=person.headers)
    ok(send(client, person, public["conversation_id"], f"hi circle {mark}"))

    # Health and account bits: check-ins, reminders, a device, a programme, a draft guide, a reset, a session.
    ok(client.post(f"{API}/check-ins", json={"instrument": "phq2", "answers": [1, 2]}, headers=person.headers))
    ok(client.put(f"{API}/me/check-in-reminders", json={"cadence": "weekly", "instruments": ["phq2"]},
                  headers=person.headers))
    ok(client.post(f"{API}/devices", json={"token": f"fcm-{mark}", "platform": "android", "app_version": "1.0"},
                   headers=person.headers))
    org = ok(client.post(f"{API}/organisations", json={"name": f"Trust {uuid.uuid4().hex[:6]}", "kind": "provider"},
                         headers=admin.headers))
    code = ok(client.post(f"{API}/organisations/{org['id']}/referral-codes", json={}, headers=admin.headers))["code"]
    ok(client.post(f"{API}/me/referrals", json={"code": code}, headers=person.headers))
    ok(client.post(f"{API}/resources", json={"title": f"My guide {mark}", "body": f"what helped {mark}",
                                             "evidence_level": "lived_experience"}, headers=person.headers))
    _take_a_course(client, people, app, person, moderator, mark)
    ok(client.post(f"{API}/auth/password-reset", json={"email": person.email}))
    session = ok(client.post(f"{API}/auth/login", json={"email": person.email, "password": person.password}))
    ok(client.post(f"{API}/auth/refresh", headers={"Authorization": f"Bearer {session['refresh_token']}"}))
    return person, mark, {"friend": friend, "conversation": conversation, "mentor": mentor, "mentee": mentee}


def _take_a_course(client, people, app, person, moderator, mark) -> None:
    """Courses: tutors one (accredited as a tutor), takes another, attends, writes a plan, has a calendar."""
    from tests.course_helpers import create_course, make_tutor, start_sessions

    applied = ok(client.post(f"{API}/tutor-applications", json={"training": f"EPP tutor {mark}"},
                             headers=person.headers))
    ok(client.post(f"{API}/moderation/tutor-applications/{applied['id']}/decision", json={"decision": "approve"},
                   headers=moderator.headers))
    tutor, other_tutor = make_tutor(client, people, moderator), make_tutor(client, people, moderator)
    create_course(client, moderator, [person, tutor])
    taken = create_course(client, moderator, [tutor, other_tutor])
    ok(client.post(f"{API}/courses/{taken['id']}/enrol", json={}, headers=person.headers))
    ok(client.post(f"{API}/courses/{taken['id']}/action-plans", headers=person.headers, json={
        "week": 1, "what": f"walk {mark}", "how_much": "a mile", "when": "mornings", "days_per_week": 3,
        "confidence": 6, "share_with_tutors": True}))
    start_sessions(app, taken["id"])
    ok(client.put(f"{API}/courses/{taken['id']}/sessions/{taken['sessions'][0]['id']}/attendance",
                  json={"present": [person.id]}, headers=tutor.headers))
    ok(client.get(f"{API}/me/calendar-url", headers=person.headers))


def scan(app, needles: list[str], person_id: str) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a needle survives, the person's id in shell columns apart."""
    shell_columns = {(t, c) for t, columns in COVERAGE.items() for c, rule in columns.items() if rule.erasure == SHELL}
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, (int, float, bool)) or hasattr(value, "isoformat"):
                        continue
                    text = (value if isinstance(value, str) else json.dumps(value, default=str)).lower()
                    for needle in needles:
                        if needle.lower() in text and not (needle == person_id and (table.name, column) in shell_columns):
                            found.append((table.name, column, needle))
    return sorted(set(found))


def test_the_rich_world_really_holds_the_person_everywhere_before_erasure(client, people, app):
    person, mark, _ = build_rich_world(client, people, app)
    tables = {table for table, _, _ in scan(app, [person.id, mark], person.id)}
    assert tables >= {"users", "user_conditions", "consent_records", "connections", "messages", "mentorships",
                      "mentorship_feedback", "mentor_applications", "support_requests", "reports", "blocks",
                      "devices", "resources", "stream_changes", "group_memberships", "organisation_members",
                      "check_ins", "safety_flags", "auth_sessions", "password_reset_tokens", "notifications"}


def test_after_erasure_no_table_holds_the_persons_words_email_name_or_id(client, people, app):
    person, mark, world = build_rich_world(client, people, app)
    with app.app_context():
        display_name = db.session.get(User, person.id).display_name
    ok(client.delete(f"{API}/me", headers=person.headers))
    assert scan(app, [mark, person.email, display_name, person.id], person.id) == []
    with app.app_context():
        shell = db.session.get(User, person.id)
        assert (shell.email, shell.password_hash, shell.display_name, shell.birth_year, shell.bio) == (
            None, None, "Deleted user", None, None)
    # Others keep their history, with the person's messages as bodiless tombstones.
    history = ok(client.get(f"{API}/conversations/{world['conversation']}/messages", headers=world["friend"].headers))
    mine = [m for m in history["items"] if m["sender_id"] == person.id] if "sender_id" in history["items"][0] else []
    assert all(m["body"] is None and m["deleted"] for m in mine)


def test_an_erased_staff_member_leaves_their_id_only_in_the_audit_log(client, people, app):
    """Staff links (who decided, resolved, acknowledged, published, created) are cleared; the audit log,
    ids and codes only, keeps the anonymous shell's id as the record of what was done."""
    staff = people.make(roles=("moderator", "admin"), display_name="Staff Quill")
    applicant, writer, reporter, target = people.make(), people.make(), people.make(), people.make()
    set_conditions(client, applicant, DIABETES_T1)
    application = ok(apply_to_mentor(client, applicant))
    ok(decide(client, staff, application["id"], note="fine"))
    report = ok(client.post(f"{API}/reports", json={"target_type": "user", "target_id": target.id,
                                                    "reason": "risk_to_self"}, headers=reporter.headers))
    client.post(f"{API}/moderation/reports/{report['id']}/acknowledge", headers=staff.headers)
    ok(client.post(f"{API}/moderation/reports/{report['id']}/resolve", json={"action": "dismiss", "note": "ok"},
                   headers=staff.headers))
    guide = ok(client.post(f"{API}/resources", json={"title": "Published guide", "url": "https://www.nhs.uk/",
                                                     "evidence_level": "guideline", "status": "published"},
                           headers=staff.headers))
    org = ok(client.post(f"{API}/organisations", json={"name": "Staffed trust", "kind": "provider"},
                         headers=staff.headers))
    ok(client.post(f"{API}/organisations/{org['id']}/referral-codes", json={}, headers=staff.headers))
    assert {t for t, _, _ in scan(app, [staff.id], "")} >= {
        "mentor_applications", "reports", "resources", "organisations", "referral_codes", "audit_log"}

    ok(client.delete(f"{API}/me", headers=staff.headers))
    assert scan(app, [staff.id, staff.email, "Staff Quill"], staff.id) == []
    assert ok(client.get(f"{API}/resources/{guide['id']}", headers=writer.headers))["title"] == "Published guide"

"""Promises in docs/privacy.md that no other test held (issue 13: "nothing in docs/privacy.md promises
more than the tests show"). Each test names the section of the document it holds, and is written as
the person the promise protects, through the public API.
"""
from __future__ import annotations

import json
import logging

import pytest

from models import Group, MentorApplication, Message, Report, User, db
from services import moderation, retention
from services.realtime import socketio
from tests.api.test_groups import join, start_circle
from tests.api.test_realtime_sessions import access_token
from tests.api.test_sync_former_members import circle, depart, life_goes_on  # noqa: F401 (a fixture)
from tests.conftest import assert_problem
from tests.factories import PersonFactory, befriend, send
from tests.mentoring_helpers import DIABETES_T1, apply_to_mentor, condition_id, decide, set_conditions

API = "/api/v1"


def sync(client, person, since=None) -> dict:
    response = client.get(f"{API}/sync", query_string={"since": since} if since else {}, headers=person.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


# --- Who may see what ----------------------------------------------------------------------------

def test_a_suspended_persons_profile_looks_missing(client, people, app):
    """Policy P1: only active people are seen."""
    person, viewer = people.make(), people.make()
    assert client.get(f"{API}/users/{person.id}", headers=viewer.headers).status_code == 200
    with app.app_context():
        moderation.suspend(db.session.get(User, person.id))
        db.session.commit()
    assert_problem(client.get(f"{API}/users/{person.id}", headers=viewer.headers), 404)


def test_someone_who_sees_a_private_circle_through_its_condition_does_not_see_who_is_in_it(client, people):
    """Who may see what: a private circle "only if they live with its condition ..., never who is in it"."""
    host = people.make(roles=("moderator",))
    circle_ = start_circle(client, host, visibility="private", condition_id=condition_id(client, DIABETES_T1))
    member, onlooker = people.make(display_name="Quiet member"), people.make()
    client.post(f"{API}/groups/{circle_['id']}/invitations", json={"user_id": member.id}, headers=host.headers)
    assert join(client, member, circle_["id"]).json["membership"] == "member"
    set_conditions(client, onlooker, {"name": DIABETES_T1, "visibility": "private"})

    seen = client.get(f"{API}/groups/{circle_['id']}", headers=onlooker.headers)
    assert seen.status_code == 200 and seen.json["member_count"] == 2
    assert seen.json["conversation_id"] is None and seen.json["membership"] is None
    assert member.id not in seen.get_data(as_text=True) and "Quiet member" not in seen.get_data(as_text=True)
    assert_problem(client.get(f"{API}/conversations/{circle_['conversation_id']}", headers=onlooker.headers), 404)


# --- Minimal exposure ----------------------------------------------------------------------------

def test_a_request_log_line_holds_method_path_status_duration_and_request_id_only(client, people, caplog):
    caplog.set_level(logging.INFO, logger="peerless.request")
    person = people.make()
    client.patch(f"{API}/me?why=hiv", json={"bio": "living with HIV since 2001"}, headers=person.headers)
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "peerless.request"]
    assert set(line) == {"event", "request_id", "method", "path", "status", "duration_ms"}
    assert (line["method"], line["path"], line["status"]) == ("PATCH", "/api/v1/me", 200)
    assert "HIV" not in json.dumps(line) and "hiv" not in json.dumps(line)


# --- What others can learn about you --------------------------------------------------------------

def test_a_request_about_a_hidden_condition_is_off_the_mentors_list_but_still_gets_suggestions(client, people):
    """"make it `matches` or `private` ... and it leaves their list (you still get suggestions)"."""
    peer = people.make()
    set_conditions(client, peer, {"name": DIABETES_T1, "visibility": "public"})
    requester = people.make()
    set_conditions(client, requester, {"name": DIABETES_T1, "visibility": "private"})
    asked = client.post(f"{API}/support-requests", json={"intent": "listen", "duration": "one_off",
                                                         "condition_id": condition_id(client, DIABETES_T1)},
                        headers=requester.headers)
    assert asked.status_code == 201
    assert asked.json["listed_for_mentors"] is False
    assert peer.id in [p["user"]["id"] for p in asked.json["suggestions"]["peers"]]


# --- Check-ins -----------------------------------------------------------------------------------

def test_check_ins_stay_exportable_after_health_consent_is_withdrawn(client, people):
    person = people.make()
    made = client.post(f"{API}/check-ins", json={"instrument": "phq2", "answers": [1, 2]}, headers=person.headers)
    assert made.status_code == 201
    client.post(f"{API}/me/consents", json={"kind": "health_data", "granted": False}, headers=person.headers)
    export = client.get(f"{API}/me/export", headers=person.headers).json
    assert [(c["id"], c["answers"]) for c in export["check_ins"]] == [(made.json["id"], [1, 2])]


# --- Export --------------------------------------------------------------------------------------

def test_the_export_holds_no_push_token_refresh_token_or_access_token(client, people):
    """`devices`, `sessions`: "without push tokens, refresh tokens or reset-token hashes (credentials)"."""
    person = people.make()
    client.post(f"{API}/devices", json={"token": "push-token-7d1e", "platform": "ios"}, headers=person.headers)
    export = client.get(f"{API}/me/export", headers=person.headers)
    assert export.json["devices"] and export.json["sessions"]
    text = export.get_data(as_text=True)
    for credential in ("push-token-7d1e", person.refresh_token, person.access_token, person.password):
        assert credential not in text


def test_the_export_says_what_staff_did_about_me_but_not_which_moderator(client, people):
    """`reports_about_me`, `moderation_actions_about_me`: the fact, reason and outcome; never the reporter,
    their words or which moderator acted. `staff_actions`, `circles_created`: a moderator's own."""
    moderator, author, reader = people.make(roles=("moderator",)), people.make(), people.make()
    message = send(client, author, befriend(client, author, reader), "something unkind").json
    about_message = client.post(f"{API}/reports", json={"target_type": "message", "target_id": message["id"],
                                                         "reason": "harassment", "details": "reader-words-1"},
                                headers=reader.headers).json
    about_person = client.post(f"{API}/reports", json={"target_type": "user", "target_id": author.id,
                                                        "reason": "spam", "details": "reader-words-2"},
                               headers=reader.headers).json
    for report in (about_message, about_person):
        resolved = client.post(f"{API}/moderation/reports/{report['id']}/resolve",
                               json={"action": "warn", "note": "be kind"}, headers=moderator.headers)
        assert resolved.status_code == 200, resolved.get_data(as_text=True)

    export = client.get(f"{API}/me/export", headers=author.headers)
    assert {(r["target_type"], r["action"]) for r in export.json["reports_about_me"]} == {
        ("message", "warn"), ("user", "warn")}
    assert [(a["action"], a["reason"]) for a in export.json["moderation_actions_about_me"]] == [
        ("report.warn", "be kind")]
    text = export.get_data(as_text=True)
    assert moderator.id not in text and "reader-words" not in text
    # The reader is the author's connection (so named there), never as the one who reported them.
    about_me = json.dumps([export.json["reports_about_me"], export.json["moderation_actions_about_me"]])
    assert reader.id not in about_me
    # The moderator's own export holds what they did, and the circles they started.
    circle_ = start_circle(client, moderator, name="Morning walkers")
    staff = client.get(f"{API}/me/export", headers=moderator.headers).json
    assert {author.id, message["id"]} <= {a["target_id"] for a in staff["staff_actions"]}
    assert [c["id"] for c in staff["circles_created"]] == [circle_["id"]]


# --- Erasure -------------------------------------------------------------------------------------

@pytest.fixture
def rt_app(app, make_app):
    # The last app built owns the global Socket.IO server; no sweeper thread.
    return make_app(REDIS_URL=None, REALTIME_SWEEP_SECONDS=0)


def test_erasure_disconnects_open_sockets_right_after_the_commit_without_waiting_for_a_sweep(rt_app):
    http, people = rt_app.test_client(), PersonFactory(rt_app)
    person = people.make()
    socket = socketio.test_client(rt_app, auth={"token": person.access_token})
    assert socket.is_connected()
    assert http.delete(f"{API}/me", json={"password": person.password}, headers=person.headers).status_code == 204
    assert not socket.is_connected()  # no realtime.sweep(): erasure itself dropped it


def test_the_other_persons_phone_is_told_the_erased_persons_messages_are_tombstones(rt_app):
    """Anonymised: "phones are told through `/sync` and Socket.IO"; no body, labels or retry key."""
    http, people = rt_app.test_client(), PersonFactory(rt_app)
    leaver, friend = people.make(), people.make()
    conversation = befriend(http, leaver, friend)
    sent = send(http, leaver, conversation, "call me on 07700 900123, my private story",
                client_msg_id="retry-key-5b2c").json
    token = sync(http, friend)["next_since"]
    socket = socketio.test_client(rt_app, auth={"token": friend.access_token})
    socket.get_received()
    assert http.delete(f"{API}/me", json={"password": leaver.password}, headers=leaver.headers).status_code == 204

    told = [m for m in sync(http, friend, token)["messages"] if m["id"] == sent["id"]]
    assert [(m["body"], m["deleted"]) for m in told] == [(None, True)]
    events = [p["args"][0] for p in socket.get_received() if p["name"] == "message.updated"]
    assert [(e["id"], e["body"], e["deleted"]) for e in events] == [(sent["id"], None, True)]
    socket.disconnect()
    with rt_app.app_context():
        stored = db.session.get(Message, sent["id"])
        assert (stored.body, stored.labels, stored.client_msg_id) == (None, [], sent["id"])


def test_reports_the_erased_person_filed_stay_for_moderators_without_reporter_or_details(client, people):
    moderator, reporter, target = people.make(roles=("moderator",)), people.make(), people.make()
    filed = client.post(f"{API}/reports", json={"target_type": "user", "target_id": target.id, "reason": "harassment",
                                                 "details": "he writes every night"}, headers=reporter.headers).json
    assert client.delete(f"{API}/me", headers=reporter.headers).status_code == 204
    kept = client.get(f"{API}/moderation/reports/{filed['id']}", headers=moderator.headers)
    assert kept.status_code == 200 and kept.json["reason"] == "harassment"
    text = kept.get_data(as_text=True)
    assert reporter.id not in text and "he writes every night" not in text


def test_circles_an_erased_host_created_stay_and_staff_notes_stay_with_their_records(client, people, app):
    """Kept: "circles they created" (pointing at the shell); "Staff notes on other people's records ... stay"."""
    staff, member, applicant = people.make(roles=("moderator",)), people.make(), people.make()
    circle_ = start_circle(client, staff, name="Evening walkers")
    assert join(client, member, circle_["id"]).status_code == 200
    set_conditions(client, applicant, DIABETES_T1)
    application = apply_to_mentor(client, applicant).json
    assert decide(client, staff, application["id"], note="kind and well prepared").status_code == 200
    target = people.make()
    report = client.post(f"{API}/reports", json={"target_type": "user", "target_id": target.id, "reason": "spam"},
                         headers=member.headers).json
    assert client.post(f"{API}/moderation/reports/{report['id']}/resolve",
                       json={"action": "dismiss", "note": "not spam after all"}, headers=staff.headers).status_code == 200

    assert client.delete(f"{API}/me", headers=staff.headers).status_code == 204
    seen = client.get(f"{API}/groups/{circle_['id']}", headers=member.headers).json
    assert (seen["name"], seen["membership"]) == ("Evening walkers", "member")
    with app.app_context():
        assert db.session.get(Group, circle_["id"]).created_by == staff.id  # the anonymous shell
        assert db.session.get(MentorApplication, application["id"]).note == "kind and well prepared"
        assert db.session.get(Report, report["id"]).resolution_note == "not spam after all"


# --- Live connections end with the session --------------------------------------------------------

def test_a_removed_members_socket_hears_nothing_more(app, make_app, people, circle):  # noqa: F811
    rt_app = make_app(REDIS_URL=None, REALTIME_SWEEP_SECONDS=0)
    client = rt_app.test_client()
    socket = socketio.test_client(rt_app, auth={"token": circle["cat"].access_token})
    try:
        depart(client, circle, "removed")
        socket.get_received()
        life_goes_on(client, people, circle)
        assert socket.get_received() == []
    finally:
        socket.disconnect()


# --- Retention: "Nothing is kept forever by accident" ---------------------------------------------

# Tables no retention rule prunes, each with why (docs/privacy.md, "Kept on purpose"). A new table
# fails the test below until it gets a rule in services/retention.py or a line here.
KEPT_ON_PURPOSE = {
    # What the person deletes themselves, or erasure deletes or anonymises (docs/privacy.md, "Erasure").
    "users": "the profile", "user_conditions": "conditions", "user_roles": "roles",
    "consent_records": "proof of consent", "messages": "a conversation's history (a sender deletes each one)",
    "conversations": "the history's container", "check_ins": "health data the owner deletes",
    "check_in_reminders": "one row a person, their setting", "connections": "peer connections",
    "blocks": "a safety choice that must not lapse", "mentorships": "mentorships",
    "mentorship_feedback": "a mentor's rating is worked out from it", "mentor_applications": "the accreditation record",
    "mentor_profiles": "one row a mentor", "support_requests": "the person's requests",
    "group_memberships": "circle places", "groups": "circles belong to their members",
    "reports": "the safeguarding record moderators work from", "organisation_members": "programme memberships",
    # Courses (issue 17): enrolments, attendance and action plans go with the person, like circles.
    "courses": "a programme's offer", "course_sessions": "a course's dates", "course_tutors": "who leads it",
    "course_enrolments": "places on a course", "course_attendance": "a course's register",
    "action_plans": "the writer's own", "tutor_applications": "the accreditation record",
    "tutor_accreditations": "one row a tutor", "calendar_feeds": "one row a person",
    # Not about any one person.
    "organisations": "programmes", "referral_codes": "a programme's codes (hashes)", "conditions": "the taxonomy",
    "resources": "the evidence library", "resource_conditions": "the evidence library",
    "scheduled_runs": "one row a job, overwritten each run",
}
# Pruned with the rows they belong to, not by a rule of their own.
PRUNED_WITH_THEIR_OWNER = {"devices": "with the sign-in session that registered them (and on logout)"}


def test_every_table_has_a_retention_rule_or_a_reason_to_be_kept(app, monkeypatch):
    pruned = set()

    def record(model, *conditions, before_each=None):
        pruned.add(model.__tablename__)
        return 0

    monkeypatch.setattr(retention, "_delete_in_batches", record)
    with app.app_context():
        retention.prune()
        tables = {table.name for table in db.metadata.sorted_tables}
    assert pruned >= {"push_outbox", "notifications", "stream_changes", "auth_sessions", "refresh_tokens",
                      "password_reset_tokens", "conversation_members", "safety_flags", "audit_log"}
    undecided = tables - pruned - set(KEPT_ON_PURPOSE) - set(PRUNED_WITH_THEIR_OWNER)
    assert sorted(undecided) == [], "give each a retention rule or a line in KEPT_ON_PURPOSE (and docs/privacy.md)"
    assert sorted((set(KEPT_ON_PURPOSE) | set(PRUNED_WITH_THEIR_OWNER)) - tables) == [], "tables that no longer exist"
    assert not pruned & set(KEPT_ON_PURPOSE)


def test_auth_renew_with_an_expired_token_of_the_same_session_is_refused(rt_app):
    """`auth.renew` answers `{"ok": false}` for "an expired or revoked" token, and changes nothing."""
    person = PersonFactory(rt_app).make()
    socket = socketio.test_client(rt_app, auth={"token": access_token(rt_app, person, seconds=600)})
    try:
        expired = access_token(rt_app, person, seconds=-5)
        assert socket.emit("auth.renew", {"token": expired}, callback=True) == {"ok": False}
        assert socket.is_connected()
    finally:
        socket.disconnect()

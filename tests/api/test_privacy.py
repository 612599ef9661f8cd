"""Export and erasure across everything a person leaves behind (messages, devices, inbox)."""
from sqlalchemy import select

from models import Device, db
from tests.conftest import assert_problem


def _connected_conversation(client, a, b) -> str:
    request = client.post("/api/v1/connections", json={"user_id": b.id}, headers=a.headers)
    accepted = client.post(f"/api/v1/connections/{request.json['id']}/accept", headers=b.headers)
    return accepted.json["conversation_id"]


def test_erasure_leaves_the_persons_messages_as_bodiless_tombstones_in_others_histories(client, people):
    a, b = people.make(), people.make()
    conversation = _connected_conversation(client, a, b)
    sent = client.post(f"/api/v1/conversations/{conversation}/messages",
                       json={"client_msg_id": "m1", "body": "my private story"}, headers=a.headers).json
    assert client.delete("/api/v1/me", headers=a.headers).status_code == 204
    history = client.get(f"/api/v1/conversations/{conversation}/messages", headers=b.headers).json["items"]
    assert [(m["id"], m["body"], m["deleted"]) for m in history] == [(sent["id"], None, True)]
    members = client.get(f"/api/v1/conversations/{conversation}", headers=b.headers).json["members"]
    assert {m["display_name"] for m in members if m["id"] == a.id} == {"Deleted user"}


def test_erasure_removes_devices_and_the_inbox(client, people, app):
    a, b = people.make(), people.make()
    client.post("/api/v1/devices", json={"token": "phone-of-b", "platform": "android"}, headers=b.headers)
    _connected_conversation(client, a, b)  # gives b and a inbox entries
    assert client.delete("/api/v1/me", headers=b.headers).status_code == 204
    with app.app_context():
        assert db.session.scalars(select(Device).where(Device.user_id == b.id)).all() == []


def test_logout_removes_the_devices_registered_in_that_session_only(client, people, app):
    person = people.make()
    other_session = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password}).json
    client.post("/api/v1/devices", json={"token": "phone-1", "platform": "ios"}, headers=person.headers)
    client.post("/api/v1/devices", json={"token": "tablet-2", "platform": "ios"},
                headers={"Authorization": f"Bearer {other_session['access_token']}"})
    assert client.post("/api/v1/auth/logout", headers=person.headers).status_code == 204
    with app.app_context():
        assert db.session.scalars(select(Device.token).where(Device.user_id == person.id)).all() == ["tablet-2"]


def test_export_includes_messages_connections_blocks_devices_and_notifications(client, people):
    a, b, c = people.make(), people.make(), people.make()
    conversation = _connected_conversation(client, a, b)
    client.post(f"/api/v1/conversations/{conversation}/messages",
                json={"client_msg_id": "m1", "body": "hello there"}, headers=a.headers)
    client.post("/api/v1/blocks", json={"user_id": c.id}, headers=a.headers)
    client.post("/api/v1/devices", json={"token": "phone-a", "platform": "web"}, headers=a.headers)
    export = client.get("/api/v1/me/export", headers=a.headers).json
    assert [m["body"] for m in export["messages"]] == ["hello there"]
    assert [c_["status"] for c_ in export["connections"]] == ["accepted"]
    assert [blk["user_id"] for blk in export["blocks"]] == [c.id]
    assert [d["platform"] for d in export["devices"]] == ["web"]
    assert {n["type"] for n in export["notifications"]} == {"connection_accepted"}


def test_erasure_frees_circle_places_and_ends_and_removes_mentorships(client, people, app):
    from models import Group, MentorProfile, Mentorship
    from services import mentors

    moderator = people.make(roles=("moderator",))
    mentor, mentee = people.make(), people.make()
    with app.app_context():
        from models import User
        mentors._make_mentor(db.session.get(User, mentor.id))
        db.session.commit()
    circle = client.post("/api/v1/groups", json={"name": "Morning walkers", "visibility": "public"},
                         headers=moderator.headers).json
    assert client.post(f"/api/v1/groups/{circle['id']}/join", headers=mentee.headers).status_code == 200
    asked = client.post("/api/v1/mentorships", json={"mentor_id": mentor.id}, headers=mentee.headers).json
    assert client.post(f"/api/v1/mentorships/{asked['id']}/accept", headers=mentor.headers).status_code == 200
    export = client.get("/api/v1/me/export", headers=mentee.headers).json
    assert [c["group_id"] for c in export["circles"]] == [circle["id"]]
    assert [m["role"] for m in export["mentorships"]] == ["mentee"]

    assert client.delete("/api/v1/me", headers=mentee.headers).status_code == 204
    with app.app_context():
        assert db.session.get(Group, circle["id"]).member_count == 1  # the moderator who created it
        assert db.session.get(Mentorship, asked["id"]) is None  # ended, then erased with its goals and feedback
        assert db.session.get(MentorProfile, mentor.id).active_mentees == 0


def test_erasure_is_audited_with_the_account_id_only(client, people):
    person, admin = people.make(), people.make(roles=("admin",))
    assert client.delete("/api/v1/me", headers=person.headers).status_code == 204
    entries = client.get("/api/v1/admin/audit", headers=admin.headers).json["items"]
    assert [(e["action"], e["target_id"], e["reason"], e["details"]) for e in entries] == [
        ("account.erased", person.id, None, {})]


def test_export_lists_the_reports_the_person_filed(client, people):
    reporter, other = people.make(), people.make()
    client.post("/api/v1/reports", json={"target_type": "user", "target_id": other.id, "reason": "spam"},
                headers=reporter.headers)
    export = client.get("/api/v1/me/export", headers=reporter.headers).json
    assert [(r["target_id"], r["reason"]) for r in export["reports_filed"]] == [(other.id, "spam")]


def test_after_erasure_an_export_of_the_account_holds_nothing_personal(client, people, app):
    from models import User
    from services.privacy import export_user_data

    a, b = people.make(email="leaving@example.org", bio="my story"), people.make()
    conversation = _connected_conversation(client, a, b)
    client.post(f"/api/v1/conversations/{conversation}/messages",
                json={"client_msg_id": "m1", "body": "private words"}, headers=a.headers)
    client.post("/api/v1/devices", json={"token": "phone-a", "platform": "ios"}, headers=a.headers)
    client.post("/api/v1/reports", json={"target_type": "user", "target_id": b.id, "reason": "spam"},
                headers=a.headers)
    assert client.delete("/api/v1/me", headers=a.headers).status_code == 204
    with app.app_context():
        left = export_user_data(db.session.get(User, a.id))
    text = str(left)
    assert "leaving@example.org" not in text and "my story" not in text and "private words" not in text
    assert left["conditions"] == left["consents"] == left["devices"] == left["notifications"] == []
    assert left["sessions"] == [] and left["account"]["display_name"] == "Deleted user"
    assert [m["body"] for m in left["messages"]] == [None]


# --- irreversible actions: erasure needs a recent sign-in -------------------------------------------

def _refreshed_headers(client, person) -> dict:
    """An access token from /auth/refresh: valid, but not from a recent sign-in."""
    pair = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {person.refresh_token}"}).json
    return {"Authorization": f"Bearer {pair['access_token']}"}


def test_erasure_with_a_refreshed_token_needs_the_password_and_changes_nothing_without_it(client, people):
    person = people.make()
    headers = _refreshed_headers(client, person)
    assert_problem(client.delete("/api/v1/me", headers=headers), 401, "recent_sign_in_required")
    assert_problem(client.delete("/api/v1/me", json={"password": "not-my-password-at-all"}, headers=headers),
                   401, "password_incorrect")
    assert client.get("/api/v1/me", headers=headers).json["email"] == person.email  # still there
    assert client.delete("/api/v1/me", json={"password": person.password}, headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_fresh_sign_in_erases_without_a_password(client, people):
    person = people.make()
    login = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password}).json
    assert client.delete("/api/v1/me", headers={"Authorization": f"Bearer {login['access_token']}"}).status_code == 204


def test_a_sign_in_older_than_the_window_no_longer_counts_as_recent(make_app):
    from tests.factories import PersonFactory

    app = make_app(RECENT_SIGN_IN_SECONDS=0)
    client, person = app.test_client(), PersonFactory(app).make()
    assert_problem(client.delete("/api/v1/me", headers=person.headers), 401, "recent_sign_in_required")
    assert client.delete("/api/v1/me", json={"password": person.password}, headers=person.headers).status_code == 204


def test_the_erasure_password_is_rate_limited_like_a_login(make_app):
    from tests.factories import PersonFactory

    app = make_app(RECENT_SIGN_IN_SECONDS=0, ERASURE_RATE_LIMIT="2 per hour")
    client, person = app.test_client(), PersonFactory(app).make()
    for _ in range(2):
        assert_problem(client.delete("/api/v1/me", json={"password": "guess-guess-guess"}, headers=person.headers),
                       401, "password_incorrect")
    assert client.delete("/api/v1/me", json={"password": person.password}, headers=person.headers).status_code == 429


# --- after erasure nobody can reach the account ---------------------------------------------------

def test_nobody_can_message_or_reach_an_erased_account_and_nothing_accrues_for_it(client, people, app):
    from models import Notification, PushOutbox, StreamChange
    from tests.mentoring_helpers import make_mentor

    friend = people.make()
    mentor = make_mentor(client, people)
    leaver_conversation = _connected_conversation(client, mentor, friend)
    client.post("/api/v1/devices", json={"token": "phone-of-mentor", "platform": "ios"}, headers=mentor.headers)
    assert client.delete("/api/v1/me", headers=mentor.headers).status_code == 204

    sent = client.post(f"/api/v1/conversations/{leaver_conversation}/messages",
                       json={"client_msg_id": "late", "body": "are you there?"}, headers=friend.headers)
    assert_problem(sent, 403, "conversation_ended")
    assert_problem(client.post("/api/v1/connections", json={"user_id": mentor.id}, headers=friend.headers), 404)
    assert_problem(client.post("/api/v1/mentorships", json={"mentor_id": mentor.id}, headers=friend.headers), 404)
    assert_problem(client.get(f"/api/v1/users/{mentor.id}", headers=friend.headers), 404)
    # The history stays readable for the other person.
    assert client.get(f"/api/v1/conversations/{leaver_conversation}/messages", headers=friend.headers).status_code == 200
    with app.app_context():
        for model in (Notification, PushOutbox, StreamChange):
            assert db.session.scalars(select(model).where(model.user_id == mentor.id)).all() == [], model


def test_the_other_sides_app_hears_that_the_mentorship_ended_and_the_mentors_rating_forgets_it(
        make_app, app):
    from models import MentorProfile
    from services.realtime import socketio
    from tests.factories import PersonFactory
    from tests.mentoring_helpers import make_mentor

    rt_app = make_app(REDIS_URL=None, REALTIME_SWEEP_SECONDS=0)  # the last app built owns the socket server
    client, people = rt_app.test_client(), PersonFactory(rt_app)
    mentor, mentee = make_mentor(client, people), people.make()
    asked = client.post("/api/v1/mentorships", json={"mentor_id": mentor.id, "goals": ["sleep better"]},
                        headers=mentee.headers).json
    client.post(f"/api/v1/mentorships/{asked['id']}/accept", headers=mentor.headers)
    client.post(f"/api/v1/mentorships/{asked['id']}/end", headers=mentee.headers)
    assert client.post(f"/api/v1/mentorships/{asked['id']}/feedback", json={"rating": 1},
                       headers=mentee.headers).status_code == 201
    second = people.make()
    again = client.post("/api/v1/mentorships", json={"mentor_id": mentor.id}, headers=second.headers).json
    socket = socketio.test_client(rt_app, auth={"token": mentor.access_token})
    socket.get_received()
    assert client.delete("/api/v1/me", headers=second.headers).status_code == 204
    events = [(p["name"], p["args"][0]["id"], p["args"][0]["status"]) for p in socket.get_received()
              if p["name"] == "mentorship.updated"]
    assert events == [("mentorship.updated", again["id"], "ended")]
    assert client.delete("/api/v1/me", headers=mentee.headers).status_code == 204
    assert client.get("/api/v1/mentorships", headers=mentor.headers).json["items"] == []
    with rt_app.app_context():
        profile = db.session.get(MentorProfile, mentor.id)
        assert (profile.rating_count, profile.rating_mean, profile.active_mentees) == (0, None, 0)
    socket.disconnect()


# --- the export is complete --------------------------------------------------------------------------

def test_the_export_of_someone_who_did_everything_fills_every_section(client, people, app):
    from tests.api.test_erasure_scan import build_rich_world

    person, mark, _ = build_rich_world(client, people, app)
    export = client.get("/api/v1/me/export", headers=person.headers).json
    empty = sorted(k for k, v in export.items() if v in ([], None, {}))
    # Staff sections stay empty for a member; the rest all hold something (a tutor accreditation's
    # approval is a moderator's action about them).
    assert empty == ["circles_created", "staff_actions"]
    assert export["account"]["matching_scope"] == "network" and export["account"]["region"] == "GB-ENG"
    assert {(m["role"], m["mentor_id"] == person.id) for m in export["mentorships"]} == {("mentor", True),
                                                                                        ("mentee", False)}
    assert all(m["mentee_id"] for m in export["mentorships"])
    assert [f["comment"] for f in export["feedback_received"]] == [f"thanks Zeph {mark}"]
    assert {r["urgency"] for r in export["support_requests"]} == {"normal"}
    assert any(c["muted"] and c["read_seq"] > 0 for c in export["conversations"])
    assert any("phone" in f["found"] for f in export["safety_flags"])
    assert any(r["source"] == "crisis_detector" for r in export["reports_about_me"])
    assert export["password_resets"] and "token_hash" not in str(export["password_resets"])


def test_the_export_never_names_who_blocked_or_reported_the_person(client, people):
    person, other = people.make(), people.make()
    client.post("/api/v1/reports", json={"target_type": "user", "target_id": person.id, "reason": "spam",
                                         "details": "written by the reporter"}, headers=other.headers)
    client.post("/api/v1/blocks", json={"user_id": person.id}, headers=other.headers)
    export = client.get("/api/v1/me/export", headers=person.headers).json
    text = str(export)
    assert other.id not in text and "written by the reporter" not in text
    assert [(r["reason"], r["source"]) for r in export["reports_about_me"]] == [("spam", "user")]
    assert export["blocks"] == []


# --- requests checked outside the app (someone suspended, or who lost access) ----------------------

def test_an_operator_exports_and_erases_an_account_that_cannot_sign_in(client, people, app):
    import json as json_module

    from models import AuditEntry

    person, admin = people.make(bio="story told once"), people.make(roles=("admin",))
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["export-account", person.email.upper()])
    assert exported.exit_code == 0 and json_module.loads(exported.output)["account"]["bio"] == "story told once"
    refused = runner.invoke(args=["erase-account", person.email])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert client.get("/api/v1/me", headers=person.headers).status_code == 200
    erased = runner.invoke(args=["erase-account", person.email, "--yes"])
    assert erased.exit_code == 0 and person.id in erased.output
    assert client.get("/api/v1/me", headers=person.headers).status_code == 401
    assert runner.invoke(args=["erase-account", person.email, "--yes"]).exit_code != 0  # no such account now
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.erased")).one()
        assert (entry.actor_id, entry.target_id, entry.details) == (None, person.id, {"by": "operator"})


def test_erasing_an_erased_account_again_changes_nothing(client, people, app):
    from models import AuditEntry, User
    from services import privacy

    person = people.make()
    assert client.delete("/api/v1/me", headers=person.headers).status_code == 204
    with app.app_context():
        privacy.erase_account(db.session.get(User, person.id), fresh_token=True)  # a racing second request
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.erased")).all()) == 1

"""Export and erasure across everything a person leaves behind (messages, devices, inbox)."""
from sqlalchemy import select

from models import Device, db


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


def test_erasure_frees_circle_places_and_ends_open_mentorships(client, people, app):
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
        assert db.session.get(Mentorship, asked["id"]).status == "ended"
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

"""Reports, the moderation queue, resolution actions, suspension and the audit log."""
from __future__ import annotations

import pytest

from services.realtime import socketio
from tests.factories import PersonFactory, befriend, send

API = "/api/v1"


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


@pytest.fixture
def admin(people):
    return people.make(roles=("admin",))


def file_report(client, reporter, target_type, target_id, reason="harassment", **extra):
    return client.post(f"{API}/reports", json={"target_type": target_type, "target_id": target_id,
                                                "reason": reason, **extra}, headers=reporter.headers)


def reported_message(client, people):
    author, reader = people.make(), people.make()
    conversation = befriend(client, author, reader)
    message = send(client, author, conversation, "something unkind").json
    return author, reader, conversation, message


def test_a_member_reports_a_message_and_gets_a_receipt_without_moderation_details(client, people):
    author, reader, _, message = reported_message(client, people)
    response = file_report(client, reader, "message", message["id"], details="rude")
    assert response.status_code == 201
    assert response.json["status"] == "open" and "severity" not in response.json and "action" not in response.json


def test_reporting_what_you_cannot_see_is_a_404_like_a_missing_target(client, people):
    _, _, _, message = reported_message(client, people)
    stranger = people.make()
    assert file_report(client, stranger, "message", message["id"]).status_code == 404
    assert file_report(client, stranger, "group", "00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_blocked_person_cannot_be_reported_by_who_they_cannot_see(client, people):
    a, b = people.make(), people.make()
    client.post(f"{API}/blocks", json={"user_id": a.id}, headers=b.headers)
    assert file_report(client, a, "user", b.id).status_code == 404


def test_only_moderators_see_the_queue(client, people, moderator):
    patient = people.make()
    assert client.get(f"{API}/moderation/reports", headers=patient.headers).status_code == 403
    assert client.get(f"{API}/moderation/reports", headers=moderator.headers).status_code == 200


def test_the_queue_puts_risk_to_self_first_then_oldest_first(client, people, moderator):
    _, reader, _, message = reported_message(client, people)
    spam = file_report(client, reader, "message", message["id"], reason="spam").json
    older = file_report(client, reader, "message", message["id"], reason="harassment").json
    newer = file_report(client, reader, "message", message["id"], reason="other").json
    risk = file_report(client, reader, "message", message["id"], reason="risk_to_self").json
    queue = client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"]
    assert [r["id"] for r in queue] == [risk["id"], older["id"], newer["id"], spam["id"]]


def test_a_risk_to_self_report_alerts_moderators_by_inbox_and_push(client, people, moderator):
    _, reader, _, message = reported_message(client, people)
    file_report(client, reader, "message", message["id"], reason="risk_to_self")
    inbox = client.get(f"{API}/notifications", headers=moderator.headers).json["items"]
    assert [n["type"] for n in inbox] == ["crisis_alert"]


def test_reading_a_report_shows_the_message_in_context_and_is_audited(client, people, moderator, admin):
    author, reader, conversation, message = reported_message(client, people)
    before = send(client, reader, conversation, "before").json
    after = send(client, reader, conversation, "after").json
    filed = file_report(client, reader, "message", message["id"]).json
    detail = client.get(f"{API}/moderation/reports/{filed['id']}", headers=moderator.headers).json
    assert [m["id"] for m in detail["context"]] == [message["id"], before["id"], after["id"]]
    audit = client.get(f"{API}/admin/audit", headers=admin.headers).json["items"]
    assert [(e["actor_id"], e["action"], e["target_id"]) for e in audit] == [(moderator.id, "report.read", filed["id"])]


def test_remove_content_leaves_a_tombstone_and_tells_the_author_why(client, people, moderator):
    author, reader, conversation, message = reported_message(client, people)
    filed = file_report(client, reader, "message", message["id"]).json
    resolved = client.post(f"{API}/moderation/reports/{filed['id']}/resolve",
                           json={"action": "remove_content", "note": "abusive"}, headers=moderator.headers)
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    history = client.get(f"{API}/conversations/{conversation}/messages", headers=reader.headers).json["items"]
    assert [(m["id"], m["deleted"], m["body"]) for m in history] == [(message["id"], True, None)]
    told = client.get(f"{API}/notifications", headers=author.headers).json["items"]
    assert (told[0]["type"], told[0]["data"]) == ("content_removed", {"message_id": message["id"],
                                                                       "reason": "harassment"})


def test_warn_tells_the_person_reported(client, people, moderator):
    author, reader, _, message = reported_message(client, people)
    filed = file_report(client, reader, "message", message["id"]).json
    client.post(f"{API}/moderation/reports/{filed['id']}/resolve", json={"action": "warn"}, headers=moderator.headers)
    assert "moderation_warning" in [n["type"] for n in
                                    client.get(f"{API}/notifications", headers=author.headers).json["items"]]


def test_suspension_revokes_tokens_refuses_login_and_drops_the_live_socket(make_app):
    # Its own app without a Redis queue: the Socket.IO test client only works in-process.
    app = make_app(REDIS_URL=None)
    client, people = app.test_client(), PersonFactory(app)
    moderator = people.make(roles=("moderator",))
    author, reader, _, message = reported_message(client, people)
    live = socketio.test_client(app, auth={"token": author.access_token})
    assert live.is_connected()
    filed = file_report(client, reader, "message", message["id"]).json
    client.post(f"{API}/moderation/reports/{filed['id']}/resolve", json={"action": "suspend_user"},
                headers=moderator.headers)
    assert client.get(f"{API}/me", headers=author.headers).status_code == 401
    login = client.post(f"{API}/auth/login", json={"email": author.email, "password": author.password})
    assert login.status_code == 403 and login.json["code"] == "account_suspended"
    assert not live.is_connected()


def test_unsuspend_lets_the_person_log_in_again(client, people, moderator):
    author, reader, _, message = reported_message(client, people)
    first = file_report(client, reader, "message", message["id"]).json
    client.post(f"{API}/moderation/reports/{first['id']}/resolve", json={"action": "suspend_user"},
                headers=moderator.headers)
    appeal = file_report(client, reader, "message", message["id"], reason="other").json
    client.post(f"{API}/moderation/reports/{appeal['id']}/resolve", json={"action": "unsuspend"},
                headers=moderator.headers)
    login = client.post(f"{API}/auth/login", json={"email": author.email, "password": author.password})
    assert login.status_code == 200


def test_a_suspended_person_leaves_circles(client, people, moderator):
    author, reader, _, message = reported_message(client, people)
    circle = client.post(f"{API}/groups", json={"name": "Walkers", "visibility": "public"},
                         headers=moderator.headers).json
    client.post(f"{API}/groups/{circle['id']}/join", headers=author.headers)
    filed = file_report(client, reader, "message", message["id"]).json
    client.post(f"{API}/moderation/reports/{filed['id']}/resolve", json={"action": "suspend_user"},
                headers=moderator.headers)
    listed = client.get(f"{API}/groups", headers=moderator.headers).json["items"]
    assert [(g["id"], g["member_count"]) for g in listed] == [(circle["id"], 1)]


def test_resolving_twice_is_a_conflict_and_removing_a_user_is_refused(client, people, moderator):
    author, reader, _, message = reported_message(client, people)
    filed = file_report(client, reader, "user", author.id).json
    assert client.post(f"{API}/moderation/reports/{filed['id']}/resolve", json={"action": "remove_content"},
                       headers=moderator.headers).status_code == 422
    assert client.post(f"{API}/moderation/reports/{filed['id']}/resolve", json={"action": "dismiss"},
                       headers=moderator.headers).status_code == 200
    assert client.post(f"{API}/moderation/reports/{filed['id']}/resolve", json={"action": "dismiss"},
                       headers=moderator.headers).status_code == 409


def test_every_moderator_action_is_in_the_audit_log_which_only_admins_read(client, people, moderator, admin):
    author, reader, _, message = reported_message(client, people)
    filed = file_report(client, reader, "message", message["id"]).json
    client.post(f"{API}/moderation/reports/{filed['id']}/resolve", json={"action": "dismiss", "note": "fine"},
                headers=moderator.headers)
    other = send(client, author, befriend(client, author, people.make()), "x").json
    assert client.delete(f"{API}/messages/{other['id']}", headers=moderator.headers).status_code == 204
    assert client.get(f"{API}/admin/audit", headers=moderator.headers).status_code == 403
    entries = client.get(f"{API}/admin/audit", headers=admin.headers).json["items"]
    assert [(e["action"], e["reason"]) for e in entries] == [("message.delete", None), ("report.dismiss", "fine")]


def test_unknown_report_ids_are_404_for_moderators(client, moderator):
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"{API}/moderation/reports/{missing}", headers=moderator.headers).status_code == 404
    assert client.post(f"{API}/moderation/reports/{missing}/resolve", json={"action": "dismiss"},
                       headers=moderator.headers).status_code == 404

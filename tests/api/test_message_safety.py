"""Screening a message as it is sent: crisis help at once, early contact details, advice labels."""
from __future__ import annotations

from tests.factories import befriend, send

API = "/api/v1"


def test_crisis_language_is_sent_and_answered_at_once_with_helplines_for_the_region(client, people):
    a, b = people.make(region="GB-SCT"), people.make()
    conversation = befriend(client, a, b)
    response = send(client, a, conversation, "I can't do this anymore, I want to end it all tonight")
    assert response.status_code == 201 and response.json["body"].startswith("I can't do this")
    assert response.json["safety"]["crisis"] is True
    names = " ".join(r["name"] for r in response.json["safety"]["resources"])
    assert "Samaritans" in names and "NHS 111" in names
    history = client.get(f"{API}/conversations/{conversation}/messages", headers=b.headers).json["items"]
    assert [m["id"] for m in history] == [response.json["id"]] and "safety" not in history[0]


def test_crisis_language_raises_a_high_severity_alert_and_pushes_moderators(client, people):
    moderator = people.make(roles=("moderator",))
    a, b = people.make(), people.make()
    sent = send(client, a, befriend(client, a, b), "I want to kill myself").json
    queue = client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"]
    assert [(r["target_id"], r["source"], r["severity"]) for r in queue] == [(sent["id"], "crisis_detector", 3)]
    assert "crisis_alert" in [n["type"] for n in
                              client.get(f"{API}/notifications", headers=moderator.headers).json["items"]]


def test_ordinary_health_talk_gets_no_safety_answer_and_no_alert(client, people):
    moderator = people.make(roles=("moderator",))
    a, b = people.make(), people.make()
    response = send(client, a, befriend(client, a, b), "this pain is killing me but I'm dying to try the new pump")
    assert response.status_code == 201 and "safety" not in response.json
    assert client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"] == []


def test_a_retry_of_a_crisis_message_raises_no_second_alert(client, people):
    moderator = people.make(roles=("moderator",))
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    first = send(client, a, conversation, "I want to die", client_msg_id="same")
    again = send(client, a, conversation, "I want to die", client_msg_id="same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"]) == 1


def test_contact_details_early_on_get_a_gentle_warning_and_are_never_altered(client, people, app):
    from sqlalchemy import select

    from models import SafetyFlag, db

    a, b = people.make(), people.make()
    body = "text me on 07700 900123 or mail jo@example.org"
    response = send(client, a, befriend(client, a, b), body)
    assert response.json["body"] == body
    assert set(response.json["warning"]["contact_details"]) >= {"phone", "email"}
    with app.app_context():
        assert [f.user_id for f in db.session.scalars(select(SafetyFlag))] == [a.id]


def test_instructions_about_medicines_are_labelled_for_everyone_and_experience_is_not(client, people):
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    advice = send(client, a, conversation, "just double your dose tonight").json
    story = send(client, a, conversation, "when I stopped my steroids I felt awful").json
    assert advice["labels"] == ["experience_not_advice"] and story["labels"] == []
    seen = client.get(f"{API}/conversations/{conversation}/messages", headers=b.headers).json["items"]
    assert {m["id"]: m["labels"] for m in seen} == {advice["id"]: ["experience_not_advice"], story["id"]: []}


def test_a_support_request_in_crisis_words_gets_helplines_and_alerts_moderators(client, people):
    from tests.mentoring_helpers import DIABETES_T1, set_conditions

    moderator = people.make(roles=("moderator",))
    seeker = people.make()
    set_conditions(client, seeker, DIABETES_T1)
    response = client.post(f"{API}/support-requests", json={"intent": "listen", "duration": "one_off",
                                                            "topic": "I don't want to be here anymore"},
                           headers=seeker.headers)
    assert response.status_code == 201 and response.json["safety"]["crisis"] is True
    queue = client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"]
    assert [(r["target_type"], r["target_id"]) for r in queue] == [("support_request", response.json["id"])]
    calm = client.post(f"{API}/support-requests", json={"intent": "tips", "duration": "one_off",
                                                        "topic": "tips for hypos at night"}, headers=seeker.headers)
    assert "safety" not in calm.json


def test_moderators_see_who_shares_contact_details_early_and_how_often(client, people):
    moderator = people.make(roles=("moderator",))
    a = people.make(display_name="Sharer")
    for other in (people.make(), people.make()):
        send(client, a, befriend(client, a, other), "add me on whatsapp 07700 900123")
    assert client.get(f"{API}/moderation/contact-flags", headers=a.headers).status_code == 403
    counts = client.get(f"{API}/moderation/contact-flags", headers=moderator.headers).json["items"]
    assert [(c["user_id"], c["display_name"], c["count"], c["conversations"]) for c in counts] == [
        (a.id, "Sharer", 2, 2)]

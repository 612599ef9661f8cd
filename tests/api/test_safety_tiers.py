"""The two tiers through the API: crisis (helplines, high alert, push) and concern (a private
check-in, a normal-priority queue item, no push to moderators); and screen_free_text for any path."""
from __future__ import annotations

import pytest

from models import Notification, PushOutbox, Report, db
from services import message_safety
from services.safety import engine
from tests.factories import befriend, send
from tests.safety.stub_model import stub_model

API = "/api/v1"


@pytest.fixture(autouse=True)
def stub(monkeypatch):
    monkeypatch.setattr(engine, "default_model", stub_model)


def queue(client, moderator):
    return client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"]


def inbox_types(client, person):
    return [n["type"] for n in client.get(f"{API}/notifications", headers=person.headers).json["items"]]


def test_a_concern_answers_gently_checks_in_privately_and_queues_at_normal_priority(client, people):
    moderator = people.make(roles=("moderator",))
    a, b = people.make(region="GB-ENG"), people.make()
    response = send(client, a, befriend(client, a, b), "i feel hopeless")
    assert response.status_code == 201
    safety = response.json["safety"]
    assert safety["crisis"] is False and safety["concern"] is True
    assert "Samaritans" in " ".join(r["name"] for r in safety["resources"])
    assert [(r["source"], r["severity"], r["target_id"]) for r in queue(client, moderator)] == [
        ("concern_detector", 2, response.json["id"])]
    assert inbox_types(client, a).count("safety_check_in") == 1
    assert "safety_check_in" not in inbox_types(client, b)
    assert "crisis_alert" not in inbox_types(client, moderator)


def test_a_person_is_checked_in_with_and_queued_once_a_day_however_many_concerns(app, client, people):
    moderator = people.make(roles=("moderator",))
    a = people.make()
    # one message in each of three conversations (in one, the three together would read as a crisis)
    conversations = [befriend(client, a, people.make()) for _ in range(4)]
    answers = [send(client, a, conversation, "i feel hopeless").json["safety"] for conversation in conversations[:3]]
    assert all(answer["concern"] is True and answer["resources"] for answer in answers)  # helplines every time
    assert inbox_types(client, a).count("safety_check_in") == 1
    assert [r["source"] for r in queue(client, moderator)] == ["concern_detector"]
    app.config["CONCERN_CHECK_IN_HOURS"] = 0  # the day has passed
    send(client, a, conversations[3], "i feel hopeless")
    assert inbox_types(client, a).count("safety_check_in") == 2
    assert len(queue(client, moderator)) == 2


def test_the_check_in_is_never_pushed_to_a_lock_screen(app, client, people):
    a, b = people.make(), people.make()
    send(client, a, befriend(client, a, b), "i feel hopeless")
    with app.app_context():
        check_in = db.session.query(Notification).filter_by(user_id=a.id, type="safety_check_in").one()
        assert db.session.query(PushOutbox).filter_by(notification_id=check_in.id).count() == 0


def test_a_confident_model_makes_a_crisis_with_a_high_alert(client, people):
    moderator = people.make(roles=("moderator",))
    a, b = people.make(), people.make()
    response = send(client, a, befriend(client, a, b), "my stash here")
    assert response.json["safety"]["crisis"] is True and "concern" not in response.json["safety"]
    assert [(r["source"], r["severity"]) for r in queue(client, moderator)] == [("crisis_detector", 3)]
    assert "crisis_alert" in inbox_types(client, moderator)


def test_a_plan_spread_over_two_messages_is_seen_on_the_second(client, people):
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    assert "safety" not in send(client, a, conversation, "i saved them").json
    assert send(client, a, conversation, "see you tonight").json["safety"]["concern"] is True


def test_the_other_persons_messages_are_not_the_senders_context(client, people):
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    send(client, b, conversation, "i saved them")
    assert "safety" not in send(client, a, conversation, "see you tonight").json


def test_ordinary_text_gets_nothing(client, people):
    moderator = people.make(roles=("moderator",))
    a, b = people.make(), people.make()
    assert "safety" not in send(client, a, befriend(client, a, b), "see you on thursday").json
    assert queue(client, moderator) == []


def test_screen_free_text_raises_the_tier_for_any_source(app, people):
    a = people.make()
    with app.test_request_context():
        from models import User
        author = db.session.get(User, a.id)
        concern = message_safety.screen_free_text(author, source="profile", source_id=a.id, text="i feel hopeless")
        crisis = message_safety.screen_free_text(author, source="connection", source_id="c1", text="I want to die")
        nothing = message_safety.screen_free_text(author, source="group", source_id="g1", text=None)
        db.session.commit()
        assert concern["concern"] is True and crisis["crisis"] is True and nothing is None
        reports = {(r.target_type, r.severity) for r in db.session.query(Report)}
        assert reports == {("profile", 2), ("connection", 3)}
        with pytest.raises(ValueError):
            message_safety.screen_free_text(author, source="x" * 17, source_id="1", text="hi")


def test_an_edit_into_crisis_language_raises_the_alert(client, people):
    moderator = people.make(roles=("moderator",))
    a, b = people.make(), people.make()
    sent = send(client, a, befriend(client, a, b), "fine thanks").json
    assert queue(client, moderator) == []
    edited = client.patch(f"{API}/messages/{sent['id']}", json={"body": "I want to kill myself"}, headers=a.headers)
    assert edited.status_code == 200
    assert [(r["target_id"], r["severity"]) for r in queue(client, moderator)] == [(sent["id"], 3)]
    assert inbox_types(client, moderator).count("crisis_alert") == 1
    assert edited.json["safety"]["crisis"] is True

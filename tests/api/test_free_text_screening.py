"""Every free-text path is screened: crisis words anywhere a person writes answer them with helplines
and raise a high-severity alert; ordinary text gets no safety answer."""
from __future__ import annotations

import uuid

import pytest

from tests.alert_helpers import API, CRISIS_TEXT, alerts_about
from tests.factories import befriend, send
from tests.mentoring_helpers import DIABETES_T1, act, make_mentor, request_mentorship, set_conditions, start_mentorship

CALM_TEXT = "Happy to chat about managing hypos at night"


def crisis_alerts(app, person) -> list[tuple[str, str]]:
    return [(a.target_type, a.target_id) for a in alerts_about(app, person.id)
            if a.source == "crisis_detector" and a.severity == 3]


def assert_answered_and_alerted(app, response, person, target_type: str, target_id: str) -> None:
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert response.json["safety"]["crisis"] is True and response.json["safety"]["resources"]
    assert (target_type, target_id) in crisis_alerts(app, person)


@pytest.fixture
def mentor(client, people):
    return make_mentor(client, people)


def test_an_edited_message_is_screened_not_only_labelled(app, client, people):
    a, b = people.make(), people.make()
    sent = send(client, a, befriend(client, a, b), "fine thanks").json
    assert crisis_alerts(app, a) == []
    edited = client.patch(f"{API}/messages/{sent['id']}", json={"body": CRISIS_TEXT}, headers=a.headers)
    assert_answered_and_alerted(app, edited, a, "message", sent["id"])
    assert edited.json["body"] == CRISIS_TEXT  # never altered


def test_a_calm_edit_has_no_safety_answer(client, people):
    a, b = people.make(), people.make()
    sent = send(client, a, befriend(client, a, b), "fine thanks").json
    edited = client.patch(f"{API}/messages/{sent['id']}", json={"body": CALM_TEXT}, headers=a.headers)
    assert edited.status_code == 200 and "safety" not in edited.json


def test_a_connection_note_is_screened(app, client, people):
    a, b = people.make(), people.make()
    response = client.post(f"{API}/connections", json={"user_id": b.id, "message": CRISIS_TEXT}, headers=a.headers)
    assert_answered_and_alerted(app, response, a, "connection", response.json["id"])


def test_a_calm_connection_note_has_no_safety_answer_and_lists_never_carry_one(client, people):
    a, b = people.make(), people.make()
    response = client.post(f"{API}/connections", json={"user_id": b.id, "message": CALM_TEXT}, headers=a.headers)
    assert response.status_code == 201 and "safety" not in response.json
    listed = client.get(f"{API}/connections", headers=b.headers).json["items"]
    assert listed and all("safety" not in item for item in listed)


def test_a_mentorship_request_message_is_screened(app, client, people, mentor):
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    response = request_mentorship(client, mentee, mentor, message=CRISIS_TEXT)
    assert_answered_and_alerted(app, response, mentee, "mentorship", response.json["id"])


def test_mentorship_goals_are_screened(app, client, people, mentor):
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    response = request_mentorship(client, mentee, mentor, message="Hello", goals=["get fitter", CRISIS_TEXT])
    assert_answered_and_alerted(app, response, mentee, "mentorship", response.json["id"])


def test_a_mentorship_feedback_comment_is_screened(app, client, people, mentor):
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    assert act(client, mentor, mentorship_id, "end").status_code == 200
    response = act(client, mentee, mentorship_id, "feedback", rating=2, comment=CRISIS_TEXT)
    assert_answered_and_alerted(app, response, mentee, "feedback", response.json["id"])


def test_a_calm_feedback_comment_has_no_safety_answer(client, people, mentor):
    mentee = people.make()
    set_conditions(client, mentee, DIABETES_T1)
    mentorship_id = start_mentorship(client, mentee, mentor)["id"]
    act(client, mentor, mentorship_id, "end")
    response = act(client, mentee, mentorship_id, "feedback", rating=5, comment="Grace was so patient with me.")
    assert response.status_code == 201 and "safety" not in response.json


def test_a_support_request_topic_is_screened(app, client, people):
    seeker = people.make()
    set_conditions(client, seeker, DIABETES_T1)
    response = client.post(f"{API}/support-requests", headers=seeker.headers,
                           json={"intent": "listen", "duration": "one_off", "topic": CRISIS_TEXT})
    assert_answered_and_alerted(app, response, seeker, "support_request", response.json["id"])


def test_a_circle_description_is_screened(app, client, people, mentor):
    response = client.post(f"{API}/groups", headers=mentor.headers,
                           json={"name": "Evening walkers", "visibility": "public", "description": CRISIS_TEXT})
    assert_answered_and_alerted(app, response, mentor, "group", response.json["id"])


def test_a_calm_circle_has_no_safety_answer(client, mentor):
    response = client.post(f"{API}/groups", headers=mentor.headers,
                           json={"name": "Evening walkers", "visibility": "public", "description": CALM_TEXT})
    assert response.status_code == 201 and "safety" not in response.json


def test_a_post_in_a_circle_is_screened(app, client, people, mentor):
    circle = client.post(f"{API}/groups", headers=mentor.headers,
                         json={"name": "Evening walkers", "visibility": "public"}).json
    member = people.make()
    assert client.post(f"{API}/groups/{circle['id']}/join", headers=member.headers).status_code in (200, 201)
    response = client.post(f"{API}/conversations/{circle['conversation_id'] or _conversation_of(client, member, circle)}/messages",
                           json={"client_msg_id": str(uuid.uuid4()), "body": CRISIS_TEXT}, headers=member.headers)
    assert_answered_and_alerted(app, response, member, "message", response.json["id"])


def _conversation_of(client, member, circle) -> str:
    return client.get(f"{API}/groups/{circle['id']}", headers=member.headers).json["conversation_id"]


@pytest.mark.parametrize("field", ["bio", "display_name"])
def test_profile_text_is_screened(app, client, people, field):
    person = people.make()
    text = CRISIS_TEXT if field == "bio" else "want to kill myself"
    response = client.patch(f"{API}/me", json={field: text}, headers=person.headers)
    assert_answered_and_alerted(app, response, person, "profile", person.id)


def test_saving_a_profile_again_without_changing_its_text_raises_no_second_alert(app, client, people):
    person = people.make()
    client.patch(f"{API}/me", json={"bio": CRISIS_TEXT}, headers=person.headers)
    again = client.patch(f"{API}/me", json={"bio": CRISIS_TEXT, "pronouns": "she/her"}, headers=person.headers)
    assert again.status_code == 200 and "safety" not in again.json
    assert len(crisis_alerts(app, person)) == 1


def test_a_resource_draft_is_screened(app, client, mentor):
    response = client.post(f"{API}/resources", headers=mentor.headers,
                           json={"title": "What helped me", "body": f"Some days I think {CRISIS_TEXT}."})
    assert_answered_and_alerted(app, response, mentor, "resource", response.json["id"])


def test_an_edit_to_a_resource_draft_is_screened(app, client, mentor):
    draft = client.post(f"{API}/resources", headers=mentor.headers,
                        json={"title": "What helped me", "body": "Walking every morning, and a good pump nurse."}).json
    assert "safety" not in draft
    response = client.patch(f"{API}/resources/{draft['id']}", json={"body": CRISIS_TEXT}, headers=mentor.headers)
    assert_answered_and_alerted(app, response, mentor, "resource", draft["id"])


def test_editing_a_message_in_crisis_again_keeps_one_open_alert_and_still_answers(app, client, people):
    a, b = people.make(), people.make()
    sent = send(client, a, befriend(client, a, b), CRISIS_TEXT).json
    again = client.patch(f"{API}/messages/{sent['id']}", json={"body": CRISIS_TEXT + "!"}, headers=a.headers)
    assert again.json["safety"]["crisis"] is True
    assert crisis_alerts(app, a) == [("message", sent["id"])]

"""Check-ins through the API: answering and scoring, strict validation, safety on a positive screen,
the support offer only with consent, one's own history (oldest first), reminders, export and erasure."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import CheckIn, CheckInReminder, PushOutbox, db
from services.push_gateway import Outcome, PushMessage, SendResult
from services.push_worker import PushWorker
from services.scheduled import run_scheduled
from api.extensions import limiter
from tests.conftest import PersonFactory, assert_problem
from tests.mentoring_helpers import DIABETES_T1, condition_id, inbox, make_mentor, set_conditions
from tests.scheduled_helpers import run_on_two_hosts_at_once

API = "/api/v1"
OTHER_ID = "00000000-0000-4000-8000-000000000000"


def check_in(client, person, instrument="phq2", answers=(0, 0), **extra):
    return client.post(f"{API}/check-ins", json={"instrument": instrument, "answers": list(answers), **extra},
                       headers=person.headers)


def history(client, person, **query):
    return client.get(f"{API}/check-ins", query_string=query, headers=person.headers)


def saved_check_ins(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CheckIn))


# --- the questionnaires --------------------------------------------------------------------------

def test_the_four_instruments_are_served_with_items_options_bands_and_sources(client, people):
    items = client.get(f"{API}/check-ins/instruments", headers=people.make().headers).json["items"]
    by_key = {i["key"]: i for i in items}
    assert set(by_key) == {"ons4", "ucla3", "phq2", "gad2", "semcd6"}
    phq2 = by_key["phq2"]
    assert [item["text"] for item in phq2["items"]] == ["Little interest or pleasure in doing things",
                                                        "Feeling down, depressed, or hopeless"]
    assert phq2["items"][0]["options"][3] == {"value": 3, "label": "Nearly every day"}
    assert phq2["threshold"] == {"measure": "total", "at_least": 3, "safety": True,
                                 "meaning": "possible depression: a positive screen, not a diagnosis"}
    assert "Pfizer" in phq2["attribution"]
    anxiety = next(m for m in by_key["ons4"]["measures"] if m["key"] == "anxiety")
    assert anxiety["higher_is_better"] is False and anxiety["bands"][0] == {
        "low": 0, "high": 1, "key": "very_low", "label": "Very low"}


def test_the_instruments_need_a_signed_in_person(client):
    assert_problem(client.get(f"{API}/check-ins/instruments"), 401)


# --- answering -----------------------------------------------------------------------------------

def test_an_answer_is_scored_on_the_server_and_interpreted_per_measure(client, people):
    response = check_in(client, people.make(), "ons4", [7, 9, 4, 6])
    assert response.status_code == 201
    body = response.json
    assert body["scores"] == {"life_satisfaction": 7, "worthwhile": 9, "happiness": 4, "anxiety": 6}
    assert {k: v["key"] for k, v in body["interpretation"].items()} == {
        "life_satisfaction": "high", "worthwhile": "very_high", "happiness": "low", "anxiety": "high"}
    assert body["answers"] == [7, 9, 4, 6] and body["instrument"] == "ons4"
    assert body["created_at"].endswith("Z")
    assert "safety" not in body and "support_offer" not in body


def test_scores_sent_by_the_client_are_ignored(client, people):
    response = check_in(client, people.make(), "ucla3", [1, 1, 1], scores={"total": 9})
    assert_problem(response, 422)  # an unknown field is refused, never trusted


@pytest.mark.parametrize(("body", "field"), [
    ({"instrument": "phq9", "answers": [0, 0]}, "instrument"),
    ({"instrument": "phq2", "answers": [0]}, "answers"),
    ({"instrument": "phq2", "answers": [0, 0, 0]}, "answers"),
    ({"instrument": "phq2", "answers": []}, "answers"),
    ({"instrument": "phq2", "answers": [0, 4]}, "answers.1"),
    ({"instrument": "ucla3", "answers": [0, 1, 1]}, "answers.0"),
    ({"instrument": "ons4", "answers": [5, 5, 5, 11]}, "answers.3"),
    ({"instrument": "phq2", "answers": [True, 0]}, "answers.0"),
    ({"instrument": "phq2", "answers": [1.0, 0]}, "answers.0"),
    ({"instrument": "phq2", "answers": [0, "1"]}, "answers.1"),
    ({"instrument": "phq2", "answers": [0, None]}, "answers.1"),
    ({"instrument": "phq2"}, "answers"),
    ({"answers": [0, 0]}, "instrument"),
    ({"instrument": "phq2", "answers": [0, 0], "offer_support": 1}, "offer_support"),
])
def test_answers_that_cannot_be_scored_are_refused_with_the_field_named_and_nothing_saved(
        app, client, people, body, field):
    response = client.post(f"{API}/check-ins", json=body, headers=people.make().headers)
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert saved_check_ins(app) == 0


def test_without_health_data_consent_a_check_in_is_refused_and_explained(app, client, people):
    person = people.make()
    client.post(f"{API}/me/consents", json={"kind": "health_data", "granted": False}, headers=person.headers)
    problem = assert_problem(check_in(client, person), 403, "health_consent_withdrawn")
    assert "consent" in problem["detail"]
    assert saved_check_ins(app) == 0


# --- safety on a positive screen -----------------------------------------------------------------

@pytest.mark.parametrize("instrument", ["phq2", "gad2"])
def test_a_total_of_three_answers_with_helplines_for_the_persons_region(client, people, instrument):
    response = check_in(client, people.make(region="US"), instrument, [1, 2])
    assert response.status_code == 201
    safety = response.json["safety"]
    assert safety["screen_positive"] is True and "not a diagnosis" in safety["message"]
    assert "988" in {r.get("phone") for r in safety["resources"]}


def test_without_a_region_the_helplines_are_the_uk_ones(client, people):
    safety = check_in(client, people.make(), "phq2", [3, 3]).json["safety"]
    assert "116 123" in {r.get("phone") for r in safety["resources"]}


@pytest.mark.parametrize("instrument", ["phq2", "gad2"])
def test_a_total_of_two_carries_no_safety_answer(client, people, instrument):
    assert "safety" not in check_in(client, people.make(), instrument, [1, 1]).json


def test_loneliness_over_its_threshold_carries_no_safety_answer(client, people):
    response = check_in(client, people.make(), "ucla3", [3, 3, 3])
    assert response.json["interpretation"]["total"]["key"] == "lonely" and "safety" not in response.json


def publish_guide(client, moderator, title: str, condition: str) -> str:
    response = client.post(f"{API}/resources", json={
        "title": title, "url": "https://www.nhs.uk/mental-health/", "evidence_level": "guideline",
        "status": "published", "condition_ids": [condition_id(client, condition)]}, headers=moderator.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["id"]


@pytest.mark.parametrize(("instrument", "condition"), [("phq2", "Depression"), ("gad2", "Anxiety")])
def test_a_positive_screen_suggests_published_guides_about_what_was_screened_for(
        client, people, instrument, condition):
    moderator = people.make(roles=("moderator",))
    guide = publish_guide(client, moderator, f"{condition}: NHS guide", condition)
    publish_guide(client, moderator, "Type 1 diabetes: NICE guideline", DIABETES_T1)
    library = check_in(client, people.make(), instrument, [2, 2]).json["safety"]["library"]
    assert [g["id"] for g in library] == [guide]


def test_the_library_also_offers_guides_about_the_persons_own_conditions(client, people):
    moderator = people.make(roles=("moderator",))
    guide = publish_guide(client, moderator, "Type 1 diabetes: NICE guideline", DIABETES_T1)
    person = people.make()
    set_conditions(client, person, DIABETES_T1)
    assert [g["id"] for g in check_in(client, person, "phq2", [2, 2]).json["safety"]["library"]] == [guide]


def test_a_positive_screen_does_not_alert_moderators(client, people):
    moderator = people.make(roles=("moderator",))
    check_in(client, people.make(), "phq2", [3, 3])
    assert client.get(f"{API}/moderation/reports", headers=moderator.headers).json["items"] == []


def test_history_carries_no_safety_answer(client, people):
    person = people.make()
    check_in(client, person, "phq2", [3, 3])
    [item] = history(client, person).json["items"]
    assert "safety" not in item and item["interpretation"]["total"]["key"] == "screen_positive"


# --- the support offer, only with consent --------------------------------------------------------

@pytest.fixture
def seeker_with_support_nearby(client, people):
    """Someone living with type 1 diabetes, a mentor with it, and an open circle about it."""
    seeker = people.make()
    set_conditions(client, seeker, DIABETES_T1)
    mentor = make_mentor(client, people)
    moderator = people.make(roles=("moderator",))
    circle = client.post(f"{API}/groups", json={"name": "T1 circle", "visibility": "public",
                                                "condition_id": condition_id(client, DIABETES_T1)},
                         headers=moderator.headers).json
    return seeker, mentor, circle


def test_no_support_offer_without_consent(client, seeker_with_support_nearby):
    seeker, _, _ = seeker_with_support_nearby
    body = check_in(client, seeker, "phq2", [3, 3]).json
    assert "safety" in body and "support_offer" not in body


def test_the_setting_offers_mentors_and_circles_on_a_positive_screen(client, seeker_with_support_nearby):
    seeker, mentor, circle = seeker_with_support_nearby
    patched = client.patch(f"{API}/me", json={"settings": {"check_ins": {"offer_support": True}}},
                           headers=seeker.headers)
    assert patched.json["settings"]["check_ins"] == {"offer_support": True}
    offer = check_in(client, seeker, "gad2", [2, 2]).json["support_offer"]
    assert [m["user"]["id"] for m in offer["mentors"]] == [mentor.id]
    assert [c["id"] for c in offer["circles"]] == [circle["id"]]


def test_consent_given_for_one_check_in_offers_support_that_once(client, seeker_with_support_nearby):
    seeker, mentor, _ = seeker_with_support_nearby
    assert check_in(client, seeker, "phq2", [3, 0], offer_support=True).json["support_offer"]["mentors"]
    assert "support_offer" not in check_in(client, seeker, "phq2", [3, 0]).json


def test_saying_no_on_one_check_in_overrides_the_setting(client, seeker_with_support_nearby):
    seeker, _, _ = seeker_with_support_nearby
    client.patch(f"{API}/me", json={"settings": {"check_ins": {"offer_support": True}}}, headers=seeker.headers)
    assert "support_offer" not in check_in(client, seeker, "phq2", [3, 0], offer_support=False).json


def test_no_support_offer_below_the_threshold_even_with_consent(client, seeker_with_support_nearby):
    seeker, _, _ = seeker_with_support_nearby
    assert "support_offer" not in check_in(client, seeker, "phq2", [1, 1], offer_support=True).json


def test_the_setting_is_off_by_default_and_only_takes_true_or_false(client, people):
    person = people.make()
    assert client.get(f"{API}/me", headers=person.headers).json["settings"]["check_ins"] == {"offer_support": False}
    assert_problem(client.patch(f"{API}/me", json={"settings": {"check_ins": {"offer_support": "yes"}}},
                                headers=person.headers), 422)


# --- history: one's own, oldest first ------------------------------------------------------------

def test_history_is_oldest_first_across_pages(client, people):
    person = people.make()
    ids = [check_in(client, person, "ucla3", [1, 1, n]).json["id"] for n in (1, 2, 3)]
    first = history(client, person, limit=2).json
    second = history(client, person, limit=2, cursor=first["next_cursor"]).json
    assert [c["id"] for c in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None


def test_history_filters_by_instrument(client, people):
    person = people.make()
    check_in(client, person, "ucla3", [1, 1, 1])
    wanted = check_in(client, person, "gad2", [0, 1]).json["id"]
    assert [c["id"] for c in history(client, person, instrument="gad2").json["items"]] == [wanted]
    assert_problem(history(client, person, instrument="nope"), 422)


def test_history_never_shows_anyone_elses_check_ins(client, people):
    owner, other = people.make(), people.make()
    check_in(client, owner, "phq2", [3, 3])
    assert history(client, other).json["items"] == []


def test_a_forged_cursor_is_refused(client, people):
    assert_problem(history(client, people.make(), cursor="not-a-cursor"), 400)


def test_one_check_in_can_be_read_back(client, people):
    person = people.make()
    created = check_in(client, person, "ons4", [1, 2, 3, 4]).json
    fetched = client.get(f"{API}/check-ins/{created['id']}", headers=person.headers).json
    assert fetched["scores"] == created["scores"] and fetched["interpretation"] == created["interpretation"]


def test_someone_elses_check_in_answers_like_a_missing_one(client, people):
    owner, other = people.make(), people.make()
    check_in_id = check_in(client, owner).json["id"]
    assert_problem(client.get(f"{API}/check-ins/{check_in_id}", headers=other.headers), 404)
    assert_problem(client.delete(f"{API}/check-ins/{check_in_id}", headers=other.headers), 404)
    assert_problem(client.get(f"{API}/check-ins/{OTHER_ID}", headers=other.headers), 404)
    assert client.get(f"{API}/check-ins/{check_in_id}", headers=owner.headers).status_code == 200


def test_a_person_can_delete_their_own_check_in(client, people):
    person = people.make()
    check_in_id = check_in(client, person).json["id"]
    assert client.delete(f"{API}/check-ins/{check_in_id}", headers=person.headers).status_code == 204
    assert_problem(client.get(f"{API}/check-ins/{check_in_id}", headers=person.headers), 404)
    assert history(client, person).json["items"] == []


def test_history_and_deletion_stay_open_after_consent_is_withdrawn(client, people):
    person = people.make()
    check_in_id = check_in(client, person).json["id"]
    client.post(f"{API}/me/consents", json={"kind": "health_data", "granted": False}, headers=person.headers)
    assert [c["id"] for c in history(client, person).json["items"]] == [check_in_id]
    assert client.delete(f"{API}/check-ins/{check_in_id}", headers=person.headers).status_code == 204


# --- reminders -----------------------------------------------------------------------------------

REMINDERS = f"{API}/me/check-in-reminders"


def set_reminders(client, person, **body):
    return client.put(REMINDERS, json=body, headers=person.headers)


def test_reminders_are_off_by_default(client, people):
    assert client.get(REMINDERS, headers=people.make().headers).json == {
        "cadence": "off", "instruments": [], "next_due_at": None}


def test_a_weekly_reminder_is_due_a_week_from_now_at_ten_in_the_persons_time_zone(client, people):
    person = people.make()
    client.patch(f"{API}/me", json={"timezone": "America/New_York"}, headers=person.headers)
    body = set_reminders(client, person, cadence="weekly", instruments=["ons4", "ucla3"]).json
    assert body["cadence"] == "weekly" and body["instruments"] == ["ons4", "ucla3"]
    due = datetime.fromisoformat(body["next_due_at"].replace("Z", "+00:00"))
    local = due.astimezone(ZoneInfo("America/New_York"))
    today = datetime.now(ZoneInfo("America/New_York")).date()
    assert (local.date() - today).days == 7 and (local.hour, local.minute) == (10, 0)


def test_without_instruments_a_reminder_covers_all_of_them(client, people):
    body = set_reminders(client, people.make(), cadence="monthly").json
    assert body["instruments"] == ["ons4", "ucla3", "phq2", "gad2"]


def test_a_reminder_never_falls_inside_quiet_hours(client, people):
    person = people.make()
    client.patch(f"{API}/me", json={"timezone": "Europe/London", "settings": {"notifications": {
        "quiet_hours": {"start": "21:00", "end": "11:30"}}}}, headers=person.headers)
    due = set_reminders(client, person, cadence="fortnightly").json["next_due_at"]
    local = datetime.fromisoformat(due.replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/London"))
    assert (local.hour, local.minute) == (11, 30)


def test_turning_reminders_off_removes_them(app, client, people):
    person = people.make()
    set_reminders(client, person, cadence="weekly")
    assert set_reminders(client, person, cadence="off").json["cadence"] == "off"
    assert client.get(REMINDERS, headers=person.headers).json["next_due_at"] is None
    with app.app_context():
        assert db.session.get(CheckInReminder, person.id) is None


@pytest.mark.parametrize("body", [{"cadence": "daily"}, {}, {"cadence": "weekly", "instruments": ["phq9"]},
                                  {"cadence": "weekly", "instruments": []}])
def test_reminder_settings_are_validated(client, people, body):
    assert_problem(client.put(REMINDERS, json=body, headers=people.make().headers), 422)


def run(app, now: datetime) -> dict[str, int]:
    with app.app_context():
        return run_scheduled(now=now)


def in_days(days: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days)


def outbox_rows(app, person) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PushOutbox).where(PushOutbox.user_id == person.id))


def test_a_due_reminder_lands_in_the_inbox_and_the_push_outbox_without_health_details(app, client, people):
    person = people.make()
    set_reminders(client, person, cadence="weekly", instruments=["phq2"])
    assert run(app, in_days(6))["check_in_reminders_sent"] == 0
    assert run(app, in_days(8))["check_in_reminders_sent"] == 1
    [notice] = inbox(client, person, "check_in_reminder")
    assert notice["data"] == {}  # no instrument name, no score: the push payload carries `data`
    assert outbox_rows(app, person) == 1


def test_a_reminder_is_sent_once_and_moved_on_by_its_cadence(app, client, people):
    person = people.make()
    set_reminders(client, person, cadence="weekly")
    now = in_days(8)
    run(app, now)
    assert run(app, now)["check_in_reminders_sent"] == 0
    due = client.get(REMINDERS, headers=person.headers).json["next_due_at"]
    assert timedelta(days=6) < datetime.fromisoformat(due.replace("Z", "+00:00")) - now < timedelta(days=8)
    assert run(app, now + timedelta(days=8))["check_in_reminders_sent"] == 1
    assert len(inbox(client, person, "check_in_reminder")) == 2


class RecordingGateway:
    def __init__(self):
        self.sent: list[PushMessage] = []

    def send(self, messages: list[PushMessage]) -> list[SendResult]:
        self.sent += messages
        return [SendResult(Outcome.DELIVERED) for _ in messages]


def test_two_hosts_running_at_once_send_one_reminder(make_app, client, people, monkeypatch):
    person = people.make()
    set_reminders(client, person, cadence="weekly")
    run_on_two_hosts_at_once(monkeypatch, [make_app(), make_app()], in_days(8))
    assert len(inbox(client, person, "check_in_reminder")) == 1


def test_the_lock_screen_shows_nothing_about_check_ins_or_health(app, client, people):
    person = people.make()
    client.post(f"{API}/devices", json={"token": "device-token-1", "platform": "android"}, headers=person.headers)
    check_in(client, person, "phq2", [3, 3])
    set_reminders(client, person, cadence="weekly", instruments=["phq2", "gad2"])
    run(app, in_days(8))
    gateway = RecordingGateway()
    with app.app_context():
        PushWorker(gateway).drain()
    [message] = gateway.sent
    shown = " ".join([message.title, message.body, *message.data.keys(), *message.data.values()]).lower()
    assert message.data["type"] == "check_in_reminder"
    assert message.body == "Time for your check-in"
    for health_word in ("phq", "gad", "ucla", "ons4", "depress", "anxi", "lonel", "score"):
        assert health_word not in shown


def test_switching_off_check_in_pushes_keeps_the_inbox_entry(app, client, people):
    person = people.make()
    client.patch(f"{API}/me", json={"settings": {"notifications": {"types": {"check_in": False}}}},
                 headers=person.headers)
    set_reminders(client, person, cadence="weekly")
    run(app, in_days(8))
    assert len(inbox(client, person, "check_in_reminder")) == 1
    assert outbox_rows(app, person) == 0


def test_no_reminder_while_health_data_consent_is_withdrawn(app, client, people):
    person = people.make()
    set_reminders(client, person, cadence="weekly")
    client.post(f"{API}/me/consents", json={"kind": "health_data", "granted": False}, headers=person.headers)
    assert run(app, in_days(8))["check_in_reminders_sent"] == 0
    assert inbox(client, person, "check_in_reminder") == []


def test_reminders_turned_off_are_not_sent(app, client, people):
    person = people.make()
    set_reminders(client, person, cadence="weekly")
    set_reminders(client, person, cadence="off")
    assert run(app, in_days(40))["check_in_reminders_sent"] == 0


# --- export and erasure --------------------------------------------------------------------------

def test_the_export_holds_check_ins_and_reminder_settings(client, people):
    person = people.make()
    check_in(client, person, "ucla3", [1, 2, 3])
    set_reminders(client, person, cadence="monthly", instruments=["ucla3"])
    export = client.get(f"{API}/me/export", headers=person.headers).json
    [entry] = export["check_ins"]
    assert entry["instrument"] == "ucla3" and entry["answers"] == [1, 2, 3] and entry["scores"] == {"total": 6}
    assert export["check_in_reminders"]["cadence"] == "monthly"
    assert export["check_in_reminders"]["instruments"] == ["ucla3"]


def test_erasure_deletes_check_ins_and_reminders(app, client, people):
    person = people.make()
    check_in(client, person, "phq2", [1, 1])
    set_reminders(client, person, cadence="weekly")
    assert client.delete(f"{API}/me", headers=person.headers).status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
        assert db.session.get(CheckInReminder, person.id) is None


def test_answering_is_rate_limited_per_person_and_nothing_is_saved_past_the_limit(make_app):
    limited = make_app(CHECK_IN_RATE_LIMIT="2 per minute")
    with limited.app_context():
        limiter.reset()
    client = limited.test_client()
    person = PersonFactory(limited).make()
    assert [check_in(client, person).status_code for _ in range(3)] == [201, 201, 429]
    assert len(history(client, person).json["items"]) == 2

"""The evidence library: who writes, who publishes, who sees drafts; search, review dates and suggestions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from models import AuditEntry, MentorProfile, Resource, User, db
from services import resources as resource_service
from tests.api.test_groups import condition_id, live_with
from tests.conftest import assert_problem

API = "/api/v1"
RESOURCES = f"{API}/resources"
OVERDUE = f"{API}/moderation/resources/overdue"
NICE_T2 = "https://www.nice.org.uk/guidance/ng28"
HOW_I_MANAGED = "Walking a little further each day helped me most after my operation; I kept a diary of it."


@pytest.fixture
def t2d(client) -> str:
    return condition_id(client, "type-2-diabetes", "type 2 diabetes")


@pytest.fixture
def t1d(client) -> str:
    return condition_id(client, "type-1-diabetes", "type 1 diabetes")


@pytest.fixture
def diabetes(client) -> str:
    return condition_id(client, "diabetes", "diabetes")


@pytest.fixture
def copd(client) -> str:
    return condition_id(client, "copd", "copd")


@pytest.fixture
def moderator(people):
    return people.make(roles=("moderator",))


@pytest.fixture
def mentor(people):
    return people.make(roles=("mentor",))


@pytest.fixture
def patient(people):
    return people.make()


def add(client, person, **body):
    return client.post(RESOURCES, json={"title": "Type 2 diabetes: NICE guideline", "url": NICE_T2,
                                        "evidence_level": "guideline"} | body, headers=person.headers)


def published(client, moderator, **body) -> dict:
    response = add(client, moderator, status="published", **body)
    assert response.status_code == 201, response.json
    return response.json


def draft_request(client, mentor, **body):
    return client.post(RESOURCES, json={"title": "How I managed recovery after my operation",
                                        "body": HOW_I_MANAGED} | body, headers=mentor.headers)


def draft_by(client, mentor, **body) -> dict:
    response = draft_request(client, mentor, **body)
    assert response.status_code == 201, response.json
    return response.json


def patch(client, person, resource_id, **body):
    return client.patch(f"{RESOURCES}/{resource_id}", json=body, headers=person.headers)


def listed(client, person, **query) -> list[str]:
    response = client.get(RESOURCES, query_string=query, headers=person.headers)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- writing and publishing --------------------------------------------------------------------

def test_a_moderator_publishes_at_once_and_the_review_clock_starts(client, moderator, patient, t2d):
    body = published(client, moderator, condition_ids=[t2d])
    assert body["status"] == "published" and body["condition_ids"] == [t2d] and body["url"] == NICE_T2
    assert body["evidence_level"] == "guideline" and body["published_at"] and body["labels"] == []
    assert parse(body["review_due"]) - parse(body["reviewed_at"]) == timedelta(days=365)
    assert listed(client, patient) == [body["id"]]


def test_the_review_interval_comes_from_configuration(make_app, people):
    client = make_app(RESOURCE_REVIEW_INTERVAL_DAYS=90).test_client()
    body = published(client, people.make(roles=("moderator",)))
    assert parse(body["review_due"]) - parse(body["reviewed_at"]) == timedelta(days=90)


def test_a_mentors_guide_is_a_lived_experience_draft_invisible_until_a_moderator_publishes_it(
        client, people, mentor, moderator, patient):
    other_mentor = people.make(roles=("mentor",))
    draft = draft_by(client, mentor)
    assert (draft["status"], draft["evidence_level"], draft["published_at"]) == ("draft", "lived_experience", None)
    assert draft["author"]["id"] == mentor.id and draft["reviewed_at"] is None
    for outsider in (patient, other_mentor):
        assert listed(client, outsider) == [] and listed(client, outsider, status="draft") == []
        assert_problem(client.get(f"{RESOURCES}/{draft['id']}", headers=outsider.headers), 404)
    assert listed(client, mentor) == []  # not in the library yet...
    assert listed(client, mentor, status="draft") == [draft["id"]]  # ...but among their own drafts
    assert client.get(f"{RESOURCES}/{draft['id']}", headers=mentor.headers).json["status"] == "draft"
    assert listed(client, moderator, status="draft") == [draft["id"]]  # the review queue
    assert listed(client, moderator) == []  # the library itself holds published resources only

    response = patch(client, moderator, draft["id"], status="published")
    assert response.status_code == 200 and response.json["status"] == "published"
    assert response.json["reviewed_at"] and response.json["review_due"]
    assert listed(client, patient) == [draft["id"]]
    assert client.get(f"{RESOURCES}/{draft['id']}", headers=other_mentor.headers).json["author"]["id"] == mentor.id


def test_publishing_is_audited_with_who_did_what(app, client, mentor, moderator):
    draft = draft_by(client, mentor)
    patch(client, moderator, draft["id"], status="published")
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == draft["id"])))
        assert [(e.actor_id, e.action, e.target_type) for e in entries] == [(moderator.id, "resource.published",
                                                                             "resource")]
        assert entries[0].details == {"fields": "status"}


def test_a_mentor_asking_to_publish_is_refused_not_quietly_downgraded(client, mentor):
    assert_problem(add(client, mentor, status="published"), 403, "permission_denied")
    assert_problem(add(client, mentor, reviewed_at="2026-01-01T00:00:00Z"), 403, "permission_denied")
    assert listed(client, mentor, status="draft") == []


def test_a_mentor_whose_accreditation_ran_out_cannot_add_resources(app, client, mentor):
    with app.app_context():
        expired = datetime.now(timezone.utc) - timedelta(days=1)
        db.session.add(MentorProfile(user_id=mentor.id, accredited_until=expired))
        db.session.commit()
    assert_problem(draft_request(client, mentor), 403, "permission_denied")


def test_a_patient_cannot_add_resources(client, patient):
    assert_problem(add(client, patient), 403, "permission_denied")
    assert_problem(add(client, patient, status="draft", evidence_level="lived_experience"), 403)


def test_staff_must_say_how_strong_the_evidence_is(client, moderator):
    response = client.post(RESOURCES, json={"title": "COPD", "url": "https://www.nhs.uk/conditions/copd/"},
                           headers=moderator.headers)
    assert "evidence_level" in assert_problem(response, 422)["errors"]


def test_the_author_edits_their_draft_until_it_is_published(client, mentor, moderator):
    draft = draft_by(client, mentor)
    edited = patch(client, mentor, draft["id"], title="Recovering well after surgery", body="Rest, then walk.")
    assert edited.status_code == 200 and edited.json["title"] == "Recovering well after surgery"
    patch(client, moderator, draft["id"], status="published")
    assert_problem(patch(client, mentor, draft["id"], title="Sneaky change"), 403, "permission_denied")


@pytest.mark.parametrize("change", [{"status": "published"}, {"status": "archived"}, {"reviewed": True},
                                    {"review_due": "2030-01-01T00:00:00Z"}])
def test_an_author_cannot_publish_archive_or_review_their_own_draft(client, mentor, change):
    draft = draft_by(client, mentor)
    assert_problem(patch(client, mentor, draft["id"], **change), 403)
    assert client.get(f"{RESOURCES}/{draft['id']}", headers=mentor.headers).json["status"] == "draft"


def test_nobody_but_staff_edits_another_persons_draft_or_anything_published(client, people, mentor, moderator, patient):
    draft = draft_by(client, mentor)
    other_mentor = people.make(roles=("mentor",))
    assert_problem(patch(client, other_mentor, draft["id"], title="Mine now"), 404)  # can't see it at all
    assert_problem(patch(client, patient, draft["id"], title="Mine now"), 404)
    live = published(client, moderator)
    for person in (mentor, other_mentor, patient):
        assert_problem(patch(client, person, live["id"], title="Vandalised"), 403)
    assert patch(client, moderator, draft["id"], title="Tidied by a moderator").status_code == 200
    admin = people.make(roles=("admin",))
    assert patch(client, admin, live["id"], title="Corrected title").json["title"] == "Corrected title"


def test_unknown_resources_are_404_everywhere(client, moderator):
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(client.get(f"{RESOURCES}/{missing}", headers=moderator.headers), 404)
    assert_problem(patch(client, moderator, missing, title="x"), 404)


def test_archiving_takes_a_resource_out_of_the_library(client, moderator, patient):
    live = published(client, moderator)
    assert patch(client, moderator, live["id"], status="archived").json["status"] == "archived"
    assert listed(client, patient) == [] and listed(client, patient, status="archived") == []
    assert_problem(client.get(f"{RESOURCES}/{live['id']}", headers=patient.headers), 404)
    assert listed(client, moderator, status="archived") == [live["id"]]


def test_a_moderator_sends_a_guide_back_to_its_author_as_a_draft(client, mentor, moderator):
    draft = draft_by(client, mentor)
    patch(client, moderator, draft["id"], status="published")
    assert patch(client, moderator, draft["id"], status="draft").json["status"] == "draft"
    assert patch(client, mentor, draft["id"], body="Second, better version.").status_code == 200


# --- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "ftp://example.org/guide",
                                 "/relative/path", "www.nhs.uk/conditions", "https://www.nhs.uk@evil.example/",
                                 "https://nhs uk/"])
def test_links_must_be_absolute_web_addresses(client, moderator, url):
    assert "url" in assert_problem(add(client, moderator, url=url), 422)["errors"]


def test_a_resource_needs_a_link_or_a_text(client, moderator, mentor):
    response = client.post(RESOURCES, json={"title": "Nothing", "evidence_level": "guideline"},
                           headers=moderator.headers)
    assert_problem(response, 422)
    draft = draft_by(client, mentor)
    assert_problem(patch(client, mentor, draft["id"], body=None), 422)  # would leave neither


@pytest.mark.parametrize("body", [{"title": ""}, {"title": "x" * 201}, {"title": "two\nlines"},
                                  {"evidence_level": "anecdote"}, {"body": "x" * 20_001}, {"body": "   "},
                                  {"condition_ids": ["not-an-id"]}, {"status": "archived"}, {"language": "English"}])
def test_bad_fields_are_422(client, moderator, body):
    assert_problem(add(client, moderator, **body), 422)


def test_unknown_conditions_are_422(client, moderator):
    missing = "00000000-0000-4000-8000-000000000000"
    assert "condition_ids" in assert_problem(add(client, moderator, condition_ids=[missing]), 422)["errors"]


def test_a_review_date_must_not_be_in_the_future_nor_the_next_one_before_it(client, moderator):
    live = published(client, moderator)
    future = iso(datetime.now(timezone.utc) + timedelta(days=2))
    assert_problem(patch(client, moderator, live["id"], reviewed_at=future), 422)
    assert_problem(patch(client, moderator, live["id"], review_due="2000-01-01T00:00:00Z"), 422)
    assert_problem(patch(client, moderator, live["id"], reviewed=False), 422)


# --- search ------------------------------------------------------------------------------------

def test_text_search_ignores_case_and_accents_and_wildcards(client, moderator, patient):
    sjogren = published(client, moderator, title="Living with Sjögren's", url=None,
                        body="Dry eyes: what helped me at 100% humidity", evidence_level="lived_experience")
    published(client, moderator, title="Type 2 diabetes")
    assert listed(client, patient, q="SJOGREN") == [sjogren["id"]]
    assert listed(client, patient, q="dry EYES") == [sjogren["id"]]
    assert listed(client, patient, q="100%") == [sjogren["id"]]
    assert listed(client, patient, q="%") == [sjogren["id"]]  # a literal percent sign, not "anything"
    assert listed(client, patient, q="_") == []


def test_condition_search_takes_in_the_group_but_never_sibling_conditions(client, moderator, patient, t1d, t2d,
                                                                           diabetes, copd):
    about_t2 = published(client, moderator, condition_ids=[t2d])["id"]
    about_diabetes = published(client, moderator, title="Diabetes UK", condition_ids=[diabetes])["id"]
    about_t1 = published(client, moderator, title="Type 1", condition_ids=[t1d])["id"]
    published(client, moderator, title="COPD", condition_ids=[copd])
    assert set(listed(client, patient, condition_id=t2d)) == {about_t2, about_diabetes}
    assert set(listed(client, patient, condition_id=diabetes)) == {about_t2, about_diabetes, about_t1}


def test_evidence_level_filter(client, moderator, patient):
    guideline = published(client, moderator)["id"]
    review = published(client, moderator, title="Cochrane review", evidence_level="systematic_review")["id"]
    assert listed(client, patient, evidence_level="systematic_review") == [review]
    assert listed(client, patient, evidence_level="guideline") == [guideline]


def test_strongest_evidence_first_then_newest_review_across_pages(client, moderator, patient):
    story = published(client, moderator, title="My story", evidence_level="lived_experience")["id"]
    old_guideline = published(client, moderator, title="Older guideline")["id"]
    new_guideline = published(client, moderator, title="Newer guideline")["id"]
    opinion = published(client, moderator, title="Expert view", evidence_level="expert_opinion")["id"]
    patch(client, moderator, old_guideline, reviewed_at="2025-01-01T00:00:00Z")
    seen, cursor = [], None
    while True:
        query = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(RESOURCES, query_string=query, headers=patient.headers).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [new_guideline, old_guideline, opinion, story]


BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)
LEVELS = ["guideline", "systematic_review", "expert_opinion", "lived_experience"]


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(LEVELS), st.none() | st.integers(0, 3), st.integers(0, 3)),
                     max_size=12),
       page_size=st.integers(1, 5))
def test_paging_returns_every_resource_once_in_strength_then_review_order(app, patient, rows, page_size):
    """Ties in level and review time included: the id breaks them, and the cursor keeps all three."""
    with app.app_context():
        db.session.execute(delete(Resource))
        for level, reviewed_days, created_days in rows:
            db.session.add(Resource(title="t", url=NICE_T2, evidence_level=level, status="published",
                                    reviewed_at=BASE + timedelta(days=reviewed_days) if reviewed_days is not None
                                    else None, created_at=BASE + timedelta(days=created_days)))
        db.session.commit()
        expected = sorted(db.session.scalars(select(Resource)),
                          key=lambda r: (LEVELS.index(r.evidence_level), -(r.reviewed_at or r.created_at).timestamp(),
                                         r.id))
        viewer, seen, cursor = db.session.get(User, patient.id), [], None
        while True:
            page = resource_service.search(viewer, limit=page_size, cursor=cursor)
            seen += [r.id for r in page.items]
            if not (cursor := page.next_cursor):
                break
        assert seen == [r.id for r in expected]


def test_a_forged_cursor_is_400(client, patient):
    assert_problem(client.get(RESOURCES, query_string={"cursor": "forged"}, headers=patient.headers), 400)


def test_drafts_list_only_for_staff_and_authors_and_the_library_needs_a_login(client, mentor, moderator):
    draft_by(client, mentor)
    assert_problem(client.get(RESOURCES), 401)


# --- labels ------------------------------------------------------------------------------------

def test_a_guide_that_reads_like_a_medical_instruction_is_labelled_for_readers_and_the_moderator(
        client, mentor, moderator, patient):
    advice = draft_by(client, mentor, body="You should double your dose of painkillers after the operation.")
    assert advice["labels"] == ["experience_not_advice"]
    queue = client.get(RESOURCES, query_string={"status": "draft"}, headers=moderator.headers).json["items"]
    assert queue[0]["labels"] == ["experience_not_advice"]
    patch(client, moderator, advice["id"], status="published")
    assert client.get(f"{RESOURCES}/{advice['id']}", headers=patient.headers).json["labels"] == [
        "experience_not_advice"]
    assert draft_by(client, mentor)["labels"] == []  # plain experience


def test_a_guidelines_instructions_are_not_labelled(client, moderator):
    body = published(client, moderator, body="Take metformin 500 mg with food.")
    assert body["labels"] == []


def test_a_guideline_does_not_name_the_moderator_who_wrote_it(client, moderator, patient):
    live = published(client, moderator)
    assert client.get(f"{RESOURCES}/{live['id']}", headers=patient.headers).json["author"] is None
    assert client.get(f"{RESOURCES}/{live['id']}", headers=moderator.headers).json["author"]["id"] == moderator.id


# --- reviews -----------------------------------------------------------------------------------

def test_recording_a_review_moves_the_next_one_on(app, client, moderator):
    live = published(client, moderator)
    patch(client, moderator, live["id"], reviewed_at="2025-03-01T09:00:00Z")
    body = patch(client, moderator, live["id"], reviewed=True).json
    assert parse(body["reviewed_at"]) > parse("2025-03-01T09:00:00Z")
    assert parse(body["review_due"]) - parse(body["reviewed_at"]) == timedelta(days=365)
    chosen = patch(client, moderator, live["id"], reviewed_at="2025-06-01T00:00:00Z",
                   review_due="2026-01-01T00:00:00Z").json
    assert (chosen["reviewed_at"], chosen["review_due"]) == ("2025-06-01T00:00:00Z", "2026-01-01T00:00:00Z")
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == live["id"])
                                          .order_by(AuditEntry.created_at)))
    assert actions == ["resource.published", "resource.reviewed", "resource.reviewed", "resource.reviewed"]


def test_overdue_reviews_oldest_first_for_moderators_only(client, moderator, mentor, patient):
    fresh = published(client, moderator, title="Fresh")["id"]
    older = published(client, moderator, title="Older")["id"]
    oldest = published(client, moderator, title="Oldest")["id"]
    patch(client, moderator, older, reviewed_at="2024-06-01T00:00:00Z")
    patch(client, moderator, oldest, reviewed_at="2023-01-01T00:00:00Z")
    archived = published(client, moderator, title="Archived")["id"]
    patch(client, moderator, archived, reviewed_at="2020-01-01T00:00:00Z", status="archived")
    response = client.get(OVERDUE, headers=moderator.headers)
    assert [item["id"] for item in response.json["items"]] == [oldest, older]
    assert fresh not in [item["id"] for item in response.json["items"]]
    for person in (mentor, patient):
        assert_problem(client.get(OVERDUE, headers=person.headers), 403)


def test_overdue_reviews_follow_a_controllable_clock(app, client, moderator):
    live = published(client, moderator)
    with app.app_context():
        staff = db.session.get(User, moderator.id)
        now = datetime.now(timezone.utc)
        assert resource_service.overdue_reviews(staff, now=now) == []
        later = resource_service.overdue_reviews(staff, now=now + timedelta(days=366))
        assert [r.id for r in later] == [live["id"]] and later[0].title == live["title"]


# --- suggestions -------------------------------------------------------------------------------

def test_suggest_for_puts_the_condition_first_then_its_group(app, client, moderator, t2d, diabetes, t1d):
    group_wide = published(client, moderator, title="Diabetes UK", evidence_level="guideline",
                           condition_ids=[diabetes])["id"]
    exact = published(client, moderator, title="My type 2 story", evidence_level="lived_experience",
                      condition_ids=[t2d])["id"]
    published(client, moderator, title="Type 1", condition_ids=[t1d])
    draft_only = add(client, moderator, condition_ids=[t2d]).json["id"]
    with app.app_context():
        found = [r.id for r in resource_service.suggest_for({t2d}, limit=3)]
        assert found == [exact, group_wide] and draft_only not in found
        assert [r.id for r in resource_service.suggest_for({t2d}, limit=1)] == [exact]
        assert resource_service.suggest_for(set()) == []


@pytest.mark.parametrize("intent, suggested", [("tips", True), ("review", True), ("listen", False)])
def test_support_requests_for_tips_or_a_review_suggest_resources(client, people, moderator, t2d, intent, suggested):
    live = published(client, moderator, condition_ids=[t2d])
    seeker = people.make()
    live_with(client, seeker, t2d)
    response = client.post(f"{API}/support-requests", json={"intent": intent, "duration": "one_off"},
                           headers=seeker.headers)
    assert response.status_code == 201, response.json
    resources = response.json["suggestions"]["resources"]
    if suggested:
        assert [r["id"] for r in resources] == [live["id"]]
        assert set(resources[0]) >= {"title", "url", "evidence_level", "review_due", "labels"}
    else:
        assert resources == []


def test_matches_carry_resources_for_the_condition_asked_or_the_seekers_own(client, people, moderator, t2d, copd):
    about_t2 = published(client, moderator, condition_ids=[t2d])["id"]
    about_copd = published(client, moderator, title="COPD", condition_ids=[copd])["id"]
    seeker = people.make()
    live_with(client, seeker, t2d, copd)
    everything = client.get(f"{API}/matches", headers=seeker.headers)
    assert everything.status_code == 200 and "items" in everything.json
    assert {r["id"] for r in everything.json["resources"]} == {about_t2, about_copd}
    one = client.get(f"{API}/matches", query_string={"condition_id": copd}, headers=seeker.headers)
    assert [r["id"] for r in one.json["resources"]] == [about_copd]


# --- privacy -----------------------------------------------------------------------------------

def test_the_export_holds_the_resources_a_person_wrote(client, mentor, moderator):
    draft = draft_by(client, mentor)
    export = client.get(f"{API}/me/export", headers=mentor.headers).json
    assert [(r["id"], r["body"], r["status"]) for r in export["resources_authored"]] == [
        (draft["id"], HOW_I_MANAGED, "draft")]
    assert client.get(f"{API}/me/export", headers=moderator.headers).json["resources_authored"] == []


def test_erasure_deletes_drafts_and_keeps_published_guides_without_the_author(app, client, mentor, moderator,
                                                                               patient):
    draft = draft_by(client, mentor, title="Unfinished")
    guide = draft_by(client, mentor)
    patch(client, moderator, guide["id"], status="published")
    assert client.delete(f"{API}/me", headers=mentor.headers).status_code == 204
    assert_problem(client.get(f"{RESOURCES}/{draft['id']}", headers=moderator.headers), 404)
    kept = client.get(f"{RESOURCES}/{guide['id']}", headers=patient.headers).json
    assert kept["author"] is None and kept["body"] == HOW_I_MANAGED
    with app.app_context():
        assert resource_service.authored_by(mentor.id) == []


# --- demo --------------------------------------------------------------------------------------

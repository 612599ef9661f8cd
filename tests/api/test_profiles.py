"""Profiles, conditions with per-condition visibility, export and erasure."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import pytest

from tests.conftest import assert_problem

ME = "/api/v1/me"
MY_CONDITIONS = "/api/v1/me/conditions"
EXPORT = "/api/v1/me/export"
THIS_YEAR = datetime.now(timezone.utc).year
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture
def conditions(client) -> dict[str, dict]:
    """The whole taxonomy by slug, read through the API."""
    found, cursor = {}, None
    while True:
        page = client.get("/api/v1/conditions", query_string={"limit": 100, **({"cursor": cursor} if cursor else {})}).json
        found |= {c["slug"]: c for c in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            return found


def entry(conditions, slug: str, visibility: str = "public", **extra) -> dict:
    return {"condition_id": conditions[slug]["id"], "visibility": visibility} | extra


def put_conditions(client, person, items):
    return client.put(MY_CONDITIONS, json=items, headers=person.headers)


def visible_slugs(client, viewer, owner) -> set[str]:
    response = client.get(f"/api/v1/users/{owner.id}", headers=viewer.headers)
    assert response.status_code == 200
    return {c["condition"]["slug"] for c in response.json["conditions"]}


# --- GET /me, PATCH /me ---------------------------------------------------------------------

def test_me_shows_private_fields_to_the_owner(client, people):
    person = people.make(display_name="Grace", birth_year=1975)
    body = client.get(ME, headers=person.headers).json
    assert body["email"] == person.email and body["birth_year"] == 1975
    assert body["id"] == person.id and body["conditions"] == []
    assert set(body["settings"]["notifications"]) == {"message_previews", "quiet_hours", "types"}


@pytest.mark.parametrize("field, value", [
    ("display_name", "Grace M."), ("bio", "Type 1 since 2004.\nHappy to chat."), ("pronouns", "she/her"),
    ("languages", ["en", "pt-BR"]), ("region", "GB-SCT"), ("timezone", "Europe/London"),
])
def test_patch_me_changes_one_field(client, people, field, value):
    person = people.make()
    response = client.patch(ME, json={field: value}, headers=person.headers)
    assert response.status_code == 200 and response.json[field] == value
    assert client.get(ME, headers=person.headers).json[field] == value


def test_patch_me_leaves_other_fields_alone(client, people):
    person = people.make(display_name="Grace")
    client.patch(ME, json={"bio": "hello"}, headers=person.headers)
    assert client.get(ME, headers=person.headers).json["display_name"] == "Grace"


@pytest.mark.parametrize("field", ["bio", "pronouns", "region", "timezone"])
def test_patch_me_clears_an_optional_field_with_null(client, people, field):
    person = people.make()
    client.patch(ME, json={field: {"timezone": "Europe/London"}.get(field, "x")}, headers=person.headers)
    assert client.patch(ME, json={field: None}, headers=person.headers).json[field] is None


def test_patch_settings_merges_into_stored_settings(client, people):
    person = people.make()
    response = client.patch(ME, json={"settings": {"notifications": {"message_previews": True}}},
                            headers=person.headers)
    notifications = response.json["settings"]["notifications"]
    assert notifications["message_previews"] is True
    assert notifications["types"] == {"message": True, "mentorship": True, "connection": True, "group": True,
                                      "check_in": True}
    assert notifications["quiet_hours"] is None


def test_patch_one_notification_type_keeps_the_others(client, people):
    person = people.make()
    client.patch(ME, json={"settings": {"notifications": {"types": {"group": False}}}}, headers=person.headers)
    types = client.get(ME, headers=person.headers).json["settings"]["notifications"]["types"]
    assert types == {"message": True, "mentorship": True, "connection": True, "group": False, "check_in": True}


def test_patch_quiet_hours_are_stored(client, people):
    person = people.make()
    quiet = {"start": "22:00", "end": "07:00"}
    client.patch(ME, json={"settings": {"notifications": {"quiet_hours": quiet}}}, headers=person.headers)
    assert client.get(ME, headers=person.headers).json["settings"]["notifications"]["quiet_hours"] == quiet


@pytest.mark.parametrize("quiet", [
    {"start": "24:00", "end": "07:00"}, {"start": "7:00", "end": "22:00"}, {"start": "22:60", "end": "07:00"},
    {"start": "22:00\n", "end": "07:00"}, {"start": "22:00"}, {"start": 2200, "end": 700},
])
def test_patch_quiet_hours_must_be_hh_mm(client, people, quiet):
    person = people.make()
    response = client.patch(ME, json={"settings": {"notifications": {"quiet_hours": quiet}}}, headers=person.headers)
    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize("settings", [
    {"notifications": {"message_previews": "yes"}}, {"notifications": {"sound": True}}, {"theme": "dark"},
    {"notifications": {"types": {"message": 1}}},
])
def test_patch_settings_refuses_unknown_keys_and_wrong_types(client, people, settings):
    person = people.make()
    assert_problem(client.patch(ME, json={"settings": settings}, headers=person.headers), 422)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "GMT+1", "europe/london", ""])
def test_patch_timezone_must_be_iana(client, people, tz):
    person = people.make()
    assert "timezone" in assert_problem(client.patch(ME, json={"timezone": tz}, headers=person.headers), 422)["errors"]


@pytest.mark.parametrize("languages", [[], ["english"], ["EN"], ["en_GB"], ["e"], "en", ["en"] * 11])
def test_patch_languages_must_be_language_tags(client, people, languages):
    person = people.make()
    assert_problem(client.patch(ME, json={"languages": languages}, headers=person.headers), 422)


@pytest.mark.parametrize("body", [
    {"email": "new@example.org"}, {"birth_year": 1990}, {"roles": ["admin"]}, {"id": str(uuid.uuid4())},
    {"favourite_colour": "blue"},
])
def test_patch_me_refuses_fields_it_does_not_own(client, people, body):
    person = people.make()
    assert_problem(client.patch(ME, json=body, headers=person.headers), 422)


@pytest.mark.parametrize("name", ["", "   ", "x" * 51, "Grace\nM"])
def test_patch_display_name_must_be_one_short_line(client, people, name):
    person = people.make()
    assert "display_name" in assert_problem(client.patch(ME, json={"display_name": name}, headers=person.headers),
                                            422)["errors"]


# --- GET /users/{id} ------------------------------------------------------------------------

def test_public_profile_never_shows_email_birth_year_or_settings(client, people):
    owner, viewer = people.make(), people.make()
    body = client.get(f"/api/v1/users/{owner.id}", headers=viewer.headers).json
    assert body["id"] == owner.id
    assert not {"email", "birth_year", "settings"} & body.keys()


def test_public_profile_of_an_unknown_id_is_404(client, people):
    response = client.get(f"/api/v1/users/{uuid.uuid4()}", headers=people.make().headers)
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("user_id", ["42", "not-a-uuid", "00000000-0000-0000-0000-00000000000g"])
def test_public_profile_path_that_is_not_a_uuid_is_404(client, people, user_id):
    assert_problem(client.get(f"/api/v1/users/{user_id}", headers=people.make().headers), 404)


def test_public_profile_needs_a_token(client, people):
    assert_problem(client.get(f"/api/v1/users/{people.make().id}"), 401)


def test_public_conditions_are_seen_by_anyone(client, people, conditions):
    owner, stranger = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "asthma", "public")])
    assert visible_slugs(client, stranger, owner) == {"asthma"}


def test_matches_conditions_are_hidden_from_people_without_a_related_condition(client, people, conditions):
    owner, stranger = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "type-1-diabetes", "matches")])
    put_conditions(client, stranger, [entry(conditions, "asthma", "public")])
    assert visible_slugs(client, stranger, owner) == set()


def test_matches_conditions_are_hidden_from_people_with_no_conditions(client, people, conditions):
    owner, stranger = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "type-1-diabetes", "matches")])
    assert visible_slugs(client, stranger, owner) == set()


@pytest.mark.parametrize("declared", ["type-1-diabetes", "type-2-diabetes"])
def test_declaring_the_same_condition_does_not_reveal_a_matches_condition(client, people, conditions, declared):
    # Anyone may declare anything about themselves: the same (or a related) condition is no key (policy H1).
    owner, stranger = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "type-1-diabetes", "matches")])
    put_conditions(client, stranger, [entry(conditions, declared, "private")])
    assert visible_slugs(client, stranger, owner) == set()


def test_declaring_every_condition_reveals_no_matches_condition(client, people, conditions):
    owner, collector = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "type-1-diabetes", "matches"), entry(conditions, "asthma", "public")])
    put_conditions(client, collector, [entry(conditions, slug, "private") for slug in conditions])
    assert visible_slugs(client, collector, owner) == {"asthma"}


def connect(client, requester, addressee, *, accept: bool):
    response = client.post("/api/v1/connections", json={"user_id": addressee.id}, headers=requester.headers)
    assert response.status_code == 201, response.json
    if accept:
        assert client.post(f"/api/v1/connections/{response.json['id']}/accept",
                           headers=addressee.headers).status_code == 200
    return response.json["id"]


def test_matches_conditions_are_seen_by_accepted_connections_both_ways(client, people, conditions):
    owner, friend = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "type-1-diabetes", "matches")])
    put_conditions(client, friend, [entry(conditions, "asthma", "matches")])
    connect(client, friend, owner, accept=True)
    assert visible_slugs(client, friend, owner) == {"type-1-diabetes"}
    assert visible_slugs(client, owner, friend) == {"asthma"}


def test_a_pending_connection_request_does_not_reveal_matches_conditions(client, people, conditions):
    owner, asker = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "type-1-diabetes", "matches")])
    connect(client, asker, owner, accept=False)
    assert visible_slugs(client, asker, owner) == set()


def test_private_conditions_are_seen_by_nobody_else(client, people, conditions):
    owner, peer = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "type-1-diabetes", "private")])
    put_conditions(client, peer, [entry(conditions, "type-1-diabetes", "public")])
    assert visible_slugs(client, peer, owner) == set()


def test_public_profile_shows_conditions_without_their_visibility(client, people, conditions):
    owner, viewer = people.make(), people.make()
    put_conditions(client, owner, [entry(conditions, "asthma", "public", diagnosed_year=2001, treatments=["inhaler"])])
    shown = client.get(f"/api/v1/users/{owner.id}", headers=viewer.headers).json["conditions"][0]
    assert shown["diagnosed_year"] == 2001 and shown["treatments"] == ["inhaler"]
    assert "visibility" not in shown


def test_owner_sees_every_condition_with_its_visibility(client, people, conditions):
    owner = people.make()
    put_conditions(client, owner, [entry(conditions, "asthma", "public"), entry(conditions, "copd", "matches"),
                                   entry(conditions, "depression", "private")])
    mine = client.get(ME, headers=owner.headers).json["conditions"]
    assert {c["condition"]["slug"]: c["visibility"] for c in mine} == {
        "asthma": "public", "copd": "matches", "depression": "private"}


# --- PUT /me/conditions ---------------------------------------------------------------------

def test_put_conditions_returns_the_owner_view(client, people, conditions):
    person = people.make()
    response = put_conditions(client, person, [entry(conditions, "asthma", "public", diagnosed_year=2001)])
    assert response.status_code == 200
    assert response.json["conditions"][0]["condition_id"] == conditions["asthma"]["id"]
    assert response.json["conditions"][0]["diagnosed_year"] == 2001


def test_put_conditions_replaces_the_whole_list(client, people, conditions):
    person = people.make()
    put_conditions(client, person, [entry(conditions, "asthma"), entry(conditions, "copd")])
    put_conditions(client, person, [entry(conditions, "copd", "private")])
    mine = client.get(ME, headers=person.headers).json["conditions"]
    assert [(c["condition"]["slug"], c["visibility"]) for c in mine] == [("copd", "private")]


def test_put_empty_list_clears_conditions(client, people, conditions):
    person = people.make()
    put_conditions(client, person, [entry(conditions, "asthma")])
    assert put_conditions(client, person, []).json["conditions"] == []


def test_put_conditions_refuses_duplicates(client, people, conditions):
    person = people.make()
    assert_problem(put_conditions(client, person, [entry(conditions, "asthma"), entry(conditions, "asthma")]), 422)


def test_put_conditions_refuses_an_unknown_condition(client, people):
    person = people.make()
    response = put_conditions(client, person, [{"condition_id": str(uuid.uuid4()), "visibility": "public"}])
    assert "condition_id" in assert_problem(response, 422)["errors"]


def test_put_conditions_refuses_a_diagnosis_before_birth(client, people, conditions):
    person = people.make(birth_year=1980)
    response = put_conditions(client, person, [entry(conditions, "asthma", diagnosed_year=1979)])
    assert "diagnosed_year" in assert_problem(response, 422)["errors"]


def test_put_conditions_refuses_a_diagnosis_in_the_future(client, people, conditions):
    person = people.make()
    response = put_conditions(client, person, [entry(conditions, "asthma", diagnosed_year=THIS_YEAR + 1)])
    assert "diagnosed_year" in assert_problem(response, 422)["errors"]


def test_put_conditions_accepts_a_diagnosis_this_year(client, people, conditions):
    person = people.make()
    assert put_conditions(client, person, [entry(conditions, "asthma", diagnosed_year=THIS_YEAR)]).status_code == 200


@pytest.mark.parametrize("visibility", ["everyone", "PUBLIC", None, ""])
def test_put_conditions_visibility_is_an_enum(client, people, conditions, visibility):
    person = people.make()
    assert_problem(put_conditions(client, person, [entry(conditions, "asthma", visibility)]), 422)


def test_put_conditions_needs_a_visibility(client, people, conditions):
    person = people.make()
    assert_problem(put_conditions(client, person, [{"condition_id": conditions["asthma"]["id"]}]), 422)


@pytest.mark.parametrize("body", [{"condition_id": "x", "visibility": "public"}, {}, "asthma", None])
def test_put_conditions_body_must_be_a_json_array(client, people, body):
    assert_problem(put_conditions(client, people.make(), body), 422)


def test_put_conditions_refuses_a_non_uuid_condition_id(client, people):
    response = put_conditions(client, people.make(), [{"condition_id": "asthma", "visibility": "public"}])
    assert_problem(response, 422)


# --- export and erasure ---------------------------------------------------------------------

def test_export_holds_account_conditions_consents_and_sessions(client, people, conditions):
    person = people.make()
    put_conditions(client, person, [entry(conditions, "asthma", "private", treatments=["inhaler"])])
    body = client.get(EXPORT, headers=person.headers).json
    assert body["account"]["email"] == person.email
    assert body["conditions"][0]["condition_id"] == conditions["asthma"]["id"]
    assert body["conditions"][0]["visibility"] == "private"
    assert {c["kind"] for c in body["consents"]} == {"terms", "health_data"}
    assert len(body["sessions"]) == 1


def test_export_timestamps_are_utc_with_z(client, people):
    body = client.get(EXPORT, headers=people.make().headers).json
    stamps = [body["exported_at"], body["account"]["created_at"], body["account"]["updated_at"],
              *(c["recorded_at"] for c in body["consents"]), *(s["created_at"] for s in body["sessions"])]
    assert all(TIMESTAMP.match(stamp) for stamp in stamps), stamps


def test_delete_me_answers_204(client, people):
    response = client.delete(ME, headers=people.make().headers)
    assert response.status_code == 204 and response.data == b""


def test_delete_me_ends_every_token(client, people):
    person = people.make()
    other = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password}).json
    client.delete(ME, headers=person.headers)
    assert_problem(client.get(ME, headers=person.headers), 401)
    assert_problem(client.get(ME, headers={"Authorization": f"Bearer {other['access_token']}"}), 401)
    assert_problem(client.post("/api/v1/auth/refresh",
                               headers={"Authorization": f"Bearer {person.refresh_token}"}), 401)


def test_delete_me_then_login_with_the_old_password_is_401(client, people):
    person = people.make()
    client.delete(ME, headers=person.headers)
    response = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password})
    assert_problem(response, 401)


def test_erased_person_has_no_public_profile(client, people):
    person, viewer = people.make(), people.make()
    client.delete(ME, headers=person.headers)
    assert_problem(client.get(f"/api/v1/users/{person.id}", headers=viewer.headers), 404)


def test_erased_email_can_register_again(client, people):
    person = people.make()
    client.delete(ME, headers=person.headers)
    response = client.post("/api/v1/auth/register", json={
        "email": person.email, "password": person.password, "display_name": "Again", "birth_year": 1980,
        "accept_terms": True, "consent_health_data": True})
    assert response.status_code == 201 and response.json["user"]["id"] != person.id


def test_erasure_removes_conditions_from_the_database(app, client, people, conditions):
    from sqlalchemy import func, select

    from models import UserCondition, db

    person = people.make()
    put_conditions(client, person, [entry(conditions, "asthma")])
    client.delete(ME, headers=person.headers)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserCondition)
                                 .where(UserCondition.user_id == person.id)) == 0

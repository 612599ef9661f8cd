"""Every error is an RFC 9457 problem document, and no malformed request reaches a 500."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.conftest import assert_problem

REGISTER = "/api/v1/auth/register"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def registration(**overrides) -> dict:
    return {
        "email": "grace@example.org", "password": "correct horse battery", "display_name": "Grace",
        "birth_year": 1980, "accept_terms": True, "consent_health_data": True,
    } | overrides


def raw_json(client, method: str, path: str, text: str, **kwargs):
    return client.open(path, method=method, data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json", **kwargs)


@pytest.mark.parametrize("text", ['{"email": ', "{'email': 'a@x.org'}", "nope", '{"a": 1}}', "\xff"])
def test_malformed_json_is_a_400_problem(client, text):
    assert_problem(raw_json(client, "POST", REGISTER, text), 400, "bad_request")


def test_malformed_json_on_an_authenticated_route_is_a_400_problem(client, people):
    response = raw_json(client, "PATCH", "/api/v1/me", "{bio:", headers=people.make().headers)
    assert_problem(response, 400)


def test_wrong_method_is_a_405_problem_with_allow(client):
    response = client.delete("/api/v1/conditions")
    assert_problem(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "OPTIONS"}


def test_wrong_method_on_an_auth_route_lists_post(client):
    response = client.get("/api/v1/auth/login")
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_body_over_the_size_limit_is_a_413_problem(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    response = client.post(REGISTER, json=registration(bio="x" * 2000))
    assert_problem(response, 413, "payload_too_large")


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v2/me", "/api/v1/users/"])
def test_unknown_path_is_a_404_problem(client, path):
    assert_problem(client.get(path), 404, "not_found")


@pytest.mark.parametrize("field", ["display_name", "bio", "pronouns", "region"])
def test_nul_character_in_a_string_field_is_422(client, field):
    response = client.post(REGISTER, json=registration(**{field: "Gra\x00ce"}))
    assert field in assert_problem(response, 422)["errors"]


def test_nul_character_in_a_login_email_is_422(client):
    assert_problem(client.post("/api/v1/auth/login", json={"email": "a\x00@x.org", "password": "whatever1234"}), 422)


def test_nul_character_in_a_patch_is_422(client, people):
    response = client.patch("/api/v1/me", json={"languages": ["en\x00"]}, headers=people.make().headers)
    assert_problem(response, 422)


@pytest.mark.parametrize("field", ["display_name", "email", "password", "bio"])
def test_lone_surrogate_in_a_string_field_is_422(client, field):
    text = json.dumps(registration(**{field: "PLACEHOLDER"})).replace("PLACEHOLDER", "x\\ud800@x.org")
    assert field in assert_problem(raw_json(client, "POST", REGISTER, text), 422)["errors"]


def test_lone_surrogate_in_an_email_domain_is_422(client):
    text = json.dumps(registration(email="PLACEHOLDER")).replace("PLACEHOLDER", "grace@exa\\udc00mple.org")
    assert "email" in assert_problem(raw_json(client, "POST", REGISTER, text), 422)["errors"]


def test_lone_surrogate_at_login_is_422(client):
    text = '{"email": "\\ud800@x.org", "password": "\\ud800-long-password"}'
    assert_problem(raw_json(client, "POST", "/api/v1/auth/login", text), 422)


@pytest.mark.parametrize("body", [[registration()], [], "text", 42, None, True])
def test_body_that_is_not_an_object_is_422(client, body):
    assert_problem(client.post(REGISTER, json=body), 422)


def test_body_with_a_non_json_content_type_is_422(client):
    response = client.post(REGISTER, data=json.dumps(registration()), content_type="text/plain")
    assert_problem(response, 422)


def test_form_encoded_body_is_422(client):
    assert_problem(client.post(REGISTER, data={"email": "a@x.org"}), 422)


def test_huge_integer_is_422_not_500(client):
    assert_problem(raw_json(client, "POST", REGISTER, json.dumps(registration()).replace("1980", "9" * 400)), 422)


def test_deeply_nested_json_is_rejected_without_a_500(client, people):
    text = '{"settings": ' + "[" * 5000 + "]" * 5000 + "}"
    response = raw_json(client, "PATCH", "/api/v1/me", text, headers=people.make().headers)
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


def test_problem_errors_map_each_field_to_a_list_of_messages(client, people):
    response = client.put("/api/v1/me/conditions", json=[{"condition_id": "x", "visibility": "v", "extra": 1}],
                          headers=people.make().headers)
    errors = assert_problem(response, 422)["errors"]
    assert errors and all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values())


def test_problem_detail_names_the_first_invalid_field(client):
    problem = assert_problem(client.post(REGISTER, json=registration(birth_year="1980")), 422)
    assert problem["detail"].startswith("birth_year")


# --- shapes shared by every response --------------------------------------------------------

def _datetimes(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _datetimes(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _datetimes(v, key)
    elif isinstance(value, str) and (key.endswith("_at") or re.match(r"^\d{4}-\d\d-\d\dT", value)):
        yield key, value


def test_every_timestamp_in_responses_is_utc_with_z(client, people):
    person = people.make()
    client.patch("/api/v1/me", json={"bio": "hi"}, headers=person.headers)
    bodies = [client.get(path, headers=person.headers).json
              for path in ("/api/v1/me", "/api/v1/me/export", f"/api/v1/users/{person.id}")]
    stamps = [stamp for body in bodies for stamp in _datetimes(body)]
    assert len(stamps) >= 6
    assert all(TIMESTAMP.match(value) for _, value in stamps), stamps


def test_ids_are_uuid_strings(client, people):
    person = people.make()
    me = client.get("/api/v1/me", headers=person.headers).json
    session = client.get("/api/v1/me/export", headers=person.headers).json["sessions"][0]
    condition = client.get("/api/v1/conditions").json["items"][0]
    for value in (me["id"], session["id"], condition["id"], condition["parent_id"] or str(uuid.uuid4())):
        assert str(uuid.UUID(value)) == value

"""Minimal exposure: email, birth year, settings and private conditions reach nobody but their owner.

Two walks: every response schema in the live OpenAPI document (a new endpoint that returns an
owner-only field elsewhere fails here), and every GET endpoint as seen by someone who shares
conversations, a circle and a condition with the owner (the values themselves never show up).
"""
from __future__ import annotations

import re

from tests.factories import befriend, send
from tests.mentoring_helpers import DIABETES_T1, condition_id, set_conditions

API = "/api/v1"
OWNER_ONLY_FIELDS = {"email", "birth_year", "settings", "visibility"}
OWNER_PATHS = re.compile(r"^/api/v1/(me(/.*)?|auth/.*)$")
NOT_PERSONAL = {"Group"}  # a circle's own visibility (public/private) is about the circle


def _refs(node, spec, seen):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                _refs(spec["components"]["schemas"].get(name, {}), spec, seen)
        for value in node.values():
            _refs(value, spec, seen)
    elif isinstance(node, list):
        for value in node:
            _refs(value, spec, seen)
    return seen


def test_no_response_outside_the_owners_own_endpoints_can_carry_an_owner_only_field(client):
    spec = client.get("/api/v1/openapi.json").json
    leaks = []
    for path, operations in spec["paths"].items():
        if OWNER_PATHS.match(path):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict):  # path-level "parameters"
                continue
            for status, response in (operation.get("responses") or {}).items():
                if not str(status).startswith("2"):
                    continue
                for name in _refs(response, spec, set()) - NOT_PERSONAL:
                    fields = set((spec["components"]["schemas"][name].get("properties") or {}).keys())
                    if fields & OWNER_ONLY_FIELDS:
                        leaks.append((method.upper(), path, name, sorted(fields & OWNER_ONLY_FIELDS)))
    assert leaks == []


def _inside_an_id_or_time(secret: str, text: str) -> bool:
    """A birth year's digits may appear inside a random id or a timestamp's fraction; only a standalone
    number is the year."""
    return not re.search(rf"(?<![0-9a-fA-F.:]){re.escape(secret)}(?![0-9a-fA-F])", text)


def test_what_others_see_never_holds_the_owners_email_birth_year_or_private_condition(client, people):
    owner = people.make(email="owner-7f3a@example.org", birth_year=1937, display_name="Owner")
    private_name = "Crohn's disease"
    set_conditions(client, owner, {"name": DIABETES_T1, "visibility": "public"},
                   {"name": private_name, "visibility": "private", "treatments": ["secret-infusion-x"]})
    observer = people.make(display_name="Observer")
    set_conditions(client, observer, DIABETES_T1)
    conversation = befriend(client, owner, observer)
    send(client, owner, conversation, "hello")
    moderator = people.make(roles=("moderator",))
    circle = client.post(f"{API}/groups", json={"name": "Circle", "visibility": "public"},
                         headers=moderator.headers).json
    for person in (owner, observer):
        client.post(f"{API}/groups/{circle['id']}/join", headers=person.headers)

    secrets = ["owner-7f3a@example.org", "1937", condition_id(client, private_name), "secret-infusion-x",
               "message_previews", "quiet_hours"]
    ids = {"id": owner.id, "conversation_id": conversation, "group_id": circle["id"]}
    spec = client.get("/api/v1/openapi.json").json
    seen = 0
    for path, operations in spec["paths"].items():
        if "get" not in operations or OWNER_PATHS.match(path) or not path.startswith("/api/v1/") \
                or path.startswith("/api/v1/moderation") or path.startswith("/api/v1/admin"):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), owner.id), path)
        response = client.get(url, headers=observer.headers)
        if response.status_code != 200:
            continue
        seen += 1
        text = response.get_data(as_text=True)
        assert [s for s in secrets if s in text and not _inside_an_id_or_time(s, text)] == [], url
    assert seen >= 12  # the walk really covered the API, not just a couple of endpoints


def test_my_export_holds_nothing_owner_only_about_the_people_i_deal_with(client, people):
    """The export is the owner's, but only of their own data: counterparts appear by id alone."""
    owner = people.make(email="owner-91c2@example.org", birth_year=1941, display_name="Owner")
    set_conditions(client, owner, {"name": DIABETES_T1, "visibility": "private", "treatments": ["secret-pump-q"]})
    me = people.make()
    conversation = befriend(client, me, owner)
    send(client, owner, conversation, "hello from the owner")
    client.post(f"{API}/reports", json={"target_type": "user", "target_id": owner.id, "reason": "spam"},
                headers=me.headers)
    text = client.get(f"{API}/me/export", headers=me.headers).get_data(as_text=True)
    assert [s for s in ("owner-91c2@example.org", "1941", "secret-pump-q", "hello from the owner", "Owner")
            if s in text and not _inside_an_id_or_time(s, text)] == []

"""Per-person and per-address limits on every write, answered as 429 problems that change nothing."""
from __future__ import annotations

import re

import pytest
from flask_limiter.util import get_qualified_name

from api.config import RATE_LIMITED_ACTIONS
from api.extensions import limiter
from services import presence
from services.realtime import socketio
from tests.console.helpers import post_form, sign_in
from tests.factories import PersonFactory, befriend, send

API = "/api/v1"


@pytest.fixture
def limited(make_app):
    app = make_app(MESSAGE_RATE_LIMIT="3 per minute", REQUEST_RATE_LIMIT="2 per minute",
                   REPORT_RATE_LIMIT="2 per minute", MESSAGE_RATE_LIMIT_PER_IP="5 per minute")
    with app.app_context():
        limiter.reset()
    return app


def test_a_fourth_message_in_a_minute_is_a_429_problem_with_retry_after(limited):
    client, people = limited.test_client(), PersonFactory(limited)
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    statuses = [send(client, a, conversation).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = send(client, a, conversation)
    assert refused.mimetype == "application/problem+json" and int(refused.headers["Retry-After"]) > 0


def test_the_limit_is_per_person_until_the_address_limit(limited):
    client, people = limited.test_client(), PersonFactory(limited)
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    assert [send(client, a, conversation).status_code for _ in range(3)] == [201, 201, 201]
    # b has their own allowance, but both share 127.0.0.1, whose limit is 5.
    assert [send(client, b, conversation).status_code for _ in range(3)] == [201, 201, 429]


def test_connection_requests_are_limited_per_person(limited):
    client, people = limited.test_client(), PersonFactory(limited)
    asker = people.make()
    statuses = [client.post(f"{API}/connections", json={"user_id": people.make().id},
                            headers=asker.headers).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


def test_reports_are_limited_per_person(limited):
    client, people = limited.test_client(), PersonFactory(limited)
    reporter = people.make()
    statuses = [client.post(f"{API}/reports", json={"target_type": "user", "target_id": people.make().id,
                                                    "reason": "spam"}, headers=reporter.headers).status_code
                for _ in range(3)]
    assert statuses == [201, 201, 429]


# --- every write route is limited -------------------------------------------------------------------

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Nobody is signed in yet: these are limited per address alone (AUTH_RATE_LIMIT).
BEFORE_SIGN_IN = {"auth.register", "auth.login", "auth.refresh", "password_reset.request_reset",
                  "password_reset.confirm_reset", "console.sign_in"}
SETTINGS = {f"{action}_RATE_LIMIT" for action in RATE_LIMITED_ACTIONS}


def write_routes(app):
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & WRITE_METHODS})


def limits_of(app, endpoint):
    return limiter.limit_manager.decorated_limits(get_qualified_name(app.view_functions[endpoint]))


def test_every_write_route_is_limited_per_person_and_per_address(app):
    unlimited = {}
    with app.app_context():
        for endpoint in write_routes(app):
            limits = limits_of(app, endpoint)
            if endpoint in BEFORE_SIGN_IN:
                if not any(limit.key_func is None or limit.key_func.__name__ == "get_remote_address"
                           for limit in limits):
                    unlimited[endpoint] = "no per-address limit"
                continue
            scopes = {limit.scope for limit in limits}
            per_person = {limit.scope for limit in limits if getattr(limit.key_func, "__name__", "") in
                          ("_person", "_console_person")}
            if not per_person & SETTINGS:
                unlimited[endpoint] = f"no per-person limit named after a setting (scopes: {sorted(scopes)})"
            elif not {f"{scope}_PER_IP" for scope in per_person} <= scopes:
                unlimited[endpoint] = "no per-address limit beside the per-person one"
    assert unlimited == {}, "write routes without a rate limit (use per_user_and_ip / per_staff_and_ip)"


def test_every_limit_setting_exists_with_its_per_address_twin(app):
    for setting in SETTINGS:
        assert app.config[setting] and app.config[f"{setting}_PER_IP"], setting
    assert "EDIT_RATE_LIMIT" in SETTINGS and len(write_routes(app)) > 60


# --- behaviour: the N+1th write is refused and changes nothing -------------------------------------

@pytest.fixture
def tight(make_app):
    app = make_app(EDIT_RATE_LIMIT="2 per minute", PROFILE_RATE_LIMIT="2 per minute", BLOCK_RATE_LIMIT="2 per minute",
                   READ_MARK_RATE_LIMIT="2 per minute", STAFF_ACTION_RATE_LIMIT="1 per minute",
                   RESOURCE_RATE_LIMIT="2 per minute", JWT_COOKIE_SECURE=False)
    with app.app_context():
        limiter.reset()
    return app


def assert_limited(response):
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.json["status"] == 429 and int(response.headers["Retry-After"]) > 0


def test_a_third_edit_in_a_minute_is_refused_and_the_message_keeps_its_text(tight):
    client, people = tight.test_client(), PersonFactory(tight)
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    message = send(client, a, conversation, "first words").json
    for text in ("second words", "third words"):
        edited = client.patch(f"{API}/messages/{message['id']}", json={"body": text}, headers=a.headers)
        assert edited.status_code == 200
    assert_limited(client.patch(f"{API}/messages/{message['id']}", json={"body": "fourth words"}, headers=a.headers))
    assert_limited(client.delete(f"{API}/messages/{message['id']}", headers=a.headers))  # the same budget
    page = client.get(f"{API}/conversations/{conversation}/messages", headers=b.headers).json["items"]
    assert [item["body"] for item in page if item["id"] == message["id"]] == ["third words"]


def test_edits_are_limited_per_person_not_for_everyone(tight):
    client, people = tight.test_client(), PersonFactory(tight)
    a, b = people.make(), people.make()
    conversation = befriend(client, a, b)
    mine, theirs = send(client, a, conversation).json, send(client, b, conversation).json
    for _ in range(2):
        client.patch(f"{API}/messages/{mine['id']}", json={"body": "again"}, headers=a.headers)
    assert client.patch(f"{API}/messages/{theirs['id']}", json={"body": "mine"}, headers=b.headers).status_code == 200


def test_exports_are_limited_per_person(make_app):
    app = make_app(EXPORT_RATE_LIMIT="2 per hour")
    with app.app_context():
        limiter.reset()
    client, person = app.test_client(), PersonFactory(app).make()
    statuses = [client.get(f"{API}/me/export", headers=person.headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_third_profile_change_is_refused_and_the_name_stays(tight):
    client, person = tight.test_client(), PersonFactory(tight).make()
    for name in ("Sam", "Sammy"):
        assert client.patch(f"{API}/me", json={"display_name": name}, headers=person.headers).status_code == 200
    assert_limited(client.patch(f"{API}/me", json={"display_name": "Samuel"}, headers=person.headers))
    assert client.get(f"{API}/me", headers=person.headers).json["display_name"] == "Sammy"


def test_a_third_block_is_refused_and_nobody_more_is_blocked(tight):
    client, people = tight.test_client(), PersonFactory(tight)
    blocker, targets = people.make(), [people.make() for _ in range(3)]
    statuses = [client.post(f"{API}/blocks", json={"user_id": target.id}, headers=blocker.headers).status_code
                for target in targets]
    assert statuses[:2] == [201, 201] or statuses[:2] == [200, 200]
    assert statuses[2] == 429
    blocked = client.get(f"{API}/blocks", headers=blocker.headers).json
    blocked_ids = {item.get("user_id") or item.get("id") for item in blocked.get("items", blocked)}
    assert targets[2].id not in blocked_ids and targets[0].id in blocked_ids


def test_a_console_form_past_the_limit_is_a_429_page_and_changes_nothing(tight):
    client, people = tight.test_client(), PersonFactory(tight)
    sign_in(client, people.make(roles=("moderator",)))
    form = {"title": "Walking with asthma", "url": "https://example.org/walking", "evidence_level": "guideline",
            "status": "draft", "language": "en"}
    resource = post_form(client, "/console/resources/new", form)
    assert resource.status_code == 303
    resource_path = resource.headers["Location"].split("?")[0]
    saved = post_form(client, resource_path, form | {"title": "Walking, 2nd edition"}, page=resource_path)
    assert saved.status_code == 303
    refused = post_form(client, resource_path, form | {"title": "Vandalised"}, page=resource_path)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Vandalised" not in client.get(resource_path).get_data(as_text=True)


def test_every_limited_api_route_documents_its_429(app, client):
    spec = client.get(f"{API}/openapi.json").json
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or not rule.methods & WRITE_METHODS:
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods & WRITE_METHODS:
            if "429" not in spec["paths"][path][method.lower()]["responses"]:
                undocumented.append(f"{method} {path}")
    assert undocumented == []


def test_socket_events_past_the_limit_are_dropped_and_change_nothing(make_app):
    app = make_app(REDIS_URL=None, SOCKET_EVENT_RATE_LIMIT="2 per minute")  # built last: owns the Socket.IO server
    with app.app_context():
        limiter.reset()
    person = PersonFactory(app).make()
    socket = socketio.test_client(app, auth={"token": person.access_token})
    try:
        answers = [socket.emit("conversation.focus", {"conversation_id": f"c{n}"}, callback=True) for n in range(3)]
        assert answers[2] == {"ok": False, "error": "rate_limited"} and answers[:2] != answers[2:]
        renewed = socket.emit("auth.renew", {"token": person.access_token}, callback=True)
        assert renewed == {"ok": False, "error": "rate_limited"}  # the same allowance
        with app.app_context():
            assert presence.viewing({(person.id, "c1"), (person.id, "c2")}) == {(person.id, "c1")}
    finally:
        socket.disconnect()


def test_process_local_presence_drops_expired_entries_instead_of_growing(app, monkeypatch):
    monkeypatch.setattr(presence, "PRUNE_AT", 3)
    monkeypatch.setattr(presence, "_local", {("old", f"c{n}"): 0.0 for n in range(3)})  # long expired
    with app.test_request_context():
        app.config["REDIS_URL"] = None
        presence.focus("someone", "now")
    assert list(presence._local) == [("someone", "now")]

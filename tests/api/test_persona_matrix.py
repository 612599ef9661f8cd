"""The persona matrix: every route in the URL map, as every kind of person an attacker could be.

One world (tests/persona_world.py) is built once for the module: a victim in organisation O1 with a
private circle, a direct conversation, conditions of each visibility, a report, a check-in, a support
request and a mentorship. Each route is then called as each persona (anonymous, stranger, member,
former member, blocked, moderator of another organisation, moderator of the same organisation,
network moderator, admin, suspended, erased), aimed at the victim's things, and must answer the
intended status: 404 for what you may not see, 403 for what you see but may not do, 401 without a
live session (the console sends those to its sign-in page instead: 303). No body, /sync answer or
socket event may carry a marker the persona may not read (persona_world.MARKERS).

Writes are sent only where they must be refused (a refused write changes nothing, so the world
stays the same for every later case); writes the persona may make are covered by the feature tests
and marked ALLOWED in the table (tests/persona_matrix.py). A route added to the app without a row
there fails `test_every_route_is_in_the_matrix`.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

import pytest
from flask_jwt_extended import decode_token

from api.extensions import limiter
from models import db
from services.push_gateway import Outcome, SendResult
from services.push_worker import PushWorker
from tests.conftest import build_test_app, migrated_database
from tests.factories import PersonFactory
from tests.mentoring_helpers import condition_id, set_conditions
from tests.persona_matrix import (
    ALLOWED, CATALOGUE, MATRIX, PARAMS, REPORT_CONTEXT, WRITE_METHODS, XFAIL, Case, route_of,
)
from tests.persona_world import (
    IN_SCOPE_STAFF, MARKERS, MATCHES_CONDITION, PEOPLE, PERSONAS, PRIVATE_CONDITION, PUBLIC_CONDITION, World,
    build_world, close_sockets,
)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- the world, once per module -------------------------------------------------------------------

@pytest.fixture(scope="module")
def world():
    url, drop = migrated_database()
    app = build_test_app(url, REDIS_URL=None, JWT_COOKIE_SECURE=False)
    with app.app_context():
        limiter.reset()
    built = build_world(app)
    with app.app_context():
        for name in PEOPLE | {"suspended", "erased"}:
            built.csrf[name] = decode_token(built.personas[name].access_token, allow_expired=True)["csrf"]
    yield built
    close_sockets(built)
    with app.app_context():
        db.engine.dispose()
    drop()


def rules(app) -> dict[str, object]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def fill(text: str, world: World) -> str:
    """"{victim}" -> the victim's id; "{fresh}" -> a new uuid (a client_msg_id)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(uuid.uuid4()) if m.group(1) == "fresh" else world.ids[m.group(1)], text)


def request_for(world: World, endpoint: str, case: Case):
    rule = rules(world.app)[route_of(endpoint)]
    path = rule.rule
    for argument in rule.arguments:
        name = case.params.get(argument) or PARAMS[argument]
        path = re.sub(rf"<(?:[^:>]+:)?{argument}>", world.ids.get(name, name), path)
    method = case.method or next(iter(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    body = json.loads(fill(json.dumps(case.body), world)) if case.body is not None else None
    return method, path + fill(case.query, world), body


def call(world: World, endpoint: str, persona: str):
    case = MATRIX[endpoint]
    method, path, body = request_for(world, endpoint, case)
    client = world.app.test_client()
    person = world.personas[persona]
    if endpoint.startswith("console."):
        if person is not None:
            client.set_cookie("access_token_cookie", person.access_token, path="/console")
        data = None
        if method in WRITE_METHODS:
            data = {**(case.form or {}), "csrf_token": world.csrf.get(persona, "")}
        return client.open(path, method=method, data=data)
    kwargs = {"json": body} if body is not None else ({"json": {}} if method in ("POST", "PUT", "PATCH") else {})
    return client.open(path, method=method, headers=world.headers(persona), **kwargs)


# --- what may not be read -------------------------------------------------------------------------

def forbidden_markers(world: World, persona: str, endpoint: str | None = None) -> dict[str, str]:
    allowed = {name for name, readers in MARKERS.items() if persona in readers}
    if endpoint in REPORT_CONTEXT and persona in IN_SCOPE_STAFF:
        allowed |= {"circle_early_message", "circle_late_message"}
    if endpoint in CATALOGUE:
        allowed |= {"matches_condition_id", "private_condition_id"}
    return {name: world.values[name] for name in MARKERS if name not in allowed}


def leaked(text: str, markers: dict[str, str]) -> list[str]:
    without_ids = UUID.sub("", text)
    found = []
    for name, value in markers.items():
        if name == "victim_birth_year":
            if re.search(rf"(?<!\d){value}(?!\d)", without_ids):
                found.append(name)
        elif name in ("matches_condition_id", "private_condition_id", "check_in_id"):
            if value in text:
                found.append(name)
        elif value in text:
            found.append(name)
    return found


# --- the tests ------------------------------------------------------------------------------------

def test_every_route_is_in_the_matrix(world):
    endpoints, covered = set(rules(world.app)), {route_of(key) for key in MATRIX}
    assert sorted(endpoints - covered) == [], "new routes: give each a row in tests/persona_matrix.py"
    assert sorted(covered - endpoints) == [], "routes that no longer exist"
    assert all(set(case.expect) == set(PERSONAS) for case in MATRIX.values())


def pairs():
    for endpoint, case in MATRIX.items():
        for persona in PERSONAS:
            if case.expect[persona] == ALLOWED:
                continue
            marks = [pytest.mark.xfail(strict=True, reason=XFAIL[(endpoint, persona)])] \
                if (endpoint, persona) in XFAIL else []
            yield pytest.param(endpoint, persona, id=f"{endpoint}-{persona}", marks=marks)


@pytest.mark.parametrize(("endpoint", "persona"), list(pairs()))
def test_route_as_persona(world, endpoint, persona):
    response = call(world, endpoint, persona)
    expected = MATRIX[endpoint].expect[persona]
    text = response.get_data(as_text=True)
    assert response.status_code == expected, f"{endpoint} as {persona}: {response.status_code} {text[:300]}"
    assert leaked(text, forbidden_markers(world, persona, endpoint)) == []


def test_the_markers_do_reach_those_who_may_read_them(world):
    """So that their absence elsewhere means something: the member reads the circle through REST,
    /sync and the socket; in-scope staff read the report's details."""
    client, values = world.app.test_client(), world.values
    messages = client.get(f"/api/v1/conversations/{world.ids['circle_conversation']}/messages",
                          headers=world.headers("member")).get_data(as_text=True)
    assert values["circle_late_message"] in messages and values["circle_early_message"] in messages
    changes = client.get("/api/v1/sync", query_string={"since": world.since["member"]},
                         headers=world.headers("member")).get_data(as_text=True)
    assert values["circle_late_message"] in changes
    assert values["circle_late_message"] in json.dumps(world.received("member"))
    report = client.get(f"/api/v1/moderation/reports/{world.ids['report']}", headers=world.headers("mod_same"))
    assert values["report_details"] in report.get_data(as_text=True)
    assert values["email_member"] in client.get("/api/v1/me", headers=world.headers("member")).get_data(as_text=True)


@pytest.mark.parametrize("persona", sorted(PEOPLE))
def test_the_sync_snapshot_holds_nothing_private(world, persona):
    response = world.app.test_client().get("/api/v1/sync", headers=world.headers(persona))
    assert response.status_code == 200
    assert leaked(response.get_data(as_text=True), forbidden_markers(world, persona)) == []


@pytest.mark.parametrize("persona", sorted(PEOPLE))
def test_sync_since_a_token_from_before_holds_nothing_private(world, persona):
    response = world.app.test_client().get("/api/v1/sync", query_string={"since": world.since[persona]},
                                           headers=world.headers(persona))
    assert response.status_code == 200
    assert leaked(response.get_data(as_text=True), forbidden_markers(world, persona)) == []


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"anonymous"}))
def test_the_socket_carries_nothing_private(world, persona):
    events = world.received(persona)
    assert leaked(json.dumps(events), forbidden_markers(world, persona)) == []


@pytest.mark.parametrize("persona", ["suspended", "erased"])
def test_a_dead_session_has_no_socket(world, persona):
    assert not world.sockets[persona].is_connected()


def test_her_hidden_conditions_are_no_key_to_finding_her(world):
    """Self-declared keys (policy H1-H3): someone who declares, searches for or asks about the
    victim's `matches` or `private` condition learns nothing about her; her public one finds her."""
    client, prober = world.app.test_client(), PersonFactory(world.app).make(display_name="Prober")
    victim = world.ids["victim"]

    def found(response) -> bool:
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return victim in response.get_data(as_text=True)

    set_conditions(client, prober, PUBLIC_CONDITION)
    assert found(client.get("/api/v1/matches", query_string={"kind": "peer"}, headers=prober.headers))
    for hidden_condition in (MATCHES_CONDITION, PRIVATE_CONDITION):
        set_conditions(client, prober, {"name": hidden_condition, "visibility": "private"})
        hidden_id = condition_id(client, hidden_condition)
        assert not found(client.get("/api/v1/matches", query_string={"kind": "peer"}, headers=prober.headers))
        assert not found(client.get("/api/v1/matches", query_string={"kind": "peer", "condition_id": hidden_id},
                                    headers=prober.headers))
        assert not found(client.post("/api/v1/support-requests", json={
            "intent": "listen", "duration": "one_off", "condition_id": hidden_id}, headers=prober.headers))


@dataclass
class RecordingGateway:
    sent: list = field(default_factory=list)

    def send(self, messages):
        self.sent += messages
        return [SendResult(Outcome.DELIVERED) for _ in messages]


def test_no_lock_screen_shows_anything_private(world):
    """Pushes (previews off, the default) carry no message text, circle name, condition or report."""
    gateway = RecordingGateway()
    with world.app.app_context():
        PushWorker(gateway).drain()
        pushes = [{"title": m.title, "body": m.body, "data": m.data} for m in gateway.sent]
    assert any(push["data"].get("type") == "message" for push in pushes)  # the member's phone was told
    assert leaked(json.dumps(pushes), world.values) == []


def test_a_mentor_is_not_shown_her_request_about_a_private_condition(world):
    """H3: open requests reach mentors only about conditions the requester lists as public. The host
    is an accredited mentor, and even her connection and mentor."""
    response = world.app.test_client().get("/api/v1/support-requests/open", headers=world.host.headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert world.ids["support_request"] not in text and world.values["support_topic"] not in text
    answer = world.app.test_client().post(f"/api/v1/support-requests/{world.ids['support_request']}/answer",
                                          json={}, headers=world.host.headers)
    assert answer.status_code == 404


def test_her_connection_sees_her_matches_condition_and_never_her_private_one(world):
    """H1 from the side it opens to: the host is connected with her."""
    profile = world.app.test_client().get(f"/api/v1/users/{world.ids['victim']}", headers=world.host.headers)
    text = profile.get_data(as_text=True)
    assert profile.status_code == 200 and world.values["matches_condition_id"] in text
    assert world.values["private_condition_id"] not in text and world.values["private_treatment"] not in text


def test_the_person_she_blocked_cannot_find_her_through_matching_or_suggestions(world):
    """Blocks are silent and complete: living with her public condition finds everyone else, not her."""
    client, blocked, victim = world.app.test_client(), world.personas["blocked"], world.ids["victim"]
    set_conditions(client, blocked, PUBLIC_CONDITION)
    matches = client.get("/api/v1/matches", query_string={"kind": "peer"}, headers=blocked.headers)
    asked = client.post("/api/v1/support-requests", json={"intent": "listen", "duration": "one_off",
                                                          "condition_id": condition_id(client, PUBLIC_CONDITION)},
                        headers=blocked.headers)
    assert matches.status_code == 200 and asked.status_code == 201
    assert victim not in matches.get_data(as_text=True) and victim not in asked.get_data(as_text=True)


def test_every_refused_write_changed_nothing(world):
    """Runs after the matrix: the victim's things are as the world left them."""
    client, ids, values, victim = world.app.test_client(), world.ids, world.values, world.victim.headers
    assert client.get("/api/v1/me", headers=victim).status_code == 200  # not suspended, not erased
    assert client.get(f"/api/v1/check-ins/{ids['check_in']}", headers=victim).status_code == 200
    direct = client.get(f"/api/v1/conversations/{ids['direct']}/messages", headers=victim).json["items"]
    assert [m["body"] for m in direct if m["id"] == ids["direct_message"]] == [values["direct_message"] + " edited"]
    assert client.get(f"/api/v1/conversations/{ids['direct']}", headers=victim).json["muted"] is False
    circle = client.get(f"/api/v1/groups/{ids['circle']}", headers=victim).json
    assert circle["name"] == values["circle_name"] and circle["member_count"] == 3  # host, victim, member
    mentorships = client.get("/api/v1/mentorships", headers=victim).json["items"]
    assert [m["status"] for m in mentorships if m["id"] == ids["mentorship"]] == ["requested"]
    support = client.get(f"/api/v1/support-requests/{ids['support_request']}", headers=victim).json
    assert support["status"] == "open"
    staff = world.headers("net_mod")
    for report in ("report", "planted_report"):
        assert client.get(f"/api/v1/moderation/reports/{ids[report]}", headers=staff).json["status"] == "open"
    organisation = client.get(f"/api/v1/organisations/{ids['o1']}", headers=world.headers("admin"))
    assert ids["mod_same"] in organisation.get_data(as_text=True)  # still its moderator
    draft = client.get(f"/api/v1/resources/{ids['draft']}", headers=staff).json
    assert draft["title"] == values["draft_resource_title"]


def signed_in_api_reads() -> list[str]:
    """API routes an admin reads with a 200 (reads: no body, and a 200 rather than ALLOWED)."""
    return [key for key, case in MATRIX.items() if not key.startswith("console.")
            and case.expect["anonymous"] == 401 and case.expect["admin"] == 200 and case.body is None]


@pytest.mark.parametrize("endpoint", signed_in_api_reads())
def test_a_refresh_token_or_a_console_cookie_opens_no_api_route(world, endpoint):
    """Token confusion: the API reads only an access token, and only from the Authorization header."""
    method, path, _ = request_for(world, endpoint, MATRIX[endpoint])
    admin = world.personas["admin"]
    as_refresh = world.app.test_client().open(path, method=method,
                                              headers={"Authorization": f"Bearer {admin.refresh_token}"})
    cookie_client = world.app.test_client()
    cookie_client.set_cookie("access_token_cookie", admin.access_token)
    assert (as_refresh.status_code, cookie_client.open(path, method=method).status_code) == (401, 401)

"""One rich world for the persona matrix (tests/api/test_persona_matrix.py), built through the API.

Everything private in it belongs to (or is about) the victim and the circle she is in. Each private
thing carries a unique marker string, and `MARKERS` says which personas may ever read it; the matrix
looks for every other marker in every body, in /sync and on the socket.

The personas, all seen from the victim's side:
  anonymous    no token at all
  stranger     signed in, no relation to anyone
  member       in the victim's private circle (organisation O1), still there
  former       was in that circle, left before its later messages
  blocked      blocked by the victim
  mod_other    moderator of organisation O2 (the victim is in O1)
  mod_same     moderator of O1
  net_mod      network-wide moderator (moderates no organisation)
  admin        admin
  suspended    a member of O1 whose account was suspended (its token is dead)
  erased       someone who erased their account (its token is dead)
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from models import User, db
from services import moderation
from services.realtime import socketio
from tests.factories import PASSWORD, Person, PersonFactory, befriend, send
from tests.course_helpers import course_body
from tests.mentoring_helpers import apply_to_mentor, condition_id, decide, patch_profile, set_conditions

API = "/api/v1"
PERSONAS = ("anonymous", "stranger", "member", "former", "blocked", "mod_other", "mod_same", "net_mod", "admin",
            "suspended", "erased")
SIGNED_OUT = {"anonymous", "suspended", "erased"}       # no usable session
STAFF = {"mod_other", "mod_same", "net_mod", "admin"}
IN_SCOPE_STAFF = {"mod_same", "net_mod", "admin"}       # staff whose scope covers the victim and her circle
NETWORK_STAFF = {"net_mod", "admin"}
PEOPLE = set(PERSONAS) - SIGNED_OUT                      # signed in with a live session

TAG = uuid.uuid4().hex[:8]
PUBLIC_CONDITION, MATCHES_CONDITION, PRIVATE_CONDITION = "Type 1 diabetes", "Multiple sclerosis (MS)", "HIV"
BIRTH_YEAR = 1931


def marker(name: str) -> str:
    return f"{name}-{TAG}"


# marker name -> the personas who may read it (nobody else, on any route, in /sync or on the socket)
MARKERS: dict[str, set[str]] = {
    "victim_email": set(),
    "victim_birth_year": set(),
    "matches_treatment": set(),          # on a `matches` condition: her connections only (none of the personas)
    "private_treatment": set(),          # on a `private` condition: herself only
    "matches_condition_id": set(),       # the presence of those conditions
    "private_condition_id": set(),
    "direct_message": set(),             # her direct conversation with the host
    "circle_name": {"member"} | IN_SCOPE_STAFF,
    "circle_description": {"member"} | IN_SCOPE_STAFF,
    "circle_early_message": {"member"},  # before the former member left; staff do not read conversations
    "circle_late_message": {"member"},   # after they left
    "report_details": IN_SCOPE_STAFF,
    "support_topic": set(),              # about her private condition: herself only
    "mentorship_goal": set(),
    "mentorship_message": set(),
    "check_in_id": set(),
    "draft_resource_title": STAFF,       # a draft in the library: staff review drafts
    "course_meeting_url": {"member"},    # an O1 course's link: its enrolled people (the member) and tutors (K3)
    "action_plan_what": set(),           # the victim's action plan, not shared with the tutors (K5)
    # and every persona's own email: theirs alone ("email_member" -> {"member"}, ...)
    **{f"email_{name}": {name} for name in PERSONAS if name != "anonymous"},
}


@dataclass
class World:
    app: object
    personas: dict[str, Person | None]
    ids: dict[str, str]
    values: dict[str, str]                      # marker name -> the literal text to look for
    since: dict[str, str] = field(default_factory=dict)        # persona -> /sync token taken mid-build
    sockets: dict[str, object] = field(default_factory=dict)   # persona -> Socket.IO test client
    csrf: dict[str, str] = field(default_factory=dict)         # persona -> the console form token
    victim: Person | None = None                               # to check, at the end, that nothing changed
    host: Person | None = None                                 # the circle's host, an accredited mentor

    _received: dict[str, list] = field(default_factory=dict)

    def received(self, persona: str) -> list:
        """Everything the persona's socket was sent (read once: the test client empties its queue)."""
        if persona not in self._received:
            socket = self.sockets[persona]
            self._received[persona] = socket.get_received() if socket.is_connected() else []
        return self._received[persona]

    def headers(self, persona: str) -> dict[str, str]:
        person = self.personas.get(persona)
        return person.headers if person else {}


def build_world(app) -> World:
    client, people = app.test_client(), PersonFactory(app)
    values = {name: marker(name.replace("_", "-").upper()) for name in MARKERS}
    values["victim_email"] = f"victim-{TAG}@example.org"
    values["victim_birth_year"] = str(BIRTH_YEAR)

    admin = people.make(roles=("admin",), display_name="Admin")
    net_mod = people.make(roles=("moderator",), display_name="Network moderator")
    mod_same = people.make(roles=("moderator",), display_name="O1 moderator")
    mod_other = people.make(roles=("moderator",), display_name="O2 moderator")
    host = people.make(display_name="Host")
    victim = people.make(email=values["victim_email"], birth_year=BIRTH_YEAR, display_name="Victim")
    member, former = people.make(display_name="Member"), people.make(display_name="Former member")
    stranger, blocked = people.make(display_name="Stranger"), people.make(display_name="Blocked")
    suspended, erased = people.make(display_name="Suspended"), people.make(display_name="Erased")

    def ok(response, *statuses):
        assert response.status_code in (statuses or (200, 201, 204)), response.get_data(as_text=True)
        return response.json if response.status_code != 204 else None

    # Organisations: O1 (the victim's programme, moderated by mod_same) and O2 (mod_other's).
    o1 = ok(client.post(f"{API}/organisations", json={"name": f"Trust one {TAG}", "kind": "provider"},
                        headers=admin.headers))
    o2 = ok(client.post(f"{API}/organisations", json={"name": f"Trust two {TAG}", "kind": "provider"},
                        headers=admin.headers))
    for org, moderator in ((o1, mod_same), (o2, mod_other)):
        ok(client.post(f"{API}/organisations/{org['id']}/moderators", json={"user_id": moderator.id},
                       headers=admin.headers))
    code = ok(client.post(f"{API}/organisations/{o1['id']}/referral-codes", json={"uses": 20},
                          headers=mod_same.headers))
    for person in (host, victim, member, former, suspended):
        ok(client.post(f"{API}/me/referrals", json={"code": code["code"]}, headers=person.headers))

    # The host is an accredited mentor (so may open circles and mentor the victim).
    set_conditions(client, host, PUBLIC_CONDITION)
    application = ok(apply_to_mentor(client, host, conditions=(PUBLIC_CONDITION,)))
    ok(decide(client, mod_same, application["id"]))
    ok(patch_profile(client, host, accepting_mentees=True, capacity=5))

    # The victim's health information, one condition per visibility.
    set_conditions(client, victim, {"name": PUBLIC_CONDITION, "visibility": "public"},
                   {"name": MATCHES_CONDITION, "visibility": "matches", "treatments": [values["matches_treatment"]]},
                   {"name": PRIVATE_CONDITION, "visibility": "private", "treatments": [values["private_treatment"]]})
    values["matches_condition_id"] = condition_id(client, MATCHES_CONDITION)
    values["private_condition_id"] = condition_id(client, PRIVATE_CONDITION)

    # The private circle in O1: host, victim, member and (for now) the former member.
    circle = ok(client.post(f"{API}/groups", json={"name": values["circle_name"], "visibility": "private",
                                                   "description": values["circle_description"]},
                            headers=host.headers))
    for person in (victim, member, former, suspended):
        ok(client.post(f"{API}/groups/{circle['id']}/invitations", json={"user_id": person.id}, headers=host.headers))
        ok(client.post(f"{API}/groups/{circle['id']}/join", headers=person.headers))
    circle_conversation = ok(client.get(f"{API}/groups/{circle['id']}", headers=host.headers))["conversation_id"]
    # The member's phone takes pushes: what reaches its lock screen is checked too.
    ok(client.post(f"{API}/devices", json={"token": f"member-phone-{TAG}", "platform": "ios"}, headers=member.headers))
    early = ok(send(client, victim, circle_conversation, values["circle_early_message"]))

    # A direct conversation between the victim and the host, and a mentorship.
    direct = befriend(client, victim, host)
    connection_id = ok(client.get(f"{API}/connections", headers=victim.headers))["items"][0]["id"]
    direct_message = ok(send(client, victim, direct, values["direct_message"]))
    mentorship = ok(client.post(f"{API}/mentorships", headers=victim.headers, json={
        "mentor_id": host.id, "message": values["mentorship_message"], "goals": [values["mentorship_goal"]]}))

    # A support request about her private condition, a check-in, a device, a block.
    support = ok(client.post(f"{API}/support-requests", json={
        "intent": "listen", "duration": "one_off", "condition_id": values["private_condition_id"],
        "topic": values["support_topic"]}, headers=victim.headers))
    check_in = ok(client.post(f"{API}/check-ins", json={"instrument": "phq2", "answers": [1, 1]},
                              headers=victim.headers))
    values["check_in_id"] = check_in["id"]
    device_token = f"device-{TAG}"
    ok(client.post(f"{API}/devices", json={"token": device_token, "platform": "android"}, headers=victim.headers))
    ok(client.post(f"{API}/blocks", json={"user_id": blocked.id}, headers=victim.headers))

    # A report the victim filed about a message the member sent in the circle.
    member_message = ok(send(client, member, circle_conversation, "an unkind word"))
    report = ok(client.post(f"{API}/reports", json={"target_type": "message", "target_id": member_message["id"],
                                                    "reason": "harassment", "details": values["report_details"]},
                            headers=victim.headers))

    # A report planted by the other organisation's moderator, about the victim: a way in, if reporting
    # someone let you act on them (policy R2).
    planted = ok(client.post(f"{API}/reports", json={"target_type": "user", "target_id": victim.id, "reason": "spam"},
                             headers=mod_other.headers))

    # A draft in the evidence library.
    draft = ok(client.post(f"{API}/resources", json={"title": values["draft_resource_title"], "status": "draft",
                                                     "url": "https://example.org/draft", "evidence_level": "guideline",
                                                     "language": "en"}, headers=net_mod.headers))
    # A self-management course in O1 led by the host and a co-tutor; the victim and the member enrol,
    # and the victim writes a private action plan.
    cotutor = people.make(display_name="Co-tutor")
    ok(client.post(f"{API}/me/referrals", json={"code": code["code"]}, headers=cotutor.headers))
    set_conditions(client, cotutor, PUBLIC_CONDITION)
    ok(decide(client, mod_same, ok(apply_to_mentor(client, cotutor, conditions=(PUBLIC_CONDITION,)))["id"]))
    tutor_applications = [ok(client.post(f"{API}/tutor-applications", json={"training": "EPP tutor training 2026"},
                                         headers=tutor.headers)) for tutor in (host, cotutor)]
    for application_ in tutor_applications:
        ok(client.post(f"{API}/moderation/tutor-applications/{application_['id']}/decision",
                       json={"decision": "approve"}, headers=mod_same.headers))
    course = ok(client.post(f"{API}/courses", headers=mod_same.headers, json=course_body(
        [host, cotutor], organisation_id=o1["id"], meeting_url=f"https://meet.example.org/{values['course_meeting_url']}")))
    values["course_meeting_url"] = f"https://meet.example.org/{values['course_meeting_url']}"
    for person in (victim, member):
        ok(client.post(f"{API}/courses/{course['id']}/enrol", json={}, headers=person.headers))
    action_plan = ok(client.post(f"{API}/courses/{course['id']}/action-plans", headers=victim.headers, json={
        "week": 1, "what": values["action_plan_what"], "how_much": "a little", "when": "evenings",
        "days_per_week": 2, "confidence": 5}))

    codes = ok(client.get(f"{API}/organisations/{o1['id']}/referral-codes", headers=mod_same.headers))
    o1_code_id = codes["items"][0]["id"]

    personas = {"anonymous": None, "stranger": stranger, "member": member, "former": former, "blocked": blocked,
                "mod_other": mod_other, "mod_same": mod_same, "net_mod": net_mod, "admin": admin,
                "suspended": suspended, "erased": erased}
    world = World(app, personas, ids={
        "victim": victim.id, "host": host.id, "member": member.id, "mod_same": mod_same.id, "o1": o1["id"],
        "o2": o2["id"], "circle": circle["id"], "circle_conversation": circle_conversation, "direct": direct,
        "direct_message": direct_message["id"], "early_message": early["id"], "connection": connection_id,
        "mentorship": mentorship["id"], "support_request": support["id"], "check_in": check_in["id"],
        "device_token": device_token, "report": report["id"], "draft": draft["id"], "application": application["id"],
        "o1_code": o1_code_id, "planted_report": planted["id"], "cotutor": cotutor.id, "course": course["id"],
        "course_session": course["sessions"][0]["id"], "action_plan": action_plan["id"],
        "tutor_application": tutor_applications[0]["id"],
    }, values=values | {f"email_{name}": person.email for name, person in personas.items() if person})

    world.victim, world.host = victim, host

    # Every live persona takes a /sync token and opens a socket now, while the former member is still in.
    for name in PEOPLE:
        world.since[name] = ok(client.get(f"{API}/sync", headers=world.headers(name)))["next_since"]
    for name in PERSONAS:
        person = personas[name]
        if person is not None:
            world.sockets[name] = socketio.test_client(app, auth={"token": person.access_token})

    # Then: the former member leaves, one account is suspended, another erased, and the circle talks on.
    ok(client.post(f"{API}/groups/{circle['id']}/leave", headers=former.headers))
    with app.app_context():
        moderation.suspend(db.session.scalar(select(User).where(User.id == suspended.id)))
        db.session.commit()
    ok(client.delete(f"{API}/me", json={"password": PASSWORD}, headers=erased.headers))
    ok(send(client, victim, circle_conversation, values["circle_late_message"]))
    ok(send(client, victim, direct, values["direct_message"] + " again"))
    ok(client.patch(f"{API}/messages/{direct_message['id']}", json={"body": values["direct_message"] + " edited"},
                    headers=victim.headers))
    return world


def close_sockets(world: World) -> None:
    for socket in world.sockets.values():
        if socket.is_connected():
            socket.disconnect()

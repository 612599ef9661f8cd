"""Broken object-level authorisation, for every course endpoint: a participant of another course, a
tutor of another course (both in the same programme, so they can see the course) and staff of another
organisation (who cannot) aim at course A's things. Nobody reads or changes what is not theirs."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.course_helpers import API, create_course, enrol, make_tutor, start_sessions


@dataclass
class Setup:
    course: dict
    ids: dict
    people: dict


@pytest.fixture
def setup(app, client, people):
    admin = people.make(roles=("admin",))
    orgs = [client.post(f"{API}/organisations", json={"name": name, "kind": "provider"}, headers=admin.headers).json
            for name in ("Org one", "Org two")]
    mods = [people.make(roles=("moderator",)) for _ in orgs]
    codes = []
    for org, mod in zip(orgs, mods):
        client.post(f"{API}/organisations/{org['id']}/moderators", json={"user_id": mod.id}, headers=admin.headers)
        codes.append(client.post(f"{API}/organisations/{org['id']}/referral-codes", json={"uses": 50},
                                 headers=admin.headers).json["code"])

    def member_of(index, person):
        client.post(f"{API}/me/referrals", json={"code": codes[index]}, headers=person.headers)
        return person

    tutors_a = [member_of(0, make_tutor(client, people, admin)) for _ in range(2)]
    tutors_b = [member_of(0, make_tutor(client, people, admin)) for _ in range(2)]
    course_a = create_course(client, mods[0], tutors_a, organisation_id=orgs[0]["id"])
    course_b = create_course(client, mods[0], tutors_b, organisation_id=orgs[0]["id"])
    victim, other_participant = member_of(0, people.make()), member_of(0, people.make())
    enrol(client, victim, course_a["id"])
    enrol(client, other_participant, course_b["id"])
    plan = client.post(f"{API}/courses/{course_a['id']}/action-plans", headers=victim.headers, json={
        "week": 1, "what": "victim's private plan", "how_much": "a bit", "when": "evenings", "days_per_week": 2,
        "confidence": 8}).json
    start_sessions(app, course_a["id"], first_started_ago=__import__("datetime").timedelta(days=1))
    return Setup(course_a, {"course": course_a["id"], "session": course_a["sessions"][0]["id"], "plan": plan["id"],
                            "org": orgs[0]["id"], "victim": victim.id, "tutor_a": tutors_a[0].id},
                 {"participant_elsewhere": other_participant, "tutor_elsewhere": tutors_b[0],
                  "staff_elsewhere": mods[1], "victim": victim, "tutor_a": tutors_a[0]})


SAME_PROGRAMME = ("participant_elsewhere", "tutor_elsewhere")
# (method, path, body, status for someone in the same programme who is not on course A, for staff elsewhere)
CASES = [
    ("GET", "/courses/{course}", None, 200, 404),
    ("PATCH", "/courses/{course}/sessions/{session}", {"cancelled": True}, 403, 404),
    ("POST", "/courses/{course}/withdraw", None, 409, 404),
    ("POST", "/courses/{course}/accept-offer", None, 409, 404),
    ("GET", "/courses/{course}/roster", None, 403, 404),
    ("PUT", "/courses/{course}/sessions/{session}/attendance", {"present": ["{victim}"]}, 403, 404),
    ("POST", "/courses/{course}/action-plans", {"week": 1, "what": "x", "how_much": "x", "when": "x",
                                                "days_per_week": 1, "confidence": 9}, 403, 404),
    ("GET", "/courses/{course}/action-plans", None, 200, 404),
    ("PATCH", "/courses/{course}/action-plans/{plan}", {"outcome": "not_done"}, 404, 404),
    ("GET", "/moderation/courses/outcomes?organisation_id={org}", None, 403, 404),
    ("POST", "/moderation/tutors/{tutor_a}/renew", None, 403, 404),
]


def fill(text, ids):
    return text.format(**ids) if isinstance(text, str) else text


@pytest.mark.parametrize("attacker", ["participant_elsewhere", "tutor_elsewhere", "staff_elsewhere"])
@pytest.mark.parametrize(("method", "path", "body", "same", "staff"), CASES)
def test_nobody_reaches_another_courses_things(client, setup, attacker, method, path, body, same, staff):
    expected = same if attacker in SAME_PROGRAMME else staff
    if attacker == "staff_elsewhere" and path.startswith("/moderation/tutors"):
        expected = 404  # not their member: the tutor looks missing
    payload = {k: ([fill(v[0], setup.ids)] if isinstance(v, list) else v) for k, v in (body or {}).items()}
    response = client.open(API + fill(path, setup.ids), method=method, headers=setup.people[attacker].headers,
                           json=payload if method != "GET" else None)
    assert response.status_code == expected, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "victim's private plan" not in text and "course-secret-room" not in text


def test_nothing_changed_for_the_victim(client, setup):
    for attacker in ("participant_elsewhere", "tutor_elsewhere", "staff_elsewhere"):
        headers = setup.people[attacker].headers
        client.patch(f"{API}/courses/{setup.ids['course']}/action-plans/{setup.ids['plan']}",
                     json={"outcome": "not_done"}, headers=headers)
        client.put(f"{API}/courses/{setup.ids['course']}/sessions/{setup.ids['session']}/attendance",
                   json={"present": [setup.ids["victim"]]}, headers=headers)
    plans = client.get(f"{API}/courses/{setup.ids['course']}/action-plans", headers=setup.people["victim"].headers)
    assert plans.json["items"][0]["outcome"] is None
    roster = client.get(f"{API}/courses/{setup.ids['course']}/roster", headers=setup.people["tutor_a"].headers).json
    assert roster["enrolled"][0]["attended"] == []
    course = client.get(f"{API}/courses/{setup.ids['course']}", headers=setup.people["victim"].headers).json
    assert course["sessions"][0]["cancelled"] is False and course["my_status"] == "enrolled"

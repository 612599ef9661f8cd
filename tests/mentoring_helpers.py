"""Shared steps for the mentoring tests, taken through the API the way the app takes them."""
from __future__ import annotations

from sqlalchemy import update

from models import MentorProfile, Mentorship, User, db

API = "/api/v1"
DIABETES_T1 = "Type 1 diabetes"
DIABETES_T2 = "Type 2 diabetes"
MOTIVATION = "I want to help people who are newly diagnosed find their feet."
EXPERIENCE = "Twenty years of living with it, and I finished the Expert Patients Programme."


def condition_id(client, name: str) -> str:
    """The real id of the condition called `name`, found the way the app finds it (`?q=`)."""
    items = client.get(f"{API}/conditions", query_string={"q": name, "limit": 100}).json["items"]
    return next(item["id"] for item in items if item["name"] == name)


def set_conditions(client, person, *entries) -> None:
    """Replace `person`'s conditions. Each entry is a condition name or a dict with `name` and
    any of `diagnosed_year`, `treatments` and `visibility` (default `public`: the visibility matching may use)."""
    body = []
    for entry in entries:
        entry = {"name": entry} if isinstance(entry, str) else dict(entry)
        item = {"condition_id": condition_id(client, entry.pop("name")), "visibility": "public"}
        body.append(item | entry)
    response = client.put(f"{API}/me/conditions", json=body, headers=person.headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def apply_to_mentor(client, person, conditions=(DIABETES_T1,), **overrides):
    body = {"motivation": MOTIVATION, "experience": EXPERIENCE,
            "condition_ids": [condition_id(client, name) for name in conditions]} | overrides
    return client.post(f"{API}/mentor-applications", json=body, headers=person.headers)


def decide(client, moderator, application_id: str, decision: str = "approve", **body):
    return client.post(f"{API}/moderation/mentor-applications/{application_id}/decision",
                       json={"decision": decision, **body}, headers=moderator.headers)


def make_mentor(client, people, *conditions, moderator=None, profile=None, **register):
    """Someone living with `conditions` (names or entry dicts, default Type 1 diabetes) who applied
    and was approved by a moderator; `profile` is then PATCHed onto their mentor profile."""
    conditions = conditions or (DIABETES_T1,)
    mentor = people.make(**register)
    set_conditions(client, mentor, *conditions)
    names = [c if isinstance(c, str) else c["name"] for c in conditions]
    application = apply_to_mentor(client, mentor, conditions=names)
    assert application.status_code == 201, application.get_data(as_text=True)
    moderator = moderator or people.make(roles=("moderator",))
    assert decide(client, moderator, application.json["id"]).status_code == 200
    if profile:
        assert patch_profile(client, mentor, **profile).status_code == 200
    return mentor


def patch_profile(client, mentor, **changes):
    return client.patch(f"{API}/me/mentor-profile", json=changes, headers=mentor.headers)


def matches(client, person, **query):
    response = client.get(f"{API}/matches", query_string=query, headers=person.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["items"]


def match_ids(client, person, **query) -> list[str]:
    return [item["user"]["id"] for item in matches(client, person, **query)]


def reasons_for(client, person, candidate, **query) -> list[str]:
    return next(item["reasons"] for item in matches(client, person, **query) if item["user"]["id"] == candidate.id)


def request_mentorship(client, mentee, mentor, **body):
    return client.post(f"{API}/mentorships", json={"mentor_id": mentor.id, **body}, headers=mentee.headers)


def act(client, person, mentorship_id: str, action: str, **body):
    return client.post(f"{API}/mentorships/{mentorship_id}/{action}", json=body or None, headers=person.headers)


def start_mentorship(client, mentee, mentor) -> dict:
    """A requested and accepted mentorship; returns the accepted mentorship."""
    mentorship_id = request_mentorship(client, mentee, mentor).json["id"]
    response = act(client, mentor, mentorship_id, "accept")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def inbox(client, person, type_: str | None = None) -> list[dict]:
    items = client.get(f"{API}/notifications", query_string={"limit": 100}, headers=person.headers).json["items"]
    return [n for n in items if type_ is None or n["type"] == type_]


def set_mentor_profile(app, mentor, **columns) -> None:
    """Change mentor_profiles columns no endpoint sets (accreditation, ratings, responsiveness)."""
    with app.app_context():
        db.session.execute(update(MentorProfile).where(MentorProfile.user_id == mentor.id).values(**columns))
        db.session.commit()


def set_user(app, person, **columns) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(**columns))
        db.session.commit()


def set_mentorship(app, mentorship_id: str, **columns) -> None:
    with app.app_context():
        db.session.execute(update(Mentorship).where(Mentorship.id == mentorship_id).values(**columns))
        db.session.commit()


def mentor_profile(app, mentor) -> MentorProfile:
    with app.app_context():
        profile = db.session.get(MentorProfile, mentor.id)
        db.session.expunge(profile)
        return profile

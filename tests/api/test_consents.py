"""Withdrawing and giving again consent: every change recorded; without health consent, no matching."""
from __future__ import annotations

from tests.mentoring_helpers import DIABETES_T1, match_ids, set_conditions

API = "/api/v1"


def consent(client, person, kind, granted):
    return client.post(f"{API}/me/consents", json={"kind": kind, "granted": granted}, headers=person.headers)


def test_consents_start_as_given_at_registration(client, people):
    person = people.make()
    current = client.get(f"{API}/me/consents", headers=person.headers).json["items"]
    assert sorted((c["kind"], c["granted"]) for c in current) == [("health_data", True), ("terms", True)]


def test_withdrawing_health_consent_takes_the_person_out_of_matching_and_profiles(client, people):
    seeker, owner = people.make(), people.make()
    set_conditions(client, seeker, DIABETES_T1)
    set_conditions(client, owner, {"name": DIABETES_T1, "visibility": "public"})
    assert owner.id in match_ids(client, seeker)
    assert consent(client, owner, "health_data", False).status_code == 201
    assert owner.id not in match_ids(client, seeker)
    assert client.get(f"{API}/users/{owner.id}", headers=seeker.headers).json["conditions"] == []
    assert client.get(f"{API}/matches", headers=owner.headers).status_code == 409


def test_giving_health_consent_again_restores_matching_and_keeps_the_history(client, people):
    seeker, owner = people.make(), people.make()
    set_conditions(client, seeker, DIABETES_T1)
    set_conditions(client, owner, {"name": DIABETES_T1, "visibility": "public"})
    consent(client, owner, "health_data", False)
    consent(client, owner, "health_data", True)
    assert owner.id in match_ids(client, seeker)
    history = client.get(f"{API}/me/export", headers=owner.headers).json["consents"]
    assert [(c["kind"], c["granted"]) for c in history if c["kind"] == "health_data"] == [
        ("health_data", True), ("health_data", False), ("health_data", True)]


def test_the_terms_cannot_be_withdrawn_without_leaving(client, people):
    person = people.make()
    response = consent(client, person, "terms", False)
    assert response.status_code == 422 and "DELETE /me" in response.json["detail"]

def test_healthz_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_registered_person_sees_own_profile(client, people):
    person = people.make(display_name="Grace")
    response = client.get("/api/v1/me", headers=person.headers)
    assert response.status_code == 200
    assert response.json["display_name"] == "Grace" and response.json["email"] == person.email

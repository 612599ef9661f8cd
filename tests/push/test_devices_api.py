"""POST /devices and DELETE /devices/{token}: an upserting registry where a token follows its newest owner."""
from __future__ import annotations

from sqlalchemy import select

from models import Device, db
from tests.conftest import assert_problem
from tests.push.conftest import API, device_tokens, register_device


def test_registering_a_new_token_returns_201_with_the_device(client, people):
    ada = people.make()
    response = register_device(client, ada, "tok-1", platform="ios")
    assert response.status_code == 201
    body = response.json
    assert body["platform"] == "ios" and body["app_version"] == "1.0" and body["id"]
    assert body["created_at"].endswith("Z") and "token" not in body


def test_registering_the_same_token_again_updates_it_and_returns_200(app, client, people):
    ada = people.make()
    first = register_device(client, ada, "tok-1")
    again = client.post(f"{API}/devices", json={"token": "tok-1", "platform": "android", "app_version": "2.0"},
                        headers=ada.headers)
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["app_version"] == "2.0"
    assert device_tokens(app, ada.id) == {"tok-1"}


def test_a_token_registered_by_someone_else_moves_to_its_newest_owner(app, client, people):
    ada, bea = people.make(), people.make()
    register_device(client, ada, "shared-phone")
    assert register_device(client, bea, "shared-phone").status_code == 200
    assert device_tokens(app, ada.id) == set() and device_tokens(app, bea.id) == {"shared-phone"}
    assert_problem(client.delete(f"{API}/devices/shared-phone", headers=ada.headers), 404)


def test_a_device_remembers_the_sign_in_session_that_registered_it(app, client, people):
    ada = people.make()
    register_device(client, ada, "tok-1")
    with app.app_context():
        assert db.session.scalar(select(Device.session_id).where(Device.token == "tok-1"))


def test_deleting_your_device_returns_204_and_a_second_delete_404(app, client, people):
    ada = people.make()
    register_device(client, ada, "tok-1")
    response = client.delete(f"{API}/devices/tok-1", headers=ada.headers)
    assert response.status_code == 204 and response.data == b""
    assert device_tokens(app, ada.id) == set()
    assert_problem(client.delete(f"{API}/devices/tok-1", headers=ada.headers), 404)


def test_deleting_someone_elses_token_is_404_and_keeps_it(app, client, people):
    ada, bea = people.make(), people.make()
    register_device(client, ada, "ada-phone")
    assert_problem(client.delete(f"{API}/devices/ada-phone", headers=bea.headers), 404)
    assert device_tokens(app, ada.id) == {"ada-phone"}


INVALID_DEVICES = [
    ({"token": "tok", "platform": "blackberry"}, "platform"),
    ({"token": "tok"}, "platform"),
    ({"token": "", "platform": "ios"}, "token"),
    ({"token": "two words", "platform": "ios"}, "token"),
    ({"token": " tok", "platform": "ios"}, "token"),
    ({"token": "tok\n", "platform": "ios"}, "token"),
    ({"token": "   ", "platform": "ios"}, "token"),
    ({"platform": "ios"}, "token"),
    ({"token": 42, "platform": "ios"}, "token"),
    ({"token": "t" * 4097, "platform": "ios"}, "token"),
    ({"token": "tok", "platform": "ios", "app_version": "v" * 41}, "app_version"),
]


def test_an_invalid_device_is_422_naming_the_field(app, client, people):
    ada = people.make()  # one database for all cases: each would cost a database of its own on PostgreSQL
    for body, field in INVALID_DEVICES:
        problem = assert_problem(client.post(f"{API}/devices", json=body, headers=ada.headers), 422)
        assert field in problem["errors"], (body, problem)
    assert device_tokens(app, ada.id) == set()


def test_devices_need_a_signed_in_person(client):
    assert client.post(f"{API}/devices", json={"token": "tok", "platform": "ios"}).status_code == 401
    assert client.delete(f"{API}/devices/tok").status_code == 401

"""Per-person and per-address limits on sending, asking and reporting, answered as 429 problems."""
from __future__ import annotations

import pytest

from api.extensions import limiter
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

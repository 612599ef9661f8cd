"""Driving the console through its forms, as a browser would (test client, cookies kept)."""
from __future__ import annotations

import re

CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]*)"')


def csrf_of(response) -> str:
    """The CSRF value rendered into the page's forms: the same, and not empty, in every one of them."""
    values = set(CSRF_INPUT.findall(response.get_data(as_text=True)))
    assert len(values) == 1 and "" not in values, f"CSRF fields on the page: {values or 'none'}"
    return values.pop()


def sign_in(client, person, *, next_url: str | None = None):
    """Open the sign-in page (which sets its form token) and post the person's credentials."""
    page = client.get("/console/sign-in")
    form = {"csrf_token": csrf_of(page), "email": person.email, "password": person.password}
    if next_url:
        form["next"] = next_url
    return client.post("/console/sign-in", data=form)


def post_form(client, path: str, data: dict | None = None, *, page: str = "/console/"):
    """Post a console form with the CSRF value from `page` (any signed-in page carries it)."""
    token = csrf_of(client.get(page))
    return client.post(path, data={"csrf_token": token, **(data or {})})


API = "/api/v1"


def reported_message(client, people, body: str = "buy my shoes, best prices in town"):
    """Two friends, a message from the first and a harassment report on it by the second.

    Returns (author, reader, conversation_id, message, report_id)."""
    from tests.factories import befriend, send  # noqa: PLC0415 - tests.factories imports the app's services

    author, reader = people.make(), people.make()
    conversation = befriend(client, author, reader)
    send(client, author, conversation, "morning all")
    message = send(client, author, conversation, body).json
    send(client, reader, conversation, "that was unkind")
    report = client.post(f"{API}/reports", json={"target_type": "message", "target_id": message["id"],
                                                 "reason": "harassment"}, headers=reader.headers).json
    return author, reader, conversation, message, report["id"]

"""Test data built through the services, the same path the API takes."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

from models import Role, UserRole, db
from services import accounts

_sequence = itertools.count(1)
PASSWORD = "a-long-and-unusual-passphrase"


@dataclass
class Person:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    roles: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class PersonFactory:
    def __init__(self, app):
        self.app = app

    def make(self, *, roles: tuple[str, ...] = (), **overrides) -> Person:
        n = next(_sequence)
        data = {
            "email": f"person{n}@example.org", "password": PASSWORD, "display_name": f"Person {n}",
            "birth_year": 1980, "accept_terms": True, "consent_health_data": True,
        } | overrides
        with self.app.app_context():
            user, tokens = accounts.register(**data)
            for role in roles:
                user.role_rows.append(UserRole(role=Role(role)))
            db.session.commit()
            return Person(user.id, user.email, data["password"], tokens.access_token, tokens.refresh_token,
                          user.roles)


def befriend(client, a: Person, b: Person) -> str:
    """Connect two people through the API; return their direct conversation's id."""
    request_id = client.post("/api/v1/connections", json={"user_id": b.id}, headers=a.headers).json["id"]
    return client.post(f"/api/v1/connections/{request_id}/accept", headers=b.headers).json["conversation_id"]


def send(client, person: Person, conversation_id: str, body: str = "hello", client_msg_id: str | None = None):
    """Send a message through the API; returns the response."""
    return client.post(f"/api/v1/conversations/{conversation_id}/messages",
                       json={"client_msg_id": client_msg_id or str(uuid.uuid4()), "body": body},
                       headers=person.headers)

"""Push fixtures: the real firebase-admin talking to a fake FCM on 127.0.0.1 (FIREBASE.md §1).

`fcm` is a `FakeFcm`: a pytest-httpserver that answers the FCM v1 send endpoint (200 by
default, or whatever a test sets per token) and the `FirebasePushGateway` pointed at it.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import google.auth.credentials
import pytest
from firebase_admin import _http_client
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from models import Device, Notification, PushOutbox, db
from services.push_gateway import FirebasePushGateway
from services.push_worker import DrainStats, PushWorker
from tests.factories import befriend

API = "/api/v1"
SEND_PATH = "/v1/projects/demo/messages:send"


class FixedTokenCredential(google.auth.credentials.Credentials):
    """A google-auth credential that never touches the network."""

    def refresh(self, request):  # called before the first call and after any 401
        self.token = "test-token"


def fcm_error(http: int, status: str, code: str | None = None, *, message: str | None = None,
              headers: dict | None = None) -> Response:
    """An FCM v1 error body: google.rpc.Status plus an FcmError detail when `code` is given."""
    details = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}] if code else []
    body = {"error": {"code": http, "message": message or code or status, "status": status, "details": details}}
    return Response(json.dumps(body), status=http, content_type="application/json", headers=headers)


def fcm_ok(request: Request) -> Response:
    return Response(json.dumps({"name": f"projects/demo/messages/{uuid.uuid4().hex}"}), status=200,
                    content_type="application/json")


@dataclass
class FakeFcm:
    server: HTTPServer
    gateway: FirebasePushGateway
    # token -> reply; tokens not listed get `default`
    replies: dict[str, Callable[[Request], Response]] = field(default_factory=dict)
    default: Callable[[Request], Response] = fcm_ok

    def handle(self, request: Request) -> Response:
        token = (request.get_json() or {}).get("message", {}).get("token")
        return self.replies.get(token, self.default)(request)

    def answer(self, response_factory: Callable[[], Response], token: str | None = None) -> None:
        """From now on answer `token` (or every token) with a fresh copy of this response."""
        reply = lambda request: response_factory()  # noqa: E731
        if token is None:
            self.replies.clear()
            self.default = reply
        else:
            self.replies[token] = reply

    def answer_ok(self) -> None:
        self.replies.clear()
        self.default = fcm_ok

    @property
    def requests(self) -> list[Request]:
        return [request for request, _ in self.server.log if request.path == SEND_PATH]

    @property
    def messages(self) -> list[dict]:
        """Every message FCM received, in arrival order (the SDK's own retries included)."""
        return [request.get_json()["message"] for request in self.requests]

    @property
    def tokens(self) -> list[str]:
        return [message["token"] for message in self.messages]

    def clear_log(self) -> None:
        self.server.log.clear()


@pytest.fixture(scope="session")
def make_httpserver():
    """One threaded fake on 127.0.0.1 for the session: send_each opens up to 500 connections at once."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def no_sdk_backoff(monkeypatch):
    """Keep the SDK's own retries (1 + 4 on 503) but drop the sleeps between them."""
    monkeypatch.setattr(_http_client.DEFAULT_RETRY_CONFIG, "backoff_factor", 0)


@pytest.fixture
def fcm(httpserver, no_sdk_backoff) -> FakeFcm:
    gateway = FirebasePushGateway(FixedTokenCredential(), project_id="demo", endpoint=httpserver.url_for("/"),
                                  name=f"push-test-{uuid.uuid4().hex[:8]}")
    fake = FakeFcm(httpserver, gateway)
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_handler(fake.handle)
    yield fake
    gateway.close()


# --- helpers built on the API, the path the app takes -------------------------------------------


def send(client, person, conversation_id, body="hello") -> dict:
    response = client.post(f"{API}/conversations/{conversation_id}/messages",
                           json={"client_msg_id": str(uuid.uuid4()), "body": body}, headers=person.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def set_notifications(client, person, **settings) -> None:
    response = client.patch(f"{API}/me", json={"settings": {"notifications": settings}}, headers=person.headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def register_device(client, person, token: str, platform: str = "android"):
    return client.post(f"{API}/devices", json={"token": token, "platform": platform, "app_version": "1.0"},
                       headers=person.headers)


def insert_devices(app, user_id: str, tokens: list[str], platform: str = "android") -> None:
    with app.app_context():
        db.session.add_all([Device(user_id=user_id, token=token, platform=platform) for token in tokens])
        db.session.commit()


def device_tokens(app, user_id: str) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Device.token).where(Device.user_id == user_id)))


@dataclass
class OutboxRow:
    id: str
    user_id: str
    notification_type: str
    status: str
    silent: bool
    attempts: int
    next_attempt_at: object
    claimed_until: object
    delivered_device_ids: list
    last_error: str | None


def outbox(app, user_id: str | None = None) -> list[OutboxRow]:
    """The outbox rows (oldest first), read in a fresh session."""
    with app.app_context():
        stmt = select(PushOutbox, Notification.type).join(Notification, Notification.id == PushOutbox.notification_id)
        if user_id:
            stmt = stmt.where(PushOutbox.user_id == user_id)
        rows = db.session.execute(stmt.order_by(PushOutbox.created_at)).all()
        return [OutboxRow(r.id, r.user_id, type_, r.status, r.silent, r.attempts, r.next_attempt_at,
                          r.claimed_until, list(r.delivered_device_ids or []), r.last_error) for r, type_ in rows]


def update_outbox(app, **values) -> None:
    """Set columns on every outbox row (e.g. move `next_attempt_at` into the past)."""
    with app.app_context():
        db.session.execute(PushOutbox.__table__.update().values(**values))
        db.session.commit()


def drain(app, gateway, **worker_options) -> DrainStats:
    with app.app_context():
        return PushWorker(gateway, **worker_options).drain()

"""The gateway: the real firebase-admin against a fake FCM, and how each FCM answer is classified."""
from __future__ import annotations

import base64
import json
import socket
import time
import urllib.parse
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import messaging
from google.auth import _regional_access_boundary_utils

from services import push_gateway
from services.push_gateway import FirebasePushGateway, LogPushGateway, Outcome, PushMessage, build_gateway
from tests.push.conftest import SEND_PATH, FixedTokenCredential, fcm_error


def push(token="tok-1", *, silent=False, badge=3, collapse_key="c:conv-1") -> PushMessage:
    return PushMessage(token=token, title="Peerless", body="New message", badge=badge, collapse_key=collapse_key,
                       data={"type": "message", "conversation_id": "conv-1", "message_id": "msg-1"}, silent=silent)


def test_the_sdk_still_sends_to_the_url_in_messaging_service_fcm_url(fcm):
    """Guard: FCM_ENDPOINT relies on `_MessagingService._fcm_url`; this fails if an SDK upgrade drops it."""
    service = messaging._get_messaging_service(fcm.gateway._app)
    assert service._fcm_url == fcm.server.url_for(SEND_PATH)
    service._fcm_url = fcm.server.url_for("/moved/messages:send")
    fcm.server.expect_request("/moved/messages:send").respond_with_json({"name": "projects/demo/messages/m"})
    messaging.send_each([messaging.Message(token="t", data={"k": "v"})], app=fcm.gateway._app)
    assert [request.path for request, _ in fcm.server.log] == ["/moved/messages:send"]


def test_a_visible_push_is_lock_screen_safe_collapsed_and_expiring(fcm):
    [result] = fcm.gateway.send([push()])
    assert result.outcome == Outcome.DELIVERED
    [request] = fcm.requests
    assert request.headers["Authorization"] == "Bearer test-token"
    message = request.get_json()["message"]
    assert message["token"] == "tok-1"
    assert message["notification"] == {"title": "Peerless", "body": "New message"}
    assert message["data"] == {"type": "message", "conversation_id": "conv-1", "message_id": "msg-1", "badge": "3"}
    android = message["android"]
    assert android["collapse_key"] == "c:conv-1" and android["ttl"] == "3600s" and android["priority"] == "high"
    assert android["notification"]["visibility"] == "PRIVATE" and android["notification"]["tag"] == "c:conv-1"
    apns = message["apns"]
    assert apns["headers"]["apns-collapse-id"] == "c:conv-1"
    assert apns["headers"]["apns-push-type"] == "alert"
    aps = apns["payload"]["aps"]
    assert aps["thread-id"] == "c:conv-1" and aps["mutable-content"] == 1 and aps["badge"] == 3
    assert "content-available" not in aps


def test_a_silent_push_is_data_only_with_a_background_apns_type(fcm):
    fcm.gateway.send([push(silent=True)])
    [message] = fcm.messages
    assert "notification" not in message and "notification" not in message["android"]
    assert message["android"]["priority"] == "normal"
    assert message["apns"]["headers"]["apns-push-type"] == "background"
    assert message["apns"]["headers"]["apns-priority"] == "5"
    aps = message["apns"]["payload"]["aps"]
    assert aps["content-available"] == 1 and aps["badge"] == 3
    assert "alert" not in aps and "sound" not in aps and "mutable-content" not in aps


def test_results_come_back_in_the_order_of_the_messages(fcm):
    fcm.answer(lambda: fcm_error(404, "NOT_FOUND", "UNREGISTERED"), token="gone")
    results = fcm.gateway.send([push("a"), push("gone"), push("b")])
    assert [r.outcome for r in results] == [Outcome.DELIVERED, Outcome.DEVICE_GONE, Outcome.DELIVERED]


@pytest.mark.parametrize("reply", [
    pytest.param(lambda: fcm_error(404, "NOT_FOUND", "UNREGISTERED"), id="unregistered"),
    pytest.param(lambda: fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), id="sender-id-mismatch"),
    pytest.param(lambda: fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                                   message="The registration token is not a valid FCM registration token"),
                 id="invalid-token"),
])
def test_answers_that_mean_the_token_is_dead_say_device_gone(fcm, reply):
    fcm.answer(reply)
    [result] = fcm.gateway.send([push()])
    assert result.outcome == Outcome.DEVICE_GONE and result.error
    assert len(fcm.requests) == 1


def test_an_invalid_argument_not_about_the_token_fails_without_blaming_the_device(fcm):
    fcm.answer(lambda: fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", message="Message is too big"))
    [result] = fcm.gateway.send([push()])
    assert result.outcome == Outcome.FAILED


def test_unavailable_is_retried_by_the_sdk_then_reported_for_a_later_retry(fcm):
    fcm.answer(lambda: fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"))
    [result] = fcm.gateway.send([push()])
    assert result.outcome == Outcome.RETRY and "Unavailable" in result.error
    assert len(fcm.requests) == 5  # 1 try + 4 retries inside the SDK


def test_quota_exceeded_returns_at_once_with_fcms_retry_after(fcm):
    """The SDK must not sleep Retry-After itself: the worker would block past its lease. The outbox waits instead."""
    fcm.answer(lambda: fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", headers={"Retry-After": "120"}))
    started = time.monotonic()
    [result] = fcm.gateway.send([push()])
    assert time.monotonic() - started < 5
    assert result.outcome == Outcome.RETRY and result.retry_after == 120


def test_a_rate_limit_without_an_fcm_error_code_is_retried_too(fcm):
    fcm.answer(lambda: fcm_error(429, "RESOURCE_EXHAUSTED"))
    [result] = fcm.gateway.send([push()])
    assert result.outcome == Outcome.RETRY


def test_third_party_auth_error_keeps_the_token_and_asks_for_an_alert(fcm):
    fcm.answer(lambda: fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"))
    [result] = fcm.gateway.send([push()])
    assert result.outcome == Outcome.AUTH_ALERT


def test_a_refused_connection_is_a_retry_without_a_response(no_sdk_backoff):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = FirebasePushGateway(FixedTokenCredential(), project_id="demo", endpoint=f"http://127.0.0.1:{port}",
                                  name=f"push-test-{uuid.uuid4().hex[:8]}")
    try:
        [result] = gateway.send([push()])
    finally:
        gateway.close()
    assert result.outcome == Outcome.RETRY and result.retry_after is None


def test_more_than_500_messages_go_out_in_sdk_calls_of_at_most_500(fcm, monkeypatch):
    calls = []
    real_send_each = messaging.send_each

    def spy(messages, *args, **kwargs):
        calls.append(len(messages))
        return real_send_each(messages, *args, **kwargs)

    monkeypatch.setattr(messaging, "send_each", spy)
    results = fcm.gateway.send([push(f"tok-{n}") for n in range(501)])
    assert calls == [500, 1]
    assert len(results) == 501 and {r.outcome for r in results} == {Outcome.DELIVERED}
    assert sorted(fcm.tokens) == sorted(f"tok-{n}" for n in range(501))


def _service_account(tmp_path, token_uri: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "demo", "private_key_id": "key-1", "private_key": pem,
        "client_email": "push@demo.iam.gserviceaccount.com", "client_id": "1", "token_uri": token_uri,
    }))
    return path, key.public_key()


@pytest.fixture
def no_google_lookups(monkeypatch):
    """google-auth looks up a service account's regional access boundary at Google in a background
    thread; tests never reach Google."""
    monkeypatch.setattr(_regional_access_boundary_utils._RegionalAccessBoundaryManager, "maybe_start_refresh",
                        lambda self, credentials, request: None)


def test_a_service_account_file_signs_a_jwt_for_a_token_and_sends_with_it(httpserver, no_sdk_backoff,
                                                                          no_google_lookups, tmp_path):
    path, public_key = _service_account(tmp_path, httpserver.url_for("/token"))
    httpserver.expect_request("/token", method="POST").respond_with_json(
        {"access_token": "sa-access-token", "expires_in": 3600, "token_type": "Bearer"})
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json({"name": "projects/demo/messages/1"})
    gateway = FirebasePushGateway.from_service_account(str(path), endpoint=httpserver.url_for("/"),
                                                       name=f"push-test-{uuid.uuid4().hex[:8]}")
    try:
        first = gateway.send([push("a")])
        then = gateway.send([push("b"), push("c")])
    finally:
        gateway.close()
    assert [r.outcome for r in first + then] == [Outcome.DELIVERED] * 3
    token_requests = [request for request, _ in httpserver.log if request.path == "/token"]
    assert len(token_requests) == 1  # fetched once, then cached
    form = urllib.parse.parse_qs(token_requests[0].get_data(as_text=True))
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assertion = form["assertion"][0]
    header = json.loads(base64.urlsafe_b64decode(assertion.split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["kid"] == "key-1"
    claims = jwt.decode(assertion, public_key, algorithms=["RS256"], audience="https://oauth2.googleapis.com/token")
    assert claims["iss"] == "push@demo.iam.gserviceaccount.com"
    sends = [request for request, _ in httpserver.log if request.path == SEND_PATH]
    assert len(sends) == 3
    assert {request.headers["Authorization"] for request in sends} == {"Bearer sa-access-token"}


def test_without_credentials_the_gateway_is_the_log_and_it_writes_no_message_text(caplog):
    gateway = build_gateway({"FIREBASE_CREDENTIALS": None, "FCM_ENDPOINT": None})
    assert isinstance(gateway, LogPushGateway)
    caplog.set_level("INFO", logger="peerless.push")
    message = PushMessage(token="secret-token", title="Ada", body="my flare-up is back", badge=1,
                          collapse_key="c:1", data={"type": "message"})
    assert [r.outcome for r in gateway.send([message])] == [Outcome.DELIVERED]
    [line] = [r.getMessage() for r in caplog.records if "push_logged" in r.getMessage()]
    assert "flare-up" not in line and "Ada" not in line and "secret-token" not in line


def test_with_credentials_build_gateway_uses_firebase_once_per_setting(httpserver, no_google_lookups, tmp_path):
    path, _ = _service_account(tmp_path, httpserver.url_for("/token"))
    config = {"FIREBASE_CREDENTIALS": str(path), "FCM_ENDPOINT": httpserver.url_for("/")}
    gateway = build_gateway(config)
    try:
        assert isinstance(gateway, FirebasePushGateway)
        assert build_gateway(dict(config)) is gateway
        service = messaging._get_messaging_service(gateway._app)
        assert service._fcm_url == httpserver.url_for(SEND_PATH)
    finally:
        push_gateway._gateways.pop((str(path), httpserver.url_for("/")), None)
        gateway.close()


def test_a_proxy_from_the_environment_still_carries_the_pushes(httpserver, no_sdk_backoff, monkeypatch):
    """The gateway reads the environment once (no netrc or proxy lookups per request), so a proxy set
    there must still be used: the fake FCM plays the proxy for an endpoint that does not resolve."""
    monkeypatch.setenv("HTTP_PROXY", httpserver.url_for("/"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json({"name": "projects/demo/messages/p"})
    gateway = FirebasePushGateway(FixedTokenCredential(), project_id="demo", endpoint="http://fcm.invalid",
                                  name=f"push-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.delenv("HTTP_PROXY")  # read at start, not per request
    try:
        [result] = gateway.send([push()])
    finally:
        gateway.close()
    assert result.outcome == Outcome.DELIVERED
    [(request, _)] = httpserver.log
    assert request.headers["Host"] == "fcm.invalid"


def test_send_each_async_follows_the_same_url_and_falls_back_to_http_1_1_on_a_plain_http_fake(fcm):
    """Guard for the benchmark's comparison of firebase-admin's two send paths (docs/performance.md):
    httpx's HTTP/2 needs TLS (ALPN) or prior knowledge, so on http:// the async client speaks HTTP/1.1 to
    the same `_fcm_url` FCM_ENDPOINT sets, with the same credential; no h2c upgrade is attempted."""
    import asyncio

    fcm.answer(lambda: fcm_error(404, "NOT_FOUND", "UNREGISTERED"), token="gone")
    messages = [messaging.Message(token=token, data={"k": "v"}) for token in ("ok", "gone")]
    batch = asyncio.run(messaging.send_each_async(messages, dry_run=False, app=fcm.gateway._app))
    assert batch.responses[0].success
    assert isinstance(batch.responses[1].exception, messaging.UnregisteredError)
    assert sorted(fcm.tokens) == ["gone", "ok"]
    for request in fcm.requests:
        assert request.headers["Authorization"] == "Bearer test-token"
        assert request.environ["SERVER_PROTOCOL"] == "HTTP/1.1" and "Upgrade" not in request.headers

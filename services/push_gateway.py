"""The push gateway: the only module that knows Firebase.

`FirebasePushGateway` sends through firebase-admin's `send_each` (at most 500 messages a call)
and sorts every per-message result into an `Outcome` the worker can act on. Without credentials,
`LogPushGateway` writes each push to the log instead, so the embedded default needs no Firebase.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

log = logging.getLogger("peerless.push")
MAX_BATCH = 500  # firebase-admin refuses more per send_each call
FCM_DEFAULT_ENDPOINT = "https://fcm.googleapis.com"
# Per HTTP request (the SDK's default is 120 s). With the SDK's own retries a batch must still
# finish well inside the worker's lease (PushWorker lease_seconds), or its rows are sent twice.
HTTP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, str]
    badge: int
    collapse_key: str  # one visible notification per conversation (or per event)
    silent: bool = False  # quiet hours: update the badge without an alert
    ttl_seconds: int = 3600


class Outcome(StrEnum):
    DELIVERED = "delivered"
    DEVICE_GONE = "device_gone"  # uninstalled, expired, other project's token, malformed token
    RETRY = "retry"              # FCM overloaded, quota, network: try again later
    AUTH_ALERT = "auth_alert"    # APNs/web-push credentials wrong: keep tokens, alert, retry later
    FAILED = "failed"            # our request was wrong; retrying will not help


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_after: float | None = None
    error: str | None = None


class PushGateway(Protocol):
    def send(self, messages: list[PushMessage]) -> list[SendResult]: ...


@dataclass
class LogPushGateway:
    """Used when FIREBASE_CREDENTIALS is unset: the inbox still fills, pushes go to the log."""

    sent: list[PushMessage] = field(default_factory=list)

    def send(self, messages: list[PushMessage]) -> list[SendResult]:
        for message in messages:
            log.info(json.dumps({"event": "push_logged", "type": message.data.get("type"), "badge": message.badge,
                                 "silent": message.silent, "collapse_key": message.collapse_key}))
        return [SendResult(Outcome.DELIVERED) for _ in messages]


class FirebasePushGateway:
    def __init__(self, credential, *, project_id: str, endpoint: str | None = None, name: str = "peerless",
                 http_timeout: float = HTTP_TIMEOUT_SECONDS):
        import firebase_admin

        self._app = firebase_admin.initialize_app(credential, {"projectId": project_id, "httpTimeout": http_timeout},
                                                  name=name)
        _leave_retry_after_to_the_outbox(self._app)
        if endpoint:
            point_at_endpoint(self._app, endpoint, project_id)
        _read_the_environment_once(self._app)

    @classmethod
    def from_service_account(cls, path: str, *, endpoint: str | None = None, name: str = "peerless"):
        """Build from FIREBASE_CREDENTIALS, a service-account JSON file."""
        from firebase_admin import credentials

        certificate = credentials.Certificate(path)
        return cls(certificate, project_id=certificate.project_id, endpoint=endpoint, name=name)

    def close(self) -> None:
        import firebase_admin

        firebase_admin.delete_app(self._app)

    def send(self, messages: list[PushMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        for start in range(0, len(messages), MAX_BATCH):
            results += self._send_batch(messages[start:start + MAX_BATCH])
        return results

    def _send_batch(self, batch: list[PushMessage]) -> list[SendResult]:
        from firebase_admin import exceptions, messaging

        try:
            response = messaging.send_each([to_fcm_message(m) for m in batch], app=self._app)
        except exceptions.FirebaseError as error:  # the whole call failed (e.g. no access token)
            return [classify(error)] * len(batch)
        return [SendResult(Outcome.DELIVERED) if r.success else classify(r.exception) for r in response.responses]


def _leave_retry_after_to_the_outbox(app) -> None:
    """Keep the SDK's quick retries (connection, 500/503) but never let it sleep out a Retry-After.

    By default urllib3 sleeps the full Retry-After of a 429 or 503 before each of its 4 retries
    (a 429 with `Retry-After: 120` blocks `send_each` for 8 minutes), far past the worker's lease,
    so another worker would send the same rows again. Instead FCM's answer comes back at once and
    the outbox row waits out the Retry-After (`RetryPolicy.delay`).
    """
    import requests
    from firebase_admin import _http_client, messaging

    retries = _http_client.DEFAULT_RETRY_CONFIG.new(respect_retry_after_header=False)
    session = messaging._get_messaging_service(app)._client.session
    for prefix in ("http://", "https://", "https://fcm.googleapis.com"):
        session.mount(prefix, requests.adapters.HTTPAdapter(pool_connections=100, pool_maxsize=100,
                                                            max_retries=retries))


def _read_the_environment_once(app) -> None:
    """Resolve proxies and the CA bundle from the environment now, not on every request.

    With `trust_env` (requests' default) every POST looks for ~/.netrc, re-reads the proxy variables
    and, with REQUESTS_CA_BUNDLE set, stats the bundle: ~15-20 % of the CPU of a send in the outbox
    benchmark's py-spy profile (`get_netrc_auth`, `genericpath.exists`, `isdir`). A proxy set in the
    environment still applies, and a CA bundle to https endpoints, as read at start.
    """
    import os

    import requests
    from firebase_admin import messaging

    service = messaging._get_messaging_service(app)
    session = service._client.session
    session.proxies.update(requests.utils.get_environ_proxies(service._fcm_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and service._fcm_url.startswith("https:"):  # a path makes requests stat it on every request
        session.verify = bundle
    session.trust_env = False


def point_at_endpoint(app, endpoint: str, project_id: str) -> None:
    """Send to `endpoint` instead of fcm.googleapis.com (tests and staging only).

    firebase-admin 7 formats its send URL once, into `_MessagingService._fcm_url`; a guard test
    fails if an upgrade renames it.
    """
    from firebase_admin import messaging

    service = messaging._get_messaging_service(app)
    service._fcm_url = f"{endpoint.rstrip('/')}/v1/projects/{project_id}/messages:send"


def to_fcm_message(message: PushMessage):
    """Lock-screen safe: generic text unless previews are on, ids only in data, private on Android."""
    from firebase_admin import messaging

    data = message.data | {"badge": str(message.badge)}
    priority = "normal" if message.silent else "high"
    return messaging.Message(
        token=message.token,
        notification=None if message.silent else messaging.Notification(title=message.title, body=message.body),
        data=data,
        android=messaging.AndroidConfig(
            collapse_key=message.collapse_key, priority=priority, ttl=message.ttl_seconds,
            notification=None if message.silent else messaging.AndroidNotification(
                tag=message.collapse_key, visibility="private", notification_count=message.badge),
        ),
        apns=messaging.APNSConfig(
            headers={"apns-collapse-id": message.collapse_key[:64], "apns-priority": "5" if message.silent else "10",
                     "apns-push-type": "background" if message.silent else "alert"},
            payload=messaging.APNSPayload(aps=messaging.Aps(
                badge=message.badge, thread_id=message.collapse_key, mutable_content=not message.silent,
                content_available=message.silent or None, sound=None if message.silent else "default",
            )),
        ),
    )


def classify(error: Exception | None) -> SendResult:
    """Map a firebase-admin exception to what the worker should do (FIREBASE.md §2)."""
    from firebase_admin import exceptions, messaging

    text = f"{type(error).__name__}: {error}"
    if isinstance(error, (messaging.UnregisteredError, messaging.SenderIdMismatchError)):
        return SendResult(Outcome.DEVICE_GONE, error=text)
    if isinstance(error, exceptions.InvalidArgumentError):
        # A malformed token is the usual cause; anything else is our bug, which no retry fixes.
        is_token = "token" in str(error).lower() or "registration" in str(error).lower()
        return SendResult(Outcome.DEVICE_GONE if is_token else Outcome.FAILED, error=text)
    if isinstance(error, messaging.ThirdPartyAuthError):
        return SendResult(Outcome.AUTH_ALERT, error=text)
    if isinstance(error, (exceptions.ResourceExhaustedError, exceptions.UnavailableError,
                          exceptions.InternalError, exceptions.DeadlineExceededError, exceptions.UnknownError)):
        return SendResult(Outcome.RETRY, retry_after=_retry_after(error), error=text)
    return SendResult(Outcome.RETRY, error=text)


def _retry_after(error: Exception) -> float | None:
    response = getattr(error, "http_response", None)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


_gateways: dict[tuple, PushGateway] = {}


def build_gateway(config) -> PushGateway:
    """Firebase when FIREBASE_CREDENTIALS is set, otherwise the log. One per process and setting."""
    path, endpoint = config.get("FIREBASE_CREDENTIALS"), config.get("FCM_ENDPOINT")
    key = (path, endpoint)
    if key not in _gateways:
        if path:
            _gateways[key] = FirebasePushGateway.from_service_account(path, endpoint=endpoint,
                                                                      name=f"peerless-{len(_gateways)}")
        else:
            log.warning("FIREBASE_CREDENTIALS is not set: pushes are written to the log only")
            _gateways[key] = LogPushGateway()
    return _gateways[key]

"""What the OpenAPI document says beyond what the route decorators write: operation ids, request
examples, the problem `code` values and the Socket.IO events, so that a generated client is usable
as it comes (clients name their methods after `operationId`)."""
from __future__ import annotations

from apispec import BasePlugin

from api.openapi_examples import REQUEST_EXAMPLES

# Every `code` a problem document can carry, and what a client should do about it. A test fails
# when the code base raises one that is missing here.
ERROR_CODES: dict[str, str] = {
    "bad_request": "400: the request could not be read (malformed JSON, a bad query string).",
    "invalid_token": "400/401: a token that this server did not issue, is malformed or of the wrong kind.",
    "unauthorized": "401: no bearer token; send `Authorization: Bearer <access_token>`.",
    "token_expired": "401: the access token expired; call refreshToken, then retry once.",
    "token_revoked": "401: the session ended (logout, erasure, suspension, a replayed refresh token); sign in again.",
    "fresh_token_required": "401: this action needs a recent sign-in; sign in again (or send the password where "
                            "the operation says so).",
    "recent_sign_in_required": "401: erasing an account needs a sign-in in the last few minutes, or the password "
                               "in the body.",
    "password_incorrect": "401: the password sent to confirm an irreversible action is wrong.",
    "permission_denied": "403: signed in, but not allowed to do this.",
    "conversation_ended": "403: the other person erased their account; the history stays, nobody can send.",
    "account_suspended": "403: the account is suspended by a moderator.",
    "health_consent_withdrawn": "403: health-data consent is withdrawn; health answers are not accepted until it is "
                                "given again.",
    "not_found": "404: no such thing, or not visible to you (the two are never told apart).",
    "method_not_allowed": "405: see the `Allow` header.",
    "conflict": "409: conflicts with something that exists (a duplicate email, a state that moved on).",
    "sync_token_expired": "410: the `since` token is older than the change stream keeps; take a snapshot "
                          "(`GET /sync` without `since`).",
    "payload_too_large": "413: the body is larger than the server accepts.",
    "unsupported_media_type": "415: send `Content-Type: application/json`.",
    "validation_failed": "422: `errors` maps each field (dotted path) to its messages; nothing was changed.",
    "rate_limited": "429: wait the seconds in `Retry-After`, then retry.",
    "internal_error": "500: a bug; the `instance` or request id identifies it for the operator.",
    "service_unavailable": "503: try again later.",
    "database_unavailable": "503: the database did not answer; retry with backoff.",
    "not_ready": "503 from /readyz: a dependency is down.",
    "demo_refused": "409 from the seed-demo command: demo data is never made in production or twice.",
}

SOCKET_IO_EVENTS = """
## Real time (Socket.IO at `/socket.io`)

Connect with the access token in the connection's auth payload: `io(url, {auth: {token}})`. A
connection without a valid token is refused. A socket lives no longer than its session.

Server → client events (payloads are the same objects `/sync` returns):

| event | payload | when |
|---|---|---|
| `message.created` | a message (`id, conversation_id, seq, sender_id, body, client_msg_id, created_at, edited_at, deleted`) | a message in one of your conversations |
| `message.updated` | a message | an edit or a deletion (tombstone, `deleted: true`, no body) |
| `read.updated` | `{conversation_id, user_id, seq}` | a member's read position moved |
| `mentorship.updated` | a mentorship | requested, accepted, declined, ended, expired |
| `connection.updated` | a connection | requested, accepted, declined |
| `session.ended` | `{}` | the session ended (logout, erasure, suspension, revocation); the server disconnects next |

Client → server events: `conversation.focus` / `conversation.blur` with `{conversation_id}` (no
push for a conversation on screen); `auth.renew` with `{token}`, a fresh access token of the same
session, sent after each refresh: the socket is otherwise disconnected when the token it connected
with expires (acknowledged with `{ok: true, expires_at}`, or `{ok: false}` for any other token).
After any reconnect, call `GET /sync?since=<next_since>`: events are a shortcut, `/sync` is the
record. Someone who leaves a conversation hears no more events about it; `/sync` names it once in
`left_conversations`.
"""


# Where a view's name says less than a client method should.
RENAMED = {"auth.refresh": "refreshToken", "auth.logout": "logout", "password_reset.request_reset": "requestPasswordReset",
           "password_reset.confirm_reset": "confirmPasswordReset", "health.healthz": "checkHealth",
           "health.readyz": "checkReadiness", "conversations.sync_changes": "sync"}


def operation_id(endpoint: str) -> str:
    """`conversations.send_message` → `sendMessage`: the view's name, which reads like a use-case."""
    if endpoint in RENAMED:
        return RENAMED[endpoint]
    head, *rest = endpoint.rsplit(".", 1)[-1].split("_")
    return head + "".join(word.capitalize() for word in rest)


def describe_errors() -> str:
    rows = "\n".join(f"| `{code}` | {meaning} |" for code, meaning in ERROR_CODES.items())
    return ("\n## Errors\n\nEvery error is an RFC 9457 problem document (`application/problem+json`) with "
            "`type`, `title`, `status`, `detail`, `code` and, on 422, `errors`.\n\n| code | meaning |\n|---|---|\n"
            + rows + "\n")


class OperationIdPlugin(BasePlugin):
    """Names every operation after its view function, attaches its request example, and adds the
    problem codes and Socket.IO events to the document's description."""

    def init_spec(self, spec):
        info = spec.options.get("info", {})  # shared with the config: replace it, never append to it
        spec.options["info"] = {**info, "description": info.get("description", "") + "\n" + describe_errors()
                                + SOCKET_IO_EVENTS}

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        name = operation_id(rule.endpoint)
        for method, operation in operations.items():
            operation.setdefault("operationId", name)
            example = REQUEST_EXAMPLES.get(operation["operationId"])
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if example is not None and body is not None:
                body.setdefault("example", example)


"""`flask push-worker --once` and `flask push-dead-letters [--requeue]` under the CLI test runner."""
from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta

import pytest

from models import OutboxStatus, utcnow
from services import push_gateway
from services.push_worker import RetryPolicy
from tests.push.conftest import befriend, drain, fcm_error, outbox, register_device, send, update_outbox
from tests.push.test_gateway import _service_account


@pytest.fixture
def pair(client, people):
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    register_device(client, bea, "bea-phone")
    return ada, bea, conversation_id


def test_push_worker_once_drains_the_outbox(app, client, pair, caplog):
    ada, bea, conversation_id = pair
    send(client, ada, conversation_id)
    with caplog.at_level(logging.INFO, logger="peerless.push"):
        result = app.test_cli_runner().invoke(args=["push-worker", "--once"])
    assert result.exit_code == 0, result.output
    # the request, the acceptance (Ada has no phone: settled with nothing to send) and the message
    assert "sent 3, retried 0, dead 0, messages 2" in result.output
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}
    assert sum("push_logged" in r.getMessage() for r in caplog.records) == 2


def test_push_worker_once_sends_through_firebase_when_configured(make_app, people, fcm, tmp_path, monkeypatch):
    monkeypatch.setattr("google.auth._regional_access_boundary_utils._RegionalAccessBoundaryManager"
                        ".maybe_start_refresh", lambda self, credentials, request: None)
    path, _ = _service_account(tmp_path, fcm.server.url_for("/token"))
    fcm.server.expect_request("/token", method="POST").respond_with_json({"access_token": "sa", "expires_in": 3600})
    endpoint = fcm.server.url_for("/")
    app = make_app(FIREBASE_CREDENTIALS=str(path), FCM_ENDPOINT=endpoint)
    client = app.test_client()
    ada, bea = people.make(), people.make()
    conversation_id = befriend(client, ada, bea)
    register_device(client, bea, "bea-phone")
    send(client, ada, conversation_id)
    try:
        result = app.test_cli_runner().invoke(args=["push-worker", "--once"])
    finally:
        push_gateway._gateways.pop((str(path), endpoint)).close()
    assert result.exit_code == 0, result.output
    assert sorted(m["data"]["type"] for m in fcm.messages) == ["connection_request", "message"]


def test_dead_letters_are_listed_and_requeued(app, client, pair, fcm):
    ada, bea, conversation_id = pair
    fcm.answer(lambda: fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"))
    send(client, ada, conversation_id)
    drain(app, fcm.gateway, retry=RetryPolicy(max_attempts=1))
    dead = [row for row in outbox(app) if row.status == OutboxStatus.DEAD]
    assert len(dead) == 2  # the request and the message to Bea's phone

    listed = app.test_cli_runner().invoke(args=["push-dead-letters"])
    assert listed.exit_code == 0, listed.output
    assert all(row.id in listed.output for row in dead) and "2 dead-lettered pushes" in listed.output

    requeued = app.test_cli_runner().invoke(args=["push-dead-letters", "--requeue"])
    assert requeued.exit_code == 0 and "requeued 2 pushes" in requeued.output
    rows = [row for row in outbox(app) if row.id in {d.id for d in dead}]
    assert {(row.status, row.attempts) for row in rows} == {(OutboxStatus.PENDING, 0)}
    fcm.answer_ok()
    fcm.clear_log()
    update_outbox(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    drain(app, fcm.gateway)
    assert fcm.tokens == ["bea-phone", "bea-phone"]
    assert "0 dead-lettered pushes" in app.test_cli_runner().invoke(args=["push-dead-letters"]).output


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="RQ follow-ups need Redis")
def test_rq_drains_schedule_one_follow_up_not_one_per_nudge(app, client, pair, fcm, monkeypatch):
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from services import push_jobs
    from services.redis_client import redis_client

    ada, bea, conversation_id = pair
    fcm.answer(lambda: fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"))
    monkeypatch.setattr(push_gateway, "build_gateway", lambda config: fcm.gateway)
    monkeypatch.setattr(push_jobs, "_cached_app", app)
    redis = redis_client(app.config["REDIS_URL"])
    queue_name = f"push-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(push_jobs, "QUEUE", queue_name)
    monkeypatch.setattr(push_jobs, "FOLLOW_UP_KEY", f"{queue_name}:follow-up")
    send(client, ada, conversation_id)
    try:
        for _ in range(3):  # three nudges, each a drain job; the rows are all backing off
            push_jobs.drain_job()
        scheduled = ScheduledJobRegistry(queue=Queue(queue_name, connection=redis))
        assert len(scheduled.get_job_ids()) == 1
        assert {row.status for row in outbox(app, bea.id)} == {OutboxStatus.PENDING}
    finally:
        Queue(queue_name, connection=redis).empty()
        for job_id in ScheduledJobRegistry(queue=Queue(queue_name, connection=redis)).get_job_ids():
            ScheduledJobRegistry(queue=Queue(queue_name, connection=redis)).remove(job_id, delete_job=True)
        redis.delete(f"{queue_name}:follow-up")

"""Operators can watch the service: /metrics for Prometheus (token only), request ids in logs and
problem documents, scheduled-job runs recorded, and crash reports without health data."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import sentry_sdk
from prometheus_client.parser import text_string_to_metric_families
from sentry_sdk.transport import Transport

from models import OutboxStatus, PushOutbox, Report, ScheduledRun, Severity, db, utcnow
from services import scheduled
from tests.conftest import assert_problem

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def watched(make_app):
    app = make_app(METRICS_TOKEN=TOKEN)
    return app, app.test_client()


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def test_metrics_are_not_public(client, watched):
    assert_problem(client.get("/metrics"), 404)  # no METRICS_TOKEN: not served at all
    _, guarded = watched
    assert_problem(guarded.get("/metrics"), 401)
    assert_problem(guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401)


def test_requests_are_counted_by_route_template_never_by_path(watched, people):
    app, client = watched
    alice = people.make()
    client.get(f"/api/v1/users/{alice.id}", headers=alice.headers)
    client.get("/api/v1/no-such-thing/123")
    samples = scrape(client)
    route = "/api/v1/users/<id:user_id>"
    assert samples[("peerless_http_requests_total", (("method", "GET"), ("route", route), ("status", "200")))] >= 1
    assert samples[("peerless_http_request_duration_seconds_count", (("method", "GET"), ("route", route)))] >= 1
    assert samples[("peerless_http_requests_total", (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))] >= 1
    assert not any(alice.id in str(labels) for _, labels in samples)


def test_outbox_backlog_dead_letters_and_unacknowledged_crisis_alerts_are_exposed(watched, people):
    app, client = watched
    alice = people.make()
    with app.app_context():
        from models import Notification

        note = Notification(user_id=alice.id, type="message", data={})
        db.session.add(note)
        db.session.flush()
        db.session.add_all([
            PushOutbox(user_id=alice.id, notification_id=note.id, next_attempt_at=utcnow() - timedelta(minutes=7)),
            PushOutbox(user_id=alice.id, notification_id=note.id, status=OutboxStatus.DEAD),
            Report(target_type="message", target_id=alice.id, reason="risk_to_self", severity=Severity.HIGH,
                   created_at=utcnow() - timedelta(minutes=12)),
        ])
        db.session.commit()
    samples = scrape(client)
    assert samples[("peerless_push_outbox_due", ())] == 1
    assert samples[("peerless_push_outbox_oldest_due_age_seconds", ())] >= 7 * 60
    assert samples[("peerless_push_dead_letters", ())] == 1
    assert samples[("peerless_crisis_alerts_open", ())] == 1
    assert samples[("peerless_crisis_alert_oldest_unacknowledged_age_seconds", ())] >= 12 * 60
    assert samples[("peerless_ready", ())] == 1
    assert ("peerless_socketio_connections", ()) in samples


def test_scheduled_job_runs_and_failures_are_recorded(watched, monkeypatch):
    app, client = watched
    with app.app_context():
        scheduled.run_scheduled()

        def broken(now):
            raise RuntimeError("the check-in text of someone")

        monkeypatch.setattr(scheduled, "remind_check_ins", broken)
        with pytest.raises(RuntimeError):
            scheduled.run_scheduled()
        run = db.session.get(ScheduledRun, "check_in_reminders_sent")
        assert (run.succeeded, run.failed, run.last_error) == (1, 1, "RuntimeError")
        assert db.session.get(ScheduledRun, "retention").succeeded == 2  # the jobs after it still ran
    samples = scrape(client)
    assert samples[("peerless_scheduled_job_runs_total", (("job", "check_in_reminders_sent"), ("outcome", "error")))] == 1
    assert samples[("peerless_scheduled_job_last_success_timestamp_seconds", (("job", "retention"),))] > 0


def test_a_problem_document_names_the_request_that_every_log_line_carries(app, client, caplog):
    caplog.set_level(logging.INFO, logger="peerless")
    response = client.get("/api/v1/me", headers={"X-Request-ID": "req-abc.123"})
    body = assert_problem(response, 401)
    assert body["instance"] == "urn:peerless:request:req-abc.123"
    assert response.headers["X-Request-ID"] == "req-abc.123"
    with app.test_request_context(headers={"X-Request-ID": "req-xyz"}):
        app.preprocess_request()
        logging.getLogger("peerless.alerts").warning("something to look at")
    record = next(r for r in caplog.records if r.getMessage() == "something to look at")
    assert record.request_id == "req-xyz"
    handler = next(h for h in logging.getLogger("peerless").handlers if h.filters)
    assert json.loads(handler.format(record))["request_id"] == "req-xyz"


class CapturingTransport(Transport):
    events: list[str] = []

    def capture_envelope(self, envelope):
        CapturingTransport.events.append(envelope.serialize().decode("utf-8", "replace"))


@pytest.fixture
def reporting_app(make_app):
    CapturingTransport.events = []
    app = make_app(SENTRY_DSN="https://public@sentry.invalid/1", SENTRY_TRANSPORT=CapturingTransport,
                   PROPAGATE_EXCEPTIONS=False)
    yield app
    sentry_sdk.init(dsn=None)  # back to a client that sends nothing


def test_a_crash_inside_a_message_send_reports_no_body_email_or_condition(reporting_app, monkeypatch, caplog):
    from services import messages
    from tests.factories import PersonFactory, befriend

    people = PersonFactory(reporting_app)
    client = reporting_app.test_client()
    alice, bob = people.make(email="alice.crash@example.org"), people.make()
    conversation_id = befriend(client, alice, bob)
    hiv = client.get("/api/v1/conditions?q=HIV", headers=alice.headers).get_json()["items"][0]["id"]
    assert client.put("/api/v1/me/conditions", headers=alice.headers,
                      json=[{"condition_id": hiv, "visibility": "private"}]).status_code == 200
    body = " ".join(["my", "viral", "load", "results", "came", "back"])  # not a literal: no source line holds it

    def crash(*args, **kwargs):
        raise ValueError(f"could not store {body!r} from alice.crash@example.org who has HIV")

    monkeypatch.setattr(messages.message_safety, "screen", crash)
    response = client.post(f"/api/v1/conversations/{conversation_id}/messages", headers=alice.headers,
                           json={"client_msg_id": "crash-1", "body": body})
    assert_problem(response, 500)
    sentry_sdk.flush()
    handler = next(h for h in logging.getLogger("peerless").handlers if h.filters)
    logged = [handler.format(r) for r in caplog.records if r.exc_info]
    reported = "\n".join(CapturingTransport.events + logged)
    assert logged, "the server error was logged"
    assert "ValueError" in reported and "send_message" in reported  # the crash was reported, with its stack
    for secret in (body, "viral load", "alice.crash@example.org", "HIV", alice.headers["Authorization"][7:]):
        assert secret not in reported, reported[max(0, reported.find(secret) - 400):reported.find(secret) + 100]

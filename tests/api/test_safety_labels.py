"""`flask safety-labels`: moderators' labels as JSONL; features only unless a legal basis AND the writer's consent allow texts."""
from __future__ import annotations

import json

from tests.alert_helpers import API, CRISIS_TEXT, crisis_alert, set_alert


def export(app, *args) -> tuple[int, list[dict], str]:
    # click 8.1 mixes stderr into stdout unless told not to; 8.2 keeps them apart and has no such option.
    runner = app.test_cli_runner(mix_stderr=False) if _mixes() else app.test_cli_runner()
    result = runner.invoke(args=["safety-labels", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def _mixes() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def labelled_alert(client, people, moderator, *, real: bool, author=None) -> str:
    alert_id = crisis_alert(client, people, author=author)
    response = client.post(f"{API}/moderation/reports/{alert_id}/resolve", headers=moderator.headers,
                           json={"action": "dismiss", "real_crisis": real})
    assert response.status_code == 200
    return alert_id


def consent(client, person, granted: bool = True):
    response = client.post(f"{API}/me/consents", json={"kind": "safety_research", "granted": granted},
                           headers=person.headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)


def test_labels_are_exported_as_features_only_by_default(app, client, people):
    moderator, author = people.make(roles=("moderator",)), people.make()
    alert_id = labelled_alert(client, people, moderator, real=True, author=author)
    crisis_alert(client, people)  # unlabelled: not exported
    code, rows, _ = export(app)
    assert code == 0 and len(rows) == 1
    [row] = rows
    assert row["label"] == {"real_crisis": True, "concern_reviewed": None} and row["tier"] == "crisis"
    assert row["features"]["chars"] == len(CRISIS_TEXT) and row["features"]["lexicon_entries"]
    assert "text" not in row
    flat = json.dumps(row)
    # The lexicon entries that fired are patterns ("kill {self}"), never the words the person wrote.
    assert author.id not in flat and alert_id not in flat and CRISIS_TEXT not in flat and "tonight" not in flat


def test_texts_without_a_documented_legal_basis_are_refused(app, client, people):
    labelled_alert(client, people, people.make(roles=("moderator",)), real=False)
    code, rows, output = export(app, "--with-texts")
    assert code != 0 and rows == [] and "SAFETY_LABELS_TEXT_LEGAL_BASIS" in output


def test_texts_come_only_for_writers_who_consented(app, client, people):
    app.config["SAFETY_LABELS_TEXT_LEGAL_BASIS"] = "UK GDPR 6(1)(e), 9(2)(g); DPIA-2026-14"
    moderator, agreed, silent = people.make(roles=("moderator",)), people.make(), people.make()
    consent(client, agreed)
    labelled_alert(client, people, moderator, real=True, author=agreed)
    labelled_alert(client, people, moderator, real=False, author=silent)
    code, rows, _ = export(app, "--with-texts")
    assert code == 0
    assert [(r["label"]["real_crisis"], r.get("text")) for r in rows] == [(True, CRISIS_TEXT), (False, None)]
    assert rows[0]["legal_basis"].startswith("UK GDPR")


def test_a_withdrawn_consent_takes_the_text_out_of_the_next_export(app, client, people):
    app.config["SAFETY_LABELS_TEXT_LEGAL_BASIS"] = "documented"
    moderator, writer = people.make(roles=("moderator",)), people.make()
    consent(client, writer)
    labelled_alert(client, people, moderator, real=True, author=writer)
    consent(client, writer, granted=False)
    _, rows, _ = export(app, "--with-texts")
    assert "text" not in rows[0]


def test_without_asking_for_texts_none_are_written_even_with_consent(app, client, people):
    app.config["SAFETY_LABELS_TEXT_LEGAL_BASIS"] = "documented"
    moderator, writer = people.make(roles=("moderator",)), people.make()
    consent(client, writer)
    labelled_alert(client, people, moderator, real=True, author=writer)
    _, rows, _ = export(app)
    assert "text" not in rows[0]


def test_a_concern_reviewed_label_is_exported(app, client, people):
    from models import Report, Severity, db

    moderator, writer = people.make(roles=("moderator",)), people.make()
    with app.app_context():
        item = Report(source="concern_detector", target_type="profile", target_id=writer.id, target_user_id=writer.id,
                      reason="risk_to_self", details="burden", severity=Severity.NORMAL)
        db.session.add(item)
        db.session.commit()
        item_id = item.id
    response = client.post(f"{API}/moderation/reports/{item_id}/resolve", headers=moderator.headers,
                           json={"action": "dismiss", "concern_reviewed": True})
    assert response.status_code == 200
    [row] = export(app)[1]
    assert row["tier"] == "concern" and row["label"]["concern_reviewed"] is True
    assert row["features"]["categories_at_alert"] == ["burden"]


def test_since_keeps_to_recent_alerts(app, client, people):
    from datetime import datetime, timezone

    moderator = people.make(roles=("moderator",))
    old = labelled_alert(client, people, moderator, real=True)
    set_alert(app, old, created_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    labelled_alert(client, people, moderator, real=False)
    assert [r["label"]["real_crisis"] for r in export(app, "--since", "2026-01-01")[1]] == [False]

"""Crisis alerts for the acknowledgement, escalation and screening tests: raised the way the app raises them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from models import Report, User, db
from tests.factories import befriend, send

API = "/api/v1"
CRISIS_TEXT = "I want to kill myself tonight"


def later(**delta) -> datetime:
    return datetime.now(timezone.utc) + timedelta(**delta)


def crisis_alert(client, people, author=None) -> str:
    """Someone sends a message in crisis words; return the alert's id."""
    author = author or people.make()
    sent = send(client, author, befriend(client, author, people.make()), CRISIS_TEXT)
    assert sent.json["safety"]["crisis"] is True, sent.json
    return alert_for(client.application, sent.json["id"])


def alert_for(app, target_id: str) -> str:
    with app.app_context():
        return db.session.scalars(select(Report.id).where(Report.target_id == target_id)).one()


def alerts_about(app, person_id: str) -> list[Report]:
    with app.app_context():
        rows = list(db.session.scalars(select(Report).where(Report.target_user_id == person_id)))
        db.session.expunge_all()
        return rows


def go_on_call(app, *moderators) -> None:
    """No endpoint sets it yet: settings.moderation.on_call, as services/moderation reads it."""
    with app.app_context():
        for moderator in moderators:
            user = db.session.get(User, moderator.id)
            user.settings = {**(user.settings or {}), "moderation": {"on_call": True}}
        db.session.commit()


def set_alert(app, alert_id: str, **columns) -> None:
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == alert_id).values(**columns))
        db.session.commit()


def read_alert(app, alert_id: str) -> Report:
    with app.app_context():
        found = db.session.get(Report, alert_id)
        db.session.expunge(found)
        return found


def inbox(client, person, type_: str) -> list[dict]:
    items = client.get(f"{API}/notifications", query_string={"limit": 100}, headers=person.headers).json["items"]
    return [n for n in items if n["type"] == type_]

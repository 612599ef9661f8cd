"""Moderators' labels for the next training round: `flask --app wsgi safety-labels` writes them as JSONL.

One line per detector alert or concern a moderator resolved with a label (`real_crisis`, or
`concern_reviewed` for a concern). Features only by default: the tier, the categories and lexicon
entries that fired, the model's score and the text's length. The words themselves are exported only
when all of these hold (docs/safety.md, "Learning from moderators"):

- the operator set `SAFETY_LABELS_TEXT_LEGAL_BASIS` (the documented lawful basis and DPIA reference),
- the command was asked for texts (`--with-texts`), and
- the writer gave the "safety_research" consent (POST /me/consents), has not withdrawn it nor their
  health-data consent, and has not erased their account.

Nothing names anyone: no user ids, no report ids linkable to the queue outside this export.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from models import (
    ConsentRecord, Connection, Group, Message, Mentorship, Report, Resource, SupportRequest, User, db,
)
from services.safety import engine

SOURCES = ("crisis_detector", "concern_detector")
RESEARCH_CONSENT = "safety_research"


class TextsNotAllowedError(Exception):
    """Texts were asked for without a documented legal basis."""


def export_labels(*, with_texts: bool = False, since: datetime | None = None) -> Iterator[dict]:
    """Each labelled detector item as one JSON-ready dict, oldest first."""
    basis = current_app.config.get("SAFETY_LABELS_TEXT_LEGAL_BASIS")
    if with_texts and not basis:
        raise TextsNotAllowedError("Set SAFETY_LABELS_TEXT_LEGAL_BASIS to the documented legal basis first.")
    stmt = select(Report).where(Report.source.in_(SOURCES),
                                or_(Report.real_crisis.isnot(None), Report.concern_reviewed.isnot(None)))
    if since is not None:
        stmt = stmt.where(Report.created_at >= since)
    for report in db.session.scalars(stmt.order_by(Report.created_at, Report.id)):
        yield label_row(report, with_text=with_texts and _may_share_text(report.target_user_id), basis=basis)


def label_row(report: Report, *, with_text: bool, basis: str | None) -> dict:
    text = text_of(report)
    verdict = engine.assess(text) if text else None
    row = {
        # A stable key for de-duplication across exports, not the queue's id.
        "key": hashlib.sha256(f"peerless-label:{report.id}".encode()).hexdigest()[:16],
        "tier": "crisis" if report.source == "crisis_detector" else "concern",
        "source": report.target_type,
        "week": report.created_at.strftime("%G-W%V"),
        "label": {"real_crisis": report.real_crisis, "concern_reviewed": report.concern_reviewed},
        "features": {
            "categories_at_alert": [c for c in (report.details or "").split(",") if c],
            "categories_now": list(verdict.categories) if verdict else [],
            "lexicon_entries": list(verdict.matched) if verdict else [],
            "model_score": round(verdict.score, 4) if verdict else None,
            "chars": len(text or ""),
            "words": len((text or "").split()),
            "text_available": text is not None,
        },
    }
    if with_text and text is not None:
        row["text"], row["legal_basis"] = text, basis
    return row


def text_of(report: Report) -> str | None:
    """The screened text as it stands now (it may have been edited since); None when gone."""
    reader = _READERS.get(report.target_type)
    return reader(report.target_id) if reader else None


def _message(target_id: str) -> str | None:
    message = db.session.get(Message, target_id)
    return message.body if message is not None and not message.deleted else None


def _joined(*parts) -> str | None:
    text = "\n".join(p for p in parts if p)
    return text or None


def _connection(target_id):
    row = db.session.get(Connection, target_id)
    return row.message if row else None


def _mentorship(target_id):
    row = db.session.get(Mentorship, target_id)
    return _joined(row.message, *(row.goals or [])) if row else None


def _group(target_id):
    row = db.session.get(Group, target_id)
    return _joined(row.name, row.description) if row else None


def _profile(target_id):
    row = db.session.get(User, target_id)
    return _joined(row.display_name, row.bio) if row and row.erased_at is None else None


def _resource(target_id):
    row = db.session.get(Resource, target_id)
    return _joined(row.title, row.body) if row else None


def _support_request(target_id):
    row = db.session.get(SupportRequest, target_id)
    return row.topic if row else None


_READERS = {"message": _message, "connection": _connection, "mentorship": _mentorship, "group": _group,
            "profile": _profile, "resource": _resource, "support_request": _support_request}


def _may_share_text(user_id: str | None) -> bool:
    person = db.session.get(User, user_id) if user_id else None
    if person is None or person.erased_at is not None or person.health_consent_withdrawn_at is not None:
        return False
    latest = db.session.scalars(select(ConsentRecord).where(
        ConsentRecord.user_id == person.id, ConsentRecord.kind == RESEARCH_CONSENT)
        .order_by(ConsentRecord.recorded_at.desc()).limit(1)).first()
    return bool(latest and latest.granted)

"""Consents: given at registration, withdrawn or given again at any time, each change recorded."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from models import ConsentKind, ConsentRecord, User, db, utcnow
from services.errors import InvalidInputError

VERSION_SETTING = {ConsentKind.TERMS: "TERMS_VERSION", ConsentKind.HEALTH_DATA: "HEALTH_DATA_CONSENT_VERSION",
                   ConsentKind.SAFETY_RESEARCH: "SAFETY_RESEARCH_CONSENT_VERSION"}


def current_consents(user: User) -> list[ConsentRecord]:
    """The latest record of each kind."""
    latest: dict[str, ConsentRecord] = {}
    for record in db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                     .order_by(ConsentRecord.recorded_at)):
        latest[record.kind] = record
    return list(latest.values())


def change_consent(user: User, *, kind: str, granted: bool) -> ConsentRecord:
    """Record a consent given or withdrawn. Without health-data consent, the person's conditions
    leave matching and their profile until it is given again."""
    if kind == ConsentKind.TERMS and not granted:
        raise InvalidInputError("granted", "To stop using Peerless, delete your account (DELETE /me).")
    record = ConsentRecord(user_id=user.id, kind=kind, granted=granted,
                           version=current_app.config[VERSION_SETTING[ConsentKind(kind)]])
    db.session.add(record)
    if kind == ConsentKind.HEALTH_DATA:
        user.health_consent_withdrawn_at = None if granted else utcnow()
    db.session.commit()
    return record

"""UK GDPR rights: a copy of everything we hold about a person, and erasure."""
from __future__ import annotations

from sqlalchemy import delete, select

from models import AuthSession, ConsentRecord, User, db, utcnow
from models.user import default_settings

ERASED_NAME = "Deleted user"


def export_user_data(user: User) -> dict:
    """Every record the service holds about `user`, as one JSON-ready document."""
    return {
        "exported_at": utcnow(),
        "account": {
            "id": user.id, "email": user.email, "display_name": user.display_name, "bio": user.bio,
            "pronouns": user.pronouns, "languages": user.languages, "region": user.region,
            "timezone": user.timezone, "birth_year": user.birth_year, "roles": user.roles,
            "settings": user.settings, "created_at": user.created_at, "updated_at": user.updated_at,
        },
        "conditions": [
            {"condition_id": uc.condition_id, "condition": uc.condition.name, "diagnosed_year": uc.diagnosed_year,
             "treatments": uc.treatments, "visibility": uc.visibility}
            for uc in user.conditions
        ],
        "consents": [
            {"kind": c.kind, "version": c.version, "granted": c.granted, "recorded_at": c.recorded_at}
            for c in db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                        .order_by(ConsentRecord.recorded_at))
        ],
        "sessions": [
            {"id": s.id, "created_at": s.created_at, "revoked_at": s.revoked_at, "revoked_reason": s.revoked_reason}
            for s in db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)
                                        .order_by(AuthSession.created_at))
        ],
    }


def erase_account(user: User) -> None:
    """Erase the person: profile, conditions, consents and sessions go; the row stays as "Deleted user"
    so other people's conversation histories keep their shape."""
    user.email = None
    user.password_hash = None
    user.display_name = ERASED_NAME
    user.bio = user.pronouns = user.region = user.timezone = None
    user.birth_year = None
    user.languages = []
    user.settings = default_settings()
    user.erased_at = utcnow()
    user.conditions = []
    user.role_rows = []
    db.session.execute(delete(ConsentRecord).where(ConsentRecord.user_id == user.id))
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.session.commit()

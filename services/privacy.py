"""UK GDPR rights: a copy of everything we hold about a person, and erasure."""
from __future__ import annotations

from sqlalchemy import delete, or_, select

from models import (
    AuthSession, Block, Connection, ConsentRecord, ConversationMember, Device, Message, Notification, PushOutbox,
    User, db, utcnow,
)
from models.user import default_settings
from services import changes, devices
from services.changes import Change

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
        "messages": [
            {"id": m.id, "conversation_id": m.conversation_id, "seq": m.seq, "body": m.body,
             "created_at": m.created_at, "edited_at": m.edited_at, "deleted": m.deleted}
            for m in db.session.scalars(select(Message).where(Message.sender_id == user.id)
                                        .order_by(Message.created_at))
        ],
        "connections": [
            {"id": c.id, "requester_id": c.requester_id, "addressee_id": c.addressee_id, "status": c.status,
             "message": c.message, "created_at": c.created_at, "responded_at": c.responded_at}
            for c in db.session.scalars(select(Connection).where(
                or_(Connection.requester_id == user.id, Connection.addressee_id == user.id)))
        ],
        "blocks": [{"user_id": b.blocked_id, "created_at": b.created_at}
                   for b in db.session.scalars(select(Block).where(Block.blocker_id == user.id))],
        "devices": [{"id": d.id, "platform": d.platform, "app_version": d.app_version, "created_at": d.created_at}
                    for d in db.session.scalars(select(Device).where(Device.user_id == user.id))],
        "notifications": [
            {"id": n.id, "type": n.type, "data": n.data, "created_at": n.created_at, "read_at": n.read_at}
            for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                        .order_by(Notification.created_at))
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
    devices.remove_all_devices(user.id)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(PushOutbox).where(PushOutbox.user_id == user.id))
    _remove_message_bodies(user.id)
    db.session.commit()


def _remove_message_bodies(user_id: str) -> None:
    """The person's messages stay in the others' histories as tombstones of a "Deleted user"."""
    for message in db.session.scalars(select(Message).where(Message.sender_id == user_id,
                                                            Message.deleted_at.is_(None))):
        message.body, message.deleted_at = None, utcnow()
        members = db.session.scalars(select(ConversationMember.user_id).where(
            ConversationMember.conversation_id == message.conversation_id, ConversationMember.left_at.is_(None)))
        changes.record(Change(list(members), "message", message.id, event="message.updated", entity=message))
